"""Tell the leasing scheduler when a request never reaches the downloader.

``request_left_downloader`` covers every request that was downloaded or failed to
download. A request can also end earlier: a downloader middleware's
``process_request`` raises ``IgnoreRequest`` (robots.txt, the SSRF guard, an
incremental "already stored" check) or answers with a cached response. Installed as
the outermost downloader middleware, this one sees those outcomes in
``process_exception`` / ``process_response`` and sends ``lease_finished``, so the lease
is acknowledged instead of lingering until the worker closes.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from newscrawl.distributed.scheduler import lease_finished


class LeaseFinishMiddleware:
    """Outermost downloader middleware (order 0): report finished leased requests."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeaseFinishMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        self.crawler.signals.send_catch_log(lease_finished, request=request)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self.crawler.signals.send_catch_log(lease_finished, request=request)
