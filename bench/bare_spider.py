"""The baseline for ``bench/crawl_throughput.py``: plain Scrapy, fetching and nothing else.

It finds article URLs the cheapest way possible (a regex over the sitemaps' ``<loc>``
elements, no XML or HTML parsing) and does no work on article pages, so its pages per
second are what Scrapy itself can do on this machine with the same settings the news
crawl gets. Run it with ``scrapy runspider bench/bare_spider.py -a start_url=URL``.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

_LOC = re.compile(rb"<loc>([^<]+)</loc>")


class BareSpider(scrapy.Spider):
    """Fetch every URL listed by a sitemap index and its sitemaps; extract nothing."""

    name = "bare"

    def __init__(self, start_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_url = start_url

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.start_url, callback=self.parse_sitemap)

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        for url in _LOC.findall(response.body):
            target = url.decode()
            callback = self.parse_sitemap if target.endswith(".xml") else self.parse_article
            yield scrapy.Request(target, callback=callback)

    def parse_article(self, response: Response) -> None:
        """Nothing: the page has been downloaded, which is all the baseline measures."""
        self.crawler.stats.inc_value("bare/articles")
