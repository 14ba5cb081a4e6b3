"""Scrapy glue for :mod:`newscrawl.run.gctuning`: tune the collector once the engine has started.

On ``engine_started`` everything alive after start-up moves into the permanent generation
and the thresholds become ``NEWSCRAWL_GC_THRESHOLDS`` (default ``[50000, 20, 20]``);
``NEWSCRAWL_GC_TUNING = False`` leaves the collector alone. Extraction workers
(``NEWSCRAWL_EXTRACT_WORKERS``) tune their own collector the same way when they start. The
collector is process-wide: several crawls in one process share one setting, and
``engine_stopped`` gives the process back its thresholds and unfreezes, so a process that runs
one crawl after another (tests, a scheduler) does not pile up frozen objects.
"""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newscrawl.run.gctuning import gc_threshold_now, gc_thresholds, tune_gc, untune_gc

logger = logging.getLogger(__name__)


class GcTuning:
    def __init__(self, thresholds: tuple[int, int, int]) -> None:
        self.thresholds = thresholds
        self.previous: tuple[int, int, int] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GcTuning:
        if not crawler.settings.getbool("NEWSCRAWL_GC_TUNING", True):
            raise NotConfigured("NEWSCRAWL_GC_TUNING is off")
        extension = cls(gc_thresholds(crawler.settings.getlist("NEWSCRAWL_GC_THRESHOLDS")))
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_started(self) -> None:
        self.previous = gc_threshold_now()
        frozen = tune_gc(self.thresholds)
        logger.debug("gc: %d start-up objects frozen, thresholds %s", frozen, self.thresholds)

    def engine_stopped(self) -> None:
        if self.previous is not None:
            untune_gc(self.previous)
            self.previous = None
