"""Item pipeline: store Articles in batches and record the crawl run (Scrapy glue only).

Settings (read once): ``DATABASE_URL``, ``STORE_BATCH_SIZE``, ``STORE_FLUSH_INTERVAL``
(seconds), ``STORE_MAX_BUFFERED`` (items kept in memory while the database is away,
then spooled to ``STORE_SPOOL_DIR``), ``STORE_CLOSE_TIMEOUT`` (seconds spent retrying
at close) and ``STORE_AUTO_UPGRADE`` (default: on for SQLite, off for Postgres).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings
from twisted.internet.task import LoopingCall

from newscrawl.article import Article
from newscrawl.signals import items_durable
from newscrawl.store import BatchReport, SchemaOutdatedError, Store
from newscrawl.store.buffer import BufferedWriter, BufferPolicy
from newscrawl.store.engine import database_url_from_env, describe_url
from newscrawl.store.runs import crawl_run_from_stats, spider_identity

logger = logging.getLogger(__name__)


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
        return cls(
            database_url=database_url_from_env(settings.get("DATABASE_URL")),
            policy=BufferPolicy(
                batch_size=settings.getint("STORE_BATCH_SIZE", defaults.batch_size),
                flush_interval=settings.getfloat("STORE_FLUSH_INTERVAL", defaults.flush_interval),
                max_buffered=settings.getint("STORE_MAX_BUFFERED", defaults.max_buffered),
                retry_max=settings.getfloat("STORE_RETRY_MAX", defaults.retry_max),
                spool_dir=settings.get("STORE_SPOOL_DIR") or defaults.spool_dir,
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

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        pipeline = cls(crawler, StoreSettings.from_settings(crawler.settings))
        # The finish reason reaches only the spider_closed signal, sent after close_spider:
        # the crawl_runs row is written there, then the store is closed.
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        try:
            self.store = Store.open(
                self.settings.database_url, auto_upgrade=self.settings.auto_upgrade
            )
        except SchemaOutdatedError as error:
            logger.error("%s", error)
            raise
        logger.info("storing into %s", describe_url(self.settings.database_url))
        self.writer = BufferedWriter(
            self.store,
            self.settings.policy,
            self._count,
            self._unavailable,
            on_durable=self._durable,
        )
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

    def _durable(self, items: list[Article]) -> None:
        self.crawler.signals.send_catch_log(items_durable, items=items)

    def _unavailable(self, error: Exception) -> None:
        self.stats.inc_value("newscrawl/store/unavailable")
        self.stats.set_value("newscrawl/store/waiting", self.writer.waiting if self.writer else 0)

    def process_item(self, item: Article) -> Article:
        assert self.writer is not None
        self.writer.add(item)
        return item

    def close_spider(self) -> None:
        if self.loop and self.loop.running:
            self.loop.stop()
        if self.writer is None or self.store is None:
            return
        left = self.writer.close(self.settings.close_timeout)
        self.stats.set_value("newscrawl/store/spooled", left)

    def spider_closed(self, spider: object, reason: str) -> None:
        """Record the run in ``crawl_runs`` with Scrapy's finish reason, then close the store."""
        if self.store is None:
            return
        name = getattr(spider, "name", None) or "unknown"
        run = crawl_run_from_stats(
            name, self.stats.get_stats(), finish_reason=reason, **spider_identity(spider)
        )
        try:
            self.store.record_crawl_run(run)
        except Exception as error:  # the database went away again: the run row is not data
            logger.error("could not record the crawl run: %s", error)
        self.store.close()
        self.store = None
