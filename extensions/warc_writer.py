"""``-s NEWSCRAWL_WARC_DIR=DIR``: a crawl also writes every fetched response as WARC (glue
over :mod:`newscrawl.archive.write`).

Each response the engine receives (pages, feeds, sitemaps, robots.txt, images) is written
with its request to the crawl's current file, named
``newscrawl-<spider>[-<source>]-<pid>-<time opened>-<serial>.warc.gz`` (serial 1 is the run's
first), rotated at ``NEWSCRAWL_WARC_MAX_SIZE`` bytes (1 GB), closed when the spider closes.
A page chromium rendered is written as the HTML that was extracted (its record carries
``WARC-Profile: newscrawl:rendered-html``). Where the response record is goes to
``request.meta["nc_warc"]``, and from there to the article's sighting (``sightings.warc_file``,
``warc_offset``). Files a killed crawl left open are finished or set aside as the next crawl
into the directory starts. The run's files are listed in its stats
(``newscrawl/warc/written_files``, kept in ``crawl_runs.stats``).
"""

from __future__ import annotations

import logging
import os

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from newscrawl.archive.write import (
    DEFAULT_MAX_SIZE,
    META_KEY,
    Fetched,
    WarcFiles,
    decoded_headers,
    recover,
)

logger = logging.getLogger(__name__)


def _slug(value: str) -> str:
    """A name part of a file name.

    >>> _slug("The Independent/UK")
    'the-independent-uk'
    """
    kept = "".join(c if c.isalnum() else "-" for c in value.lower())
    return "-".join(part for part in kept.split("-") if part)


class WarcWriterExtension:
    def __init__(self, crawler: Crawler, directory: str, max_size: int) -> None:
        self.crawler = crawler
        self.directory = directory
        self.max_size = max_size
        self.files: WarcFiles | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcWriterExtension:
        directory = crawler.settings.get("NEWSCRAWL_WARC_DIR")
        if not directory:
            raise NotConfigured
        max_size = crawler.settings.getint("NEWSCRAWL_WARC_MAX_SIZE", DEFAULT_MAX_SIZE)
        extension = cls(crawler, os.path.abspath(os.path.expanduser(directory)), max_size)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.response_received, signal=signals.response_received)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        for path, what in recover(self.directory):
            self.crawler.stats.inc_value("newscrawl/warc/recovered")
            logger.info("recovered %s: %s", path, what)
        source = getattr(getattr(spider, "source", None), "name", None)
        parts = ["newscrawl", spider.name, *([source] if source else []), str(os.getpid())]
        starts = " ".join(str(u) for u in getattr(spider, "start_urls", None) or [])
        info = {"isPartOf": f"{spider.name}:{source or ''}", "start-urls": starts}
        prefix = "-".join(_slug(p) for p in parts)
        self.files = WarcFiles(self.directory, prefix, self.max_size, info)
        logger.info("writing WARC files into %s", self.directory)

    def response_received(self, response: Response, request: Request, spider: Spider) -> None:
        if self.files is None or not response.url.startswith(("http://", "https://")):
            return
        fetched = Fetched(
            url=response.url,
            method=request.method,
            request_headers=decoded_headers(request.headers),
            status=response.status,
            response_headers=decoded_headers(response.headers),
            body=response.body,
            protocol=str(response.protocol or "HTTP/1.1").upper(),
            ip_address=str(response.ip_address) if response.ip_address else None,
            rendered=bool(request.meta.get("playwright") or request.meta.get("nc_rendered")),
        )
        try:
            path, offset = self.files.write(fetched)
        except OSError as err:  # a full disk must not stop the crawl: counted, said once
            self.crawler.stats.inc_value("newscrawl/warc/write_failed")
            logger.error("cannot write WARC record of %s: %s", response.url, err)
            return
        request.meta[META_KEY] = (str(path), offset)
        self.crawler.stats.inc_value("newscrawl/warc/written")

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.files is None:
            return
        self.files.close()
        self.crawler.stats.set_value(
            "newscrawl/warc/written_files", [str(p) for p in self.files.finished]
        )
        self.files = None
