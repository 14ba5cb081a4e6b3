"""The Scrapy settings that turn a spider into a distributed worker.

Applied by ``spiders/news_distributed.py`` in ``update_settings`` at "spider" priority,
so anything given with ``-s`` on the command line still wins. ``REDIS_URL`` names the
Redis server (scrapy-redis reads it); ``NEWSCRAWL_REDIS_PREFIX`` names the crawl.
"""

from __future__ import annotations

import os
from typing import Any

from scrapy.settings import BaseSettings

from newscrawl.distributed.middleware import LeaseFinishMiddleware

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"

#: Scalar settings of a distributed worker (documented in docs/scale.md).
DISTRIBUTED_SETTINGS: dict[str, Any] = {
    "SCHEDULER": "newscrawl.distributed.scheduler.LeasingScheduler",
    "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
    "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
    "SCHEDULER_SERIALIZER": "scrapy_redis.picklecompat",
    "SCHEDULER_PERSIST": True,
    # Close a worker after the whole cluster has been quiet this long (seconds).
    "MAX_IDLE_TIME_BEFORE_CLOSE": 60,
    # A worker without a heartbeat for this long is dead; its leases are requeued.
    "NEWSCRAWL_WORKER_TTL": 30,
    # Acknowledge a finished request this long after it left the downloader; 0 means
    # 2 x STORE_FLUSH_INTERVAL + 1 s, so that its article has been committed first.
    "NEWSCRAWL_LEASE_ACK_DELAY": 0,
}


def apply(settings: BaseSettings, priority: str = "spider") -> None:
    """Switch scheduler and duplicate filter to scrapy-redis with leases."""
    for name, value in DISTRIBUTED_SETTINGS.items():
        settings.set(name, value, priority=priority)
    if not settings.get("REDIS_URL"):
        settings.set(
            "REDIS_URL", os.environ.get("REDIS_URL", DEFAULT_REDIS_URL), priority="default"
        )
    # Outermost downloader middleware; merged into, not replacing, the project's list.
    settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", LeaseFinishMiddleware, 0)
