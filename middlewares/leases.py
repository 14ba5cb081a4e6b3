"""Tell the leasing scheduler about leased requests that fail without a response.

A lease is acknowledged once its request is done and what it produced is safe
(:mod:`newscrawl.distributed.acks`). The spider's side is reported by
:class:`newscrawl.spidermiddlewares.leases.LeaseOutputMiddleware`;
:class:`LeaseFinishMiddleware`, the outermost downloader middleware, sees requests that fail
without a response: ``IgnoreRequest`` from a downloader middleware's ``process_request``
(robots.txt, the SSRF guard) or a download error no inner middleware turned into a retry. It
sends ``lease_finished``: nothing to store.

A response is not a reason to acknowledge: its articles are still to come.
"""

from __future__ import annotations

from newscrawl.engine.leasing_scheduler import lease_finished
from scrapy import Request
from scrapy.crawler import Crawler


class LeaseFinishMiddleware:
    """Outermost downloader middleware (order 0): report leased requests that failed."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeaseFinishMiddleware:
        return cls(crawler)

    def process_exception(self, request: Request, exception: Exception) -> None:
        self.crawler.signals.send_catch_log(lease_finished, request=request)
