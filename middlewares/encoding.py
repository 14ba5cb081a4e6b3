"""Give every HTML response the encoding :mod:`newscrawl.fetch.encoding` detects, so that
``response.text`` — what spiders pass to extraction — is decoded right even when the
server's charset header is wrong. Browser-rendered responses are left alone (the
browser already decoded them). Stat: ``newscrawl/encoding/corrected``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.http import HtmlResponse

from newscrawl.fetch.encoding import WINDOWS_1252_LENIENT, decode_html, detect_encoding

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


class EncodingMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> EncodingMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, HtmlResponse) or "playwright" in response.flags:
            return response
        if "encoding" in request.meta or not response.body:
            return response  # the spider said which encoding to use
        content_type = response.headers.get(b"Content-Type")
        codec = detect_encoding(response.body, content_type)
        if codec == response.encoding:
            return response
        self.stats.inc_value("newscrawl/encoding/corrected")
        logger.debug("%s: decoding as %s, not %s", response.url, codec, response.encoding)
        if codec == WINDOWS_1252_LENIENT:  # not a Python codec: hand over UTF-8 instead
            text, _ = decode_html(response.body, content_type)
            return response.replace(body=text.encode("utf-8"), encoding="utf-8")
        return response.replace(encoding=codec)
