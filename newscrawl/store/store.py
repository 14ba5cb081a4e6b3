"""The storage API: write batches of articles with de-duplication, answer what was seen.

One batch is one transaction. Writers serialize on a lock (``BEGIN IMMEDIATE`` on
SQLite, a transaction-level advisory lock on Postgres) so that two crawler processes
make their de-duplication decisions one after the other and never store the same
story twice. A batch that fails on bad data is split until the bad item is isolated
and rejected with a reason; a database that is down or locked raises
:class:`StoreUnavailableError` and loses nothing, so the caller can retry later.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import URL, Connection, Engine, exc, func, select

from newscrawl.article import Article
from newscrawl.dedupe.prepare import Prepared, prepared_of
from newscrawl.dedupe.urls import canonicalize_url
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
from newscrawl.store.resolve import BatchResolver, ItemResult
from newscrawl.store.runs import CrawlRun, insert_crawl_run
from newscrawl.store.schema import articles, sightings
from newscrawl.store.write import write_resolution

logger = logging.getLogger(__name__)

#: Postgres advisory lock held by each writing transaction ("newsbtch").
BATCH_LOCK_KEY = 0x6E657773627463


class StoreUnavailableError(RuntimeError):
    """The database cannot be written now (down, unreachable, locked): retry later."""


class StorageFullError(StoreUnavailableError):
    """The database's disk is full (SQLite ``SQLITE_FULL``, Postgres ``DiskFull``): not a
    passing outage, the crawl should stop fetching."""


#: SQLite's extended result codes have ``SQLITE_FULL`` (13) in their low byte; Postgres'
#: SQLSTATE 53100 is ``disk_full`` ("could not extend file").
_SQLITE_FULL, _PG_DISK_FULL = 13, "53100"
_FULL_MESSAGES = ("database or disk is full", "no space left on device", "could not extend file")


def is_storage_full(error: BaseException) -> bool:
    """The error says the database's disk (or quota) is full."""
    original = getattr(error, "orig", None) or error
    if (getattr(original, "sqlite_errorcode", 0) or 0) & 0xFF == _SQLITE_FULL:
        return True
    if getattr(original, "sqlstate", None) == _PG_DISK_FULL:
        return True
    return any(text in str(original).lower() for text in _FULL_MESSAGES)


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


#: Errors of the database itself (down, unreachable, locked, misconfigured): retry later.
_UNAVAILABLE = (
    exc.OperationalError,
    exc.InterfaceError,
    exc.InternalError,
    exc.ProgrammingError,
    exc.DisconnectionError,
    exc.TimeoutError,
    ConnectionError,
)


def _is_data_error(error: Exception) -> bool:
    """Errors caused by an item (split the batch to find it), not by the database."""
    return not isinstance(error, _UNAVAILABLE)


def _reason(error: Exception) -> str:
    original = getattr(error, "orig", None) or error
    return type(original).__name__


class Store:
    """A newscrawl database: articles in, de-duplicated; answers for spiders and reports."""

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
        except Exception as error:
            if not _is_data_error(error):
                raise unavailable(error) from error
            if len(batch) == 1:
                logger.warning("rejected %s: %s", batch[0].url, _reason(error))
                return BatchReport(rejected=[(items[0], _reason(error))])
            middle = len(batch) // 2
            first = self._write_split(batch[:middle], items[:middle], now)
            second = self._write_split(batch[middle:], items[middle:], now)
            return BatchReport(
                results=first.results + second.results, rejected=first.rejected + second.rejected
            )

    def write(
        self, items: Sequence[Article | Prepared], now: datetime | None = None
    ) -> BatchReport:
        """Store a batch in one transaction; returns one result per stored item.

        Raises :class:`StoreUnavailableError` (nothing written) when the database
        cannot be reached or stays locked.
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
        :class:`StoreUnavailableError` when the database cannot be written now."""
        try:
            with self.engine.begin() as connection:
                return insert_crawl_run(connection, run)
        except Exception as error:
            if _is_data_error(error):
                raise
            raise unavailable(error) from error

    # --- reading ---------------------------------------------------------------------

    def recently_seen_urls(self, urls: Iterable[str], since: datetime | timedelta) -> set[str]:
        """Those of ``urls`` stored (as fetched, or as a canonical URL) since ``since``.

        ``since`` may be a time or a window back from now. Spiders use this to skip
        pages fetched recently (incremental crawling).
        """
        if isinstance(since, timedelta):
            since = datetime.now(UTC) - since
        wanted = list(dict.fromkeys(urls))
        canonical = {u: canonicalize_url(u) for u in wanted}
        seen: set[str] = set()
        with self.engine.connect() as connection:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                query = select(sightings.c.url).where(
                    sightings.c.url.in_(chunk), sightings.c.seen_at >= since
                )
                seen.update(connection.scalars(query))
                keys = {canonical[u] for u in chunk}
                query = select(articles.c.canonical_url).where(
                    articles.c.canonical_url.in_(keys), articles.c.last_seen_at >= since
                )
                fresh = set(connection.scalars(query))
                seen.update(u for u in chunk if canonical[u] in fresh)
        return seen

    def is_url_fresh(self, url: str, window: timedelta) -> bool:
        """True when ``url`` was stored within ``window`` of now."""
        return bool(self.recently_seen_urls([url], window))
