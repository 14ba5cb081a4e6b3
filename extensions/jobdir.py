"""Scrapy glue for :mod:`newscrawl.run.jobdir`: lock the ``JOBDIR``, check it, mark it.

Built with the crawler's extensions, i.e. after the spider and before the engine creates the
scheduler (which reads ``requests.queue`` and ``requests.seen``): a locked directory stops the
crawl before anything is fetched, and one that cannot be trusted is moved aside before Scrapy
opens it. The marker turns ``running`` on ``spider_opened`` (before the first request is
queued) and ``stopped`` on ``engine_stopped`` (after the scheduler and ``SpiderState`` have
written their files). Stats: ``newscrawl/jobdir/<fresh|resume|finished|unclean|corrupt>``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from filelock import FileLock
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newscrawl.run import jobdir as jd

logger = logging.getLogger(__name__)

#: Set by ``newscrawl.engine.scheduler.PausingScheduler`` once it has saved its queues.
SAVED_KEY = "newscrawl/jobdir/saved_requests"
UNSAVED_KEY = "newscrawl/jobdir/unsaved_requests"


class JobDirGuard:
    def __init__(self, crawler: Crawler, path: Path, lock: FileLock) -> None:
        self.crawler = crawler
        self.path = path
        self.lock = lock
        self.reason: str | None = None
        self.opened = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JobDirGuard:
        value = crawler.settings.get("JOBDIR")
        if not value:  # the usual case: off without a word (a message would be a WARNING)
            raise NotConfigured
        path = Path(value)
        try:
            lock = jd.acquire(path)
        except jd.JobDirLocked as err:
            logger.error("%s; not starting", err)
            raise
        guard = cls(crawler, path, lock)
        try:
            guard.prepare()
        except Exception:
            lock.release()
            raise
        crawler.signals.connect(guard.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(guard.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(guard.engine_stopped, signal=signals.engine_stopped)
        return guard

    def prepare(self) -> None:
        """Resume, empty, or move aside what the last crawl left."""
        verdict = jd.inspect(self.path)
        self.crawler.stats.set_value(f"newscrawl/jobdir/{verdict.kind}", 1)
        if verdict.kind in (jd.UNCLEAN, jd.CORRUPT):
            moved = jd.set_aside(self.path, verdict.kind)
            logger.warning(
                "JOBDIR %s cannot be resumed (%s): moved to %s, starting afresh; stored "
                "articles are skipped by the re-crawl window, the rest is fetched again",
                self.path, verdict.reason, moved,
            )  # fmt: skip
        elif verdict.kind == jd.FINISHED:
            jd.empty(self.path)
            logger.info("JOBDIR %s: %s; starting a new job", self.path, verdict.reason)
        elif verdict.kind == jd.RESUME:
            logger.info("JOBDIR %s: resuming, %s", self.path, verdict.reason)

    def spider_opened(self) -> None:
        jd.mark_running(self.path)
        self.opened = True

    def spider_closed(self, reason: str) -> None:
        self.reason = reason

    def engine_stopped(self) -> None:
        try:
            if self.opened and self.reason is not None:
                stats = self.crawler.stats
                resumable = stats.get_value(SAVED_KEY) is not None and not stats.get_value(
                    UNSAVED_KEY
                )
                jd.mark_stopped(self.path, self.reason, resumable=resumable)
                logger.info(
                    "JOBDIR %s saved (%s, %s pending requests%s)",
                    self.path, self.reason, stats.get_value(SAVED_KEY, 0),
                    "" if resumable else "; not resumable",
                )  # fmt: skip
        finally:
            self.lock.release()
