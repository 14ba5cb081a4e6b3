"""The storage API: write batches of articles with de-duplication, record crawl runs.

One batch is one transaction. Writers serialize on a lock (``BEGIN IMMEDIATE`` on
SQLite, a transaction-level advisory lock on Postgres) so that two crawler processes
make their de-duplication decisions one after the other and never store the same
story twice. What a failed write means is decided by
:func:`newscrawl.store.problems.write_failure`: a batch that fails on bad data is split until
the bad item is isolated and rejected with a reason; a database that is down or locked raises
:class:`StoreUnavailableError` and loses nothing, so the caller can retry later; a bug (SQL
that does not fit the database) is isolated the same way, its items rejected, and the report
carries the error (:attr:`BatchReport.bug`) for the caller to fail loudly.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import URL, Connection, Engine, func, select

from newscrawl.article import Article
from newscrawl.dedupe.prepare import Prepared, prepared_of
from newscrawl.store.bands import cursors_for
from newscrawl.store.checkpoint import WalCheckpointer
from newscrawl.store.engine import (
    WRITE_TRANSACTION,
    create_engine,
    describe_url,
    is_sqlite,
    is_sqlite_file,
)
from newscrawl.store.lookup import load_candidates
from newscrawl.store.migrate import ensure_schema
from newscrawl.store.problems import WriteFailure, is_storage_full, write_failure
from newscrawl.store.resolve import BatchResolver, ItemResult
from newscrawl.store.runs import CrawlRun, insert_crawl_run
from newscrawl.store.write import write_resolution

logger = logging.getLogger(__name__)

#: Postgres advisory lock held by each writing transaction ("newsbtch").
BATCH_LOCK_KEY = 0x6E657773627463


class StoreUnavailableError(RuntimeError):
    """The database cannot be written now (down, unreachable, locked): retry later."""


class StorageFullError(StoreUnavailableError):
    """The database's disk is full (SQLite ``SQLITE_FULL``, Postgres ``DiskFull``): not a
    passing outage, the crawl should stop fetching."""


def unavailable(error: Exception) -> StoreUnavailableError:
    """The error to raise for a database that cannot be written now, in one line (the
    driver's message, without SQLAlchemy's SQL and help link)."""
    kind = StorageFullError if is_storage_full(error) else StoreUnavailableError
    original = getattr(error, "orig", None) or error
    message = " ".join(str(original).split())
    return kind(f"{type(original).__name__}: {message}")


@dataclass
class BatchReport:
    """What one call to :meth:`Store.write` did."""

    results: list[ItemResult] = field(default_factory=list)
    rejected: list[tuple[Article | Prepared, str]] = field(default_factory=list)
    #: The first error of this batch that was neither an item's fault nor an outage
    #: (:attr:`WriteFailure.BUG`); the items it met are among ``rejected``.
    bug: Exception | None = None


def reason_of(error: BaseException) -> str:
    """The reason an item is rejected for: the driver's error class (``UndefinedColumn``)."""
    original = getattr(error, "orig", None) or error
    return type(original).__name__


class Store:
    """A newscrawl database: articles in, de-duplicated, and a row per crawl run.

    What was seen is asked by :mod:`newscrawl.discover.incremental`, reports by
    :mod:`newscrawl.store.report` and :mod:`newscrawl.store.export`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        #: SQLite files: WAL checkpoints on a thread of their own, off the write path.
        self.checkpointer = WalCheckpointer(engine) if is_sqlite_file(engine) else None
        #: Where this store's next moves through the band index's levels start.
        self.band_cursors = cursors_for(engine.dialect.name)

    @classmethod
    def open(
        cls, database_url: str | URL | None = None, *, auto_upgrade: bool | None = None
    ) -> Store:
        """Connect and check the schema (applied automatically on SQLite by default)."""
        engine = create_engine(database_url)
        upgrade = is_sqlite(engine) if auto_upgrade is None else auto_upgrade
        try:
            ensure_schema(engine, auto_upgrade=upgrade)
        except Exception:
            engine.dispose()
            raise
        logger.info("newscrawl store: %s", describe_url(engine.url))
        return cls(engine)

    def close(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.close()
            self.checkpointer = None
        self.engine.dispose()

    # --- writing ---------------------------------------------------------------------

    def _lock(self, connection: Connection) -> None:
        if connection.dialect.name == "postgresql":
            connection.execute(select(func.pg_advisory_xact_lock(BATCH_LOCK_KEY)))

    def _write_once(self, batch: list[Prepared], now: datetime) -> list[ItemResult]:
        connection = self.engine.connect().execution_options(**WRITE_TRANSACTION)
        with connection, connection.begin():
            self._lock(connection)
            candidates = load_candidates(connection, batch)
            resolution = BatchResolver(connection, candidates, now).resolve(batch)
            ids = write_resolution(connection, resolution, self.band_cursors, now)
        if self.checkpointer is not None:
            self.checkpointer.committed()
        for result in resolution.results:
            result.key = ids.get(result.key, result.key)
        return resolution.results

    def _write_split(self, batch: list[Prepared], items: list, now: datetime) -> BatchReport:
        try:
            return BatchReport(results=self._write_once(batch, now))
        except Exception as caught:  # split outside this block: a traceback of its own
            error = caught
        failure = write_failure(error)
        if failure is WriteFailure.UNAVAILABLE:
            raise unavailable(error) from error
        if len(batch) == 1:
            bug = error if failure is WriteFailure.BUG else None
            # a bug is logged once, with its traceback, by whoever reads the report
            level = logging.DEBUG if bug else logging.WARNING
            logger.log(level, "rejected %s: %s", batch[0].url, reason_of(error))
            return BatchReport(rejected=[(items[0], reason_of(error))], bug=bug)
        middle = len(batch) // 2
        first = self._write_split(batch[:middle], items[:middle], now)
        second = self._write_split(batch[middle:], items[middle:], now)
        return BatchReport(
            results=first.results + second.results,
            rejected=first.rejected + second.rejected,
            bug=first.bug or second.bug,
        )

    def write(
        self, items: Sequence[Article | Prepared], now: datetime | None = None
    ) -> BatchReport:
        """Store a batch in one transaction; returns one result per stored item.

        Raises :class:`StoreUnavailableError` (nothing written) when the database
        cannot be reached or stays locked. Items a bug met are rejected, and the report's
        ``bug`` says so: the caller must not take it for bad data.
        """
        batch: list[Prepared] = []
        kept: list[Article | Prepared] = []
        rejected: list[tuple[Article | Prepared, str]] = []
        for item in items:
            try:
                batch.append(item if isinstance(item, Prepared) else prepared_of(item))
                kept.append(item)
            except Exception as error:  # one malformed item must not cost its batch-mates
                logger.warning("rejected %s: %r", getattr(item, "url", item), error)
                rejected.append((item, type(error).__name__))
        if not batch:
            return BatchReport(rejected=rejected)
        report = self._write_split(batch, kept, now or datetime.now(UTC))
        report.rejected = rejected + report.rejected
        return report

    def record_crawl_run(self, run: CrawlRun) -> int:
        """Insert one ``crawl_runs`` row; returns its id. Raises
        :class:`StoreUnavailableError` when the database cannot be written now, the error
        itself otherwise."""
        try:
            with self.engine.begin() as connection:
                return insert_crawl_run(connection, run)
        except Exception as error:
            if write_failure(error) is WriteFailure.UNAVAILABLE:
                raise unavailable(error) from error
            raise
