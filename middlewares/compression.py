"""Scrapy's HttpCompressionMiddleware, with decompression bombs counted.

Scrapy already stops inflating once the decompressed size passes ``DOWNLOAD_MAXSIZE``
(``tests/test_security_hostile.py`` proves it on a 1 GiB gzip bomb); it only logs
a warning. This subclass adds the stat ``newscrawl/download/dropped/decompression_bomb``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.http import Response


class CountingHttpCompressionMiddleware(HttpCompressionMiddleware):
    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        """``spider`` is optional as in the parent (Scrapy stopped passing it; 2.13 still does)."""
        try:
            return super().process_response(request, response)
        except IgnoreRequest:
            if self.stats is not None:
                self.stats.inc_value("newscrawl/download/dropped/decompression_bomb")
            raise
