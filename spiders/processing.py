"""The crawl's page processing: :class:`newscrawl.process.PageProcessor` set up from the
settings and let go of when the spider closes (Scrapy glue).

``NEWSCRAWL_EXTRACT_WORKERS`` (default ``"auto"``, as in ``newscrawl/settings.py``: one
worker process per usable CPU, none on a single CPU; 0 processes pages in the crawler's
thread) and the collector thresholds the workers use (``NEWSCRAWL_GC_TUNING``,
``NEWSCRAWL_GC_THRESHOLDS``, as the crawler). Stats: ``newscrawl/extract/worker_died``,
``newscrawl/extract/worker_crashed``.
"""

from __future__ import annotations

from scrapy import signals
from scrapy.crawler import Crawler

from newscrawl.extract.pool import worker_count
from newscrawl.process import PageProcessor
from newscrawl.run.gctuning import gc_thresholds

#: The default of ``NEWSCRAWL_EXTRACT_WORKERS`` (settings.py says the same).
DEFAULT_WORKERS = "auto"


def page_processor(crawler: Crawler) -> PageProcessor:
    """The page processor of this crawl; its workers are let go of at ``spider_closed``."""
    settings = crawler.settings
    workers = worker_count(settings.get("NEWSCRAWL_EXTRACT_WORKERS", DEFAULT_WORKERS))
    thresholds = (
        gc_thresholds(settings.getlist("NEWSCRAWL_GC_THRESHOLDS"))
        if settings.getbool("NEWSCRAWL_GC_TUNING", True)
        else None
    )
    # the crawler's stats exist only once the crawl starts, after the spider
    processor = PageProcessor(workers, thresholds, lambda key: crawler.stats.inc_value(key))
    crawler.signals.connect(processor.close, signal=signals.spider_closed)
    return processor
