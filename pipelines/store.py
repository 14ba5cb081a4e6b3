"""Item pipeline: store Articles in batches and record the crawl run (Scrapy glue only).

Settings (read once): ``DATABASE_URL``, ``STORE_BATCH_SIZE``, ``STORE_FLUSH_INTERVAL``
(seconds), ``STORE_MAX_BUFFERED`` (items kept in memory while the database is away,
then spooled to ``STORE_SPOOL_DIR``, default ``$XDG_STATE_HOME/newscrawl/spool``),
``STORE_SPOOL_RESERVE_MB`` (disk set aside for the spool beyond what waits in memory, given
back when the disk is full),
``STORE_CLOSE_TIMEOUT`` (seconds spent retrying at close) and ``STORE_AUTO_UPGRADE``
(default: on for SQLite, off for Postgres).

Earlier runs' spooled items of the same database are replayed when the spider opens, before
it asks which pages were seen recently. A full disk closes the spider (``storage_full``); so
does a write that fails on a bug rather than on its items or an outage (``store_failed``, the
error logged once with its traceback: the run fails). Items still coming once the disk is
full are spooled while the spool's disk has room for them, and dropped otherwise
(``newscrawl/store/refused``): not stored, so the next run fetches their pages again. At
close one line says how many items were stored, rejected, spooled (where) and lost.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, DropItem
from scrapy.settings import BaseSettings
from scrapy.utils.defer import deferred_from_coro
from twisted.internet.task import LoopingCall

from newscrawl.article import Article
from newscrawl.run.signals import items_durable
from newscrawl.store import BatchReport, Store
from newscrawl.store.buffer import BufferedWriter, BufferPolicy
from newscrawl.store.engine import database_url_from_env, describe_url
from newscrawl.store.problems import DatabaseProblem, explained
from newscrawl.store.runs import crawl_run_from_stats, spider_identity
from newscrawl.store.store import reason_of

logger = logging.getLogger(__name__)

#: Finish reason of a crawl stopped because the database's or the spool's disk is full.
STORAGE_FULL = "storage_full"
#: Finish reason of a crawl stopped because a write failed on a bug (a renamed column...).
STORE_FAILED = "store_failed"


@dataclass(frozen=True, slots=True)
class StoreSettings:
    database_url: str
    policy: BufferPolicy
    close_timeout: float
    auto_upgrade: bool | None

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> StoreSettings:
        defaults = BufferPolicy()
        auto = settings.get("STORE_AUTO_UPGRADE")
        spool_dir = settings.get("STORE_SPOOL_DIR") or None  # relative: to where it started
        return cls(
            database_url=database_url_from_env(settings.get("DATABASE_URL")),
            policy=BufferPolicy(
                batch_size=settings.getint("STORE_BATCH_SIZE", defaults.batch_size),
                flush_interval=settings.getfloat("STORE_FLUSH_INTERVAL", defaults.flush_interval),
                max_buffered=settings.getint("STORE_MAX_BUFFERED", defaults.max_buffered),
                retry_max=settings.getfloat("STORE_RETRY_MAX", defaults.retry_max),
                spool_dir=os.path.abspath(os.path.expanduser(spool_dir)) if spool_dir else None,
                spool_reserve=int(
                    settings.getfloat("STORE_SPOOL_RESERVE_MB", defaults.spool_reserve / 2**20)
                    * 2**20
                ),
            ),
            close_timeout=settings.getfloat("STORE_CLOSE_TIMEOUT", 60.0),
            auto_upgrade=None if auto is None else settings.getbool("STORE_AUTO_UPGRADE"),
        )


class StorePipeline:
    def __init__(self, crawler: Crawler, settings: StoreSettings) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.settings = settings
        self.store: Store | None = None
        self.writer: BufferedWriter | None = None
        self.loop: LoopingCall | None = None
        #: Why the crawl must stop, when that is found while the spider opens.
        self._stop_at_open: str | None = None
        self._opened = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        pipeline = cls(crawler, StoreSettings.from_settings(crawler.settings))
        # The finish reason reaches only the spider_closed signal, sent after close_spider:
        # the crawl_runs row is written there, then the store is closed.
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        try:
            with explained(self.settings.database_url):
                self.store = Store.open(
                    self.settings.database_url, auto_upgrade=self.settings.auto_upgrade
                )
        except DatabaseProblem as problem:  # one line, and the spider closes before it starts
            logger.error("cannot store articles: %s", problem)
            logger.debug("database problem", exc_info=True)
            raise CloseSpider(problem.finish_reason) from None
        logger.info("storing into %s", describe_url(self.settings.database_url))
        self.writer = BufferedWriter(
            self.store,
            self.settings.policy,
            self._count,
            self._unavailable,
            on_durable=self._durable,
            on_replayed=self._count_replayed,
            on_full=self._storage_full,
            on_failed=self._store_failed,
        )
        # earlier runs' spooled articles go in before the spider asks what was seen recently
        # (newscrawl.discover.incremental), so that their pages are not fetched again
        try:
            self.writer.flush()
        except Exception:  # they stay in the spool, for the next flush or the next run
            logger.exception("replaying the spool failed")
        if self._stop_at_open is not None:  # Scrapy closes the spider once it is open
            raise CloseSpider(self._stop_at_open)
        self._opened = True
        self.loop = LoopingCall(self._tick)
        self.loop.start(max(0.5, self.settings.policy.flush_interval / 2), now=False)

    def _tick(self) -> None:
        try:
            assert self.writer is not None
            self.writer.tick()
        except Exception:  # keep the timer alive: the items stay buffered for the next try
            logger.exception("periodic store flush failed")
            self.stats.inc_value("newscrawl/store/flush_errors")

    def _count(self, report: BatchReport) -> None:
        for result in report.results:
            self.stats.inc_value(f"newscrawl/store/{result.outcome}")
            if result.story_linked:
                self.stats.inc_value("newscrawl/dedupe/story_linked")
        for _item, reason in report.rejected:
            self.stats.inc_value(f"newscrawl/store/rejected/{reason}")

    def _count_replayed(self, report: BatchReport) -> None:
        """Earlier runs' items: counted apart, so ``items_stored`` counts this run's once."""
        for result in report.results:
            self.stats.inc_value("newscrawl/store/replayed")
            self.stats.inc_value(f"newscrawl/store/replayed/{result.outcome}")
        for _item, reason in report.rejected:
            self.stats.inc_value(f"newscrawl/store/replayed/rejected/{reason}")

    def _storage_full(self, error: Exception) -> None:
        """No room for the database or the spool: stop fetching what cannot be kept."""
        self.stats.set_value("newscrawl/store/storage_full", str(error)[:200])
        self._stop_crawl(STORAGE_FULL)

    def _store_failed(self, error: Exception) -> None:
        """A write failed on a bug (the writer logged it): every later item would too."""
        self.stats.set_value("newscrawl/store/failed", reason_of(error))
        self._stop_crawl(STORE_FAILED)

    def _stop_crawl(self, reason: str) -> None:
        if not self._opened:
            self._stop_at_open = self._stop_at_open or reason
            return
        engine = self.crawler.engine
        spider = getattr(engine, "spider", None)
        if engine is None or spider is None:
            return
        if hasattr(engine, "close_spider_async"):  # Scrapy 2.14+
            deferred_from_coro(engine.close_spider_async(reason=reason))
        else:
            engine.close_spider(spider, reason)

    def _durable(self, items: list[Article]) -> None:
        self.crawler.signals.send_catch_log(items_durable, items=items)

    def _unavailable(self, error: Exception) -> None:
        self.stats.inc_value("newscrawl/store/unavailable")
        self.stats.set_value("newscrawl/store/waiting", self.writer.waiting if self.writer else 0)

    def process_item(self, item: Article) -> Article:
        assert self.writer is not None
        if not self.writer.add(item):  # the storage is full and the spool has no room left
            self.stats.inc_value("newscrawl/store/refused")
            raise DropItem("storage full: not stored, fetched again by the next run", "DEBUG")
        return item

    def close_spider(self) -> None:
        """Store or spool what waits, and say in one line where every item of the run went
        (here, not at ``spider_closed``: errors logged after that do not fail the run)."""
        if self.loop and self.loop.running:
            self.loop.stop()
        if self.writer is None or self.store is None:
            return
        self.writer.close(self.settings.close_timeout, release=False)
        tally = self.writer.tally
        self.stats.set_value("newscrawl/store/spooled", tally.spooled)
        if tally.lost:
            self.stats.set_value("newscrawl/store/lost", tally.lost)
        if tally.damaged:
            self.stats.set_value("newscrawl/store/spool_damaged", tally.damaged)
        kept = not (tally.spooled or tally.lost)
        logger.log(logging.INFO if kept else logging.ERROR, "%s", tally.line(self.writer.trouble()))

    def spider_closed(self, spider: object, reason: str) -> None:
        """Record the run in ``crawl_runs`` with Scrapy's finish reason (spooled behind its
        items when the database is away), then release the spool and close the store."""
        if self.store is None or self.writer is None:
            return
        name = getattr(spider, "name", None) or "unknown"
        run = crawl_run_from_stats(
            name, self.stats.get_stats(), finish_reason=reason, **spider_identity(spider)
        )
        try:
            where = self.writer.record_run(run)
        except Exception as error:  # a row this database refuses: the run row is not data
            logger.error("could not record the crawl run: %s", error)
            where = "nowhere"
        if where == "spool":
            logger.warning("store: the crawl_runs row waits in %s until the database is back",
                           self.writer.spool.path)  # fmt: skip
        self.writer.release()
        self.store.close()
        self.store = None
