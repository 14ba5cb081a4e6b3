"""A spider mixin that takes its seeds from Redis (scrapy-redis' ``RedisMixin``).

Seeds are JSON objects pushed by ``newscrawl seed`` on ``{prefix}:start_urls``:
``{"url": "https://…/sitemap.xml"}`` or ``{"source": "inkl"}``. Whichever worker pops a
seed turns it into the concrete spider's first requests and hands them straight to the
engine, which puts them on the shared, leased queue — so a seed spends no time only in
one process's memory. Closing is left to :class:`~newscrawl.engine.leasing_scheduler.
LeasingScheduler`, which decides on the whole cluster's state; scrapy-redis' own idle
timer is not used.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterable
from typing import Any

from newscrawl.engine.leasing_scheduler import lease_finished
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy_redis.spiders import RedisMixin

from newscrawl.distributed.keys import DEFAULT_PREFIX, RedisKeys

logger = logging.getLogger(__name__)


class RedisSeedMixin(RedisMixin):
    """Read seeds from Redis when starting and whenever the worker is idle.

    Concrete spiders implement :meth:`requests_for_url` (and, to accept
    ``{"source": NAME}`` seeds, :meth:`requests_for_source`).
    """

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Any:
        spider = super().from_crawler(crawler, *args, **kwargs)
        prefix = crawler.settings.get("NEWSCRAWL_REDIS_PREFIX") or DEFAULT_PREFIX
        spider.redis_key = RedisKeys(prefix).start_urls
        spider.max_idle_time = 0  # the LeasingScheduler decides when to close
        spider.setup_redis(crawler)
        return spider

    async def start(self) -> AsyncIterator[Any]:
        self.schedule_next_requests()
        return
        yield  # an async generator that yields nothing: seeds go to the engine directly

    def spider_idle(self) -> None:
        """Pull more seeds; never veto closing (the scheduler does that)."""
        self.schedule_next_requests()

    def make_request_from_data(self, data: bytes) -> list[Request]:
        try:
            seed = json.loads(data)
        except ValueError:
            seed = {"url": data.decode(self.redis_encoding or "utf-8").strip()}
        if not isinstance(seed, dict):
            logger.warning("Ignoring malformed seed %r", data[:200])
            return []
        if seed.get("url"):
            return list(self.requests_for_url(seed["url"], seed.get("meta") or {}))
        if seed.get("source"):
            return list(self.requests_for_source(seed["source"]))
        logger.warning("Ignoring seed without url or source: %r", data[:200])
        return []

    def lease_done(self, request: Request) -> None:
        """Call from errbacks: the leased request failed, nothing of it is to be stored.

        The errback is the one place every failure reaches, also those raised by a
        downloader middleware's ``process_response``, which no signal reports.
        """
        self.crawler.signals.send_catch_log(lease_finished, request=request)

    def requests_for_url(self, url: str, meta: dict[str, Any]) -> Iterable[Request]:
        """The first requests for a seed URL; the default fetches it as-is."""
        return [Request(url, dont_filter=True, meta=meta)]

    def requests_for_source(self, name: str) -> Iterable[Request]:
        """The first requests for a named source; override where sources exist."""
        raise NotImplementedError(f"{type(self).__name__} cannot expand source seeds ({name})")
