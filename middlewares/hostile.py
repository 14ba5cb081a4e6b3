"""Drop hostile responses before extraction, and count every download failure by reason.

* A body that is really a PDF, PNG, ZIP… although labelled ``text/html`` is dropped
  (``binary_<format>``); so are empty documents and HTML without any content.
* ``DOWNLOAD_MAXSIZE`` is enforced here for responses Scrapy's HTTP handler did not
  measure while receiving them: scrapy-playwright builds its response from the
  browser's DOM and ignores the limit.
* Download exceptions (timeouts, data loss, size cancellations, dropped connections)
  are counted as ``newscrawl/download/error/<reason>``; Scrapy still retries them.

Drops raise :class:`HostileResponse` (an ``IgnoreRequest``), are logged with URL and
reason and counted as ``newscrawl/download/dropped/<reason>``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, TextResponse

from newscrawl.fetch.hostile import COMPRESSED, drop_reason, exception_reason, sniff_binary

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


class HostileResponse(IgnoreRequest):
    """A response dropped because it cannot be (or must not be) an article page."""


@dataclass(frozen=True, slots=True)
class HostileSettings:
    max_size: int

    @classmethod
    def from_settings(cls, settings: Any) -> HostileSettings:
        return cls(max_size=settings.getint("DOWNLOAD_MAXSIZE"))


def _is_html(response: Response) -> bool:
    if isinstance(response, HtmlResponse):
        return True
    ctype = response.headers.get(b"Content-Type", b"") or b""
    return b"html" in ctype.lower()


class HostileResponseMiddleware:
    def __init__(self, crawler: Crawler, config: HostileSettings) -> None:
        self.stats = crawler.stats
        self.config = config

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HostileResponseMiddleware:
        return cls(crawler, HostileSettings.from_settings(crawler.settings))

    def _drop(self, request: Request, reason: str) -> HostileResponse:
        self.stats.inc_value(f"newscrawl/download/dropped/{reason}")
        logger.warning("Dropped %s: %s", request.url, reason)
        return HostileResponse(f"hostile response: {reason}")

    def process_response(self, request: Request, response: Response) -> Response:
        if not 200 <= response.status < 300 or request.method == "HEAD":
            return response
        if request.meta.get("newscrawl_robots"):  # robots.txt has its own rules
            return response
        max_size = int(request.meta.get("download_maxsize", self.config.max_size))
        # gzipped sitemaps (``sitemap.xml.gz``) are often labelled as text: discovery
        # inflates them itself, with a size cap
        archive_ok = not _is_html(response) or response.url.lower().endswith(".gz")
        if _is_html(response) and not archive_ok:
            rendered = "playwright" in response.flags
            reason = drop_reason(response.body, max_size=max_size, rendered=rendered)
            if reason:
                raise self._drop(request, reason)
        elif isinstance(response, TextResponse):
            binary = sniff_binary(response.body)
            if binary and not (archive_ok and binary in COMPRESSED):
                raise self._drop(request, f"binary_{binary}")
            if max_size and len(response.body) > max_size:
                raise self._drop(request, "too_large")
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, IgnoreRequest):
            return
        self.stats.inc_value(f"newscrawl/download/error/{exception_reason(exception)}")
