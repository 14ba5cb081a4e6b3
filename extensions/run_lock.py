"""Scrapy glue for :mod:`newscrawl.run.locks`: one run of a crawl at a time per database.

Built with the crawler's extensions, after the spider (whose ``lock_key`` names the crawl:
``source:NAME``, ``news:`` and its start URLs) and before the engine opens: a crawl whose
lock is held logs one ERROR and stops before anything is fetched (``scrapy crawl`` exits 1).
Spiders without a ``lock_key`` are not locked. The lock goes when the engine has stopped
(after the run's ``crawl_runs`` row is written and the extraction workers are gone).
Settings: ``DATABASE_URL``, ``NEWSCRAWL_LOCK_DIR``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from filelock import FileLock
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newscrawl.run.locks import CrawlLocked, acquire_run_lock
from newscrawl.run.paths import default_lock_dir

logger = logging.getLogger(__name__)


class RunLock:
    def __init__(self, lock: FileLock) -> None:
        self.lock = lock

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunLock:
        key = getattr(crawler.spider, "lock_key", "")
        if not key:
            raise NotConfigured
        settings = crawler.settings
        try:
            lock = acquire_run_lock(
                Path(settings.get("NEWSCRAWL_LOCK_DIR") or default_lock_dir()),
                key,
                settings.get("DATABASE_URL", "sqlite:///news.db"),
            )
        except CrawlLocked as err:
            logger.error("%s; not starting", err)
            raise
        extension = cls(lock)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_stopped(self) -> None:
        self.lock.release()
