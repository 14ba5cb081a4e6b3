"""The Scrapy settings that turn a spider into a distributed worker.

Applied by ``spiders/news_distributed.py`` in ``update_settings`` at "spider" priority,
so anything given with ``-s`` on the command line still wins. ``REDIS_URL`` names the
Redis server (scrapy-redis reads it); ``NEWSCRAWL_REDIS_PREFIX`` names the crawl.
"""

from __future__ import annotations

import os
from typing import Any

from newscrawl.middlewares.leases import LeaseFinishMiddleware
from newscrawl.spidermiddlewares.leases import LeaseOutputMiddleware
from scrapy.settings import BaseSettings

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"

#: Scalar settings of a distributed worker (documented in docs/scale.md).
DISTRIBUTED_SETTINGS: dict[str, Any] = {
    "SCHEDULER": "newscrawl.engine.leasing_scheduler.LeasingScheduler",
    "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
    "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
    "SCHEDULER_SERIALIZER": "scrapy_redis.picklecompat",
    "SCHEDULER_PERSIST": True,
    # Close a worker after the whole cluster has been quiet this long (seconds).
    "MAX_IDLE_TIME_BEFORE_CLOSE": 60,
    # A worker without a heartbeat for this long is dead; its leases are requeued.
    "NEWSCRAWL_WORKER_TTL": 30,
    # (NEWSCRAWL_LEASE_ACK_DELAY is no longer used: a lease is acknowledged once the
    # articles of its request are stored or spooled. Still accepted, with a warning.)
}


def apply(settings: BaseSettings, priority: str = "spider") -> None:
    """Switch scheduler and duplicate filter to scrapy-redis with leases."""
    for name, value in DISTRIBUTED_SETTINGS.items():
        settings.set(name, value, priority=priority)
    if not settings.get("REDIS_URL"):
        settings.set(
            "REDIS_URL", os.environ.get("REDIS_URL", DEFAULT_REDIS_URL), priority="default"
        )
    # Outermost downloader middleware and the spider middleware nearest the engine.
    add_component(settings, "DOWNLOADER_MIDDLEWARES", LeaseFinishMiddleware, 0, priority)
    add_component(settings, "SPIDER_MIDDLEWARES", LeaseOutputMiddleware, 0, priority)


def add_component(
    settings: BaseSettings, name: str, cls: type, order: int, priority: str = "spider"
) -> None:
    """Merge ``cls`` into the component dict ``name``, set at ``priority``.

    Not ``set_in_component_priority_dict``: it keeps the dict's own (project) priority,
    and Scrapy 2.19's ``CrawlerProcess.crawl(crawler)`` copies the process settings over
    the crawler's again, which dropped the component (the lease middlewares were silently
    not installed). A dict given on the command line (``-s``) still wins, as documented.
    """
    path = f"{cls.__module__}.{cls.__qualname__}"
    components = {k: v for k, v in settings.getdict(name).items() if k not in (cls, path)}
    components[cls] = order
    settings.set(name, components, priority=priority)
