"""Where does a crawl's memory grow? A Scrapy extension for ``bench/`` runs only.

It starts ``tracemalloc`` when the spider opens, takes a snapshot once
``MEMTRACE_AFTER_ITEMS`` items have been scraped (the warm-up: caches, imports and
the first batch are in place by then) and another when the spider closes, and logs
the allocation sites that grew most in between. Memory that grows with the number
of pages crawled shows up there; memory that is merely large does not.

    PYTHONPATH=bench scrapy crawl news ... -s 'EXTENSIONS={"memtrace.MemTrace": 0}' \\
        -s MEMTRACE_AFTER_ITEMS=300

tracemalloc slows the crawl several times over: never use it for timings.
"""

from __future__ import annotations

import logging
import tracemalloc

from scrapy import signals
from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class MemTrace:
    """Log the top allocation sites that grew between warm-up and close."""

    def __init__(self, crawler: Crawler, after_items: int, top: int) -> None:
        self.crawler = crawler
        self.after_items = after_items
        self.top = top
        self.items = 0
        self.baseline: tracemalloc.Snapshot | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MemTrace:
        ext = cls(
            crawler,
            crawler.settings.getint("MEMTRACE_AFTER_ITEMS", 300),
            crawler.settings.getint("MEMTRACE_TOP", 20),
        )
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def opened(self) -> None:
        tracemalloc.start(4)

    def scraped(self) -> None:
        self.items += 1
        if self.items == self.after_items:
            self.baseline = tracemalloc.take_snapshot()
            logger.info("memtrace: baseline after %d items", self.items)

    def closed(self) -> None:
        if self.baseline is None:
            logger.warning("memtrace: fewer than %d items, no comparison", self.after_items)
            return
        final = tracemalloc.take_snapshot()
        grown = self.items - self.after_items
        stats = final.compare_to(self.baseline, "traceback")
        lines = [f"memtrace: growth over the last {grown} items, top {self.top} sites:"]
        for stat in stats[: self.top]:
            frames = " <- ".join(f"{f.filename}:{f.lineno}" for f in stat.traceback[:4])
            lines.append(
                f"  {stat.size_diff / 2**20:+8.2f} MB {stat.count_diff:+8d} blocks  {frames}"
            )
        logger.info("\n".join(lines))
