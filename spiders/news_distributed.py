"""``scrapy crawl news_distributed -s REDIS_URL=redis://host:6379/0``: one worker of many.

The news spider's crawl loop (:class:`~newscrawl.spiders.base.DiscoverySpider`) with seeds,
request queue and duplicate filter in Redis (scrapy-redis, with the leases and
cluster-wide idle close of :mod:`newscrawl.distributed`). Start any number of these
on any number of machines against one Redis and one database, then push work with
``newscrawl seed URL…`` or ``newscrawl seed --source NAME``. A worker exits once the
cluster has had nothing queued, seeded or in flight for ``MAX_IDLE_TIME_BEFORE_CLOSE``
seconds. ``-s NEWSCRAWL_REDIS_PREFIX=NAME`` keeps separate crawls apart.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

from newscrawl.engine import distributed as distributed_settings
from newscrawl.spiders.base import PRIORITY_DISCOVERY, DiscoverySpider, optional_int, split_urls
from newscrawl.spiders.failures import failed_request
from newscrawl.spiders.redis_seeds import RedisSeedMixin
from scrapy import Request
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure


class NewsDistributedSpider(RedisSeedMixin, DiscoverySpider):
    name = "news_distributed"
    #: Every request goes to the shared Redis queue at once, so any worker can take it
    #: and a killed worker loses none.
    uses_frontier = False

    def __init__(
        self,
        max_articles: str | int | None = None,
        allowed_domains: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.start_urls = []  # seeds come from Redis
        self.max_articles = optional_int(max_articles, "max_articles")
        # Seeds arrive at run time, so there is no fixed domain list to give the offsite
        # middleware; listings still follow links on their own host only.
        self.allowed_domains = split_urls(allowed_domains) or None
        # Many workers into one database is the point: the cron lock is per process.
        self.lock_key = f"distributed:{os.getpid()}"

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        distributed_settings.apply(settings)

    async def start(self) -> AsyncIterator[Any]:
        # The news spider's start() sets up the crawl state (counters, the recently-seen
        # URLs); with no start_urls it yields nothing. Seeds then come from Redis.
        async for _ in DiscoverySpider.start(self):
            pass
        async for item in RedisSeedMixin.start(self):
            yield item

    def requests_for_url(self, url: str, meta: dict[str, Any]) -> Iterable[Request]:
        """A seed URL is crawled exactly as ``scrapy crawl news -a start_urls=URL`` would."""
        if urlsplit(url).scheme not in ("http", "https"):
            self.logger.error("ignoring seed that is not an http(s) URL: %r", url)
            return []
        return [
            Request(
                url,
                callback=self.parse_start,
                errback=self.start_failed,
                priority=PRIORITY_DISCOVERY,
                meta={**meta, "nc_role": "start", "nc_depth": 0},
                dont_filter=True,
            )
        ]

    def requests_for_source(self, name: str) -> Iterable[Request]:
        """A source seed expands to the source's start URLs from sources.toml."""
        found = {s.name: s for s in self.sources}.get(name)
        if found is None:
            self.logger.error("unknown source seed %r", name)
            self.crawler.stats.inc_value("newscrawl/distributed/unknown_source")
            return []
        return [r for url in found.start_urls for r in self.requests_for_url(url, {})]

    def start_failed(self, failure: Failure) -> None:
        # With seeds arriving over time there is no "every start URL failed" verdict.
        self.lease_done(failed_request(failure))
        self.failures.start_failed(failure, starts=None)

    def page_failed(self, failure: Failure) -> Iterator[Request]:
        # Also failures no downloader middleware reports (a hostile body, a redirect loop).
        self.lease_done(failed_request(failure))
        yield from super().page_failed(failure)
