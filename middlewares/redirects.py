"""Count redirect loops instead of letting them vanish silently.

Scrapy stops a redirect chain after ``REDIRECT_MAX_TIMES`` hops and drops a redirect
back to an URL already seen by the dupefilter, both without a stat. This middleware
sits just before RedirectMiddleware (in response order) and turns both into a drop
counted as ``newscrawl/download/dropped/redirect_loop``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.exceptions import IgnoreRequest
from w3lib.url import safe_url_string

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


class RedirectLoop(IgnoreRequest):
    """A redirect chain that cycles or never ends."""


class RedirectLoopMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.max_times = crawler.settings.getint("REDIRECT_MAX_TIMES")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectLoopMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if not 300 <= response.status < 400 or not location:
            return response
        target = safe_url_string(response.urljoin(location.decode("latin-1")))
        seen = [*request.meta.get("redirect_urls", []), request.url]
        hops = request.meta.get("redirect_times", 0) + 1
        if target in seen or hops > self.max_times:
            self.stats.inc_value("newscrawl/download/dropped/redirect_loop")
            logger.warning("Dropped %s: redirect loop after %d hops", seen[0], hops - 1)
            raise RedirectLoop(f"redirect loop: {seen[0]}")
        return response
