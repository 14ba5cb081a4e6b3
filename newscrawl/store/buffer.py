"""Batching in front of the Store: flush on size, on time and at close; survive outages.

While the database is down or locked, items stay in memory up to ``max_buffered``;
beyond that they go to a local spool file of this database (:mod:`newscrawl.store.spool`).
Writes are retried with exponential backoff (never more often than ``retry_max``) and the
spool is replayed, oldest first, once the database answers; a new writer replays the files
that earlier runs on the same database left behind before anything else.

A full disk is not a passing outage: the writer reports it (``on_full``) so the crawl stops
fetching, keeps what it holds (memory, then the spool if that can take it) and, at close,
accounts for every item it was given: stored, spooled or lost (:class:`Tally`). So that the
spool can take what waits in memory, a reserve on the spool's disk always covers it: the
bytes its items take as spool lines plus a headroom (``spool_reserve``) for the items still
on their way when the disk fills. It grows with the buffer (no room to grow it is a full
disk too) and is given back to the spool when the disk is full. Once it is, an item is taken
only if the spool's disk still has room for it and for what waits; one that does not fit is
refused (:meth:`BufferedWriter.add` returns False), not lost: it was never stored, so the
next run fetches its page again.

A bug is not an outage either (:class:`newscrawl.store.problems.WriteFailure`: SQL that does
not fit the database, say a renamed column): the items of the batch it met are rejected with
its reason, the error is logged once with its traceback, the writer reports it
(``on_failed``) so the crawl stops and fails, and it writes no more in this run: what waits is
spooled. A spool file is deleted only once replayed to its end, so a replay that meets the bug
leaves its file whole for a run with the bug fixed. Nothing is replayed into a bug wholesale,
nor kept silently: every run that meets it fails.
"""

from __future__ import annotations

import errno
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from newscrawl.article import Article
from newscrawl.store.runs import CrawlRun
from newscrawl.store.spool import (
    LEGACY_DIR,
    NO_SPACE,
    Spool,
    SpoolFile,
    database_identity,
    to_line,
)
from newscrawl.store.store import (
    BatchReport,
    StorageFullError,
    Store,
    StoreUnavailableError,
    reason_of,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BufferPolicy:
    batch_size: int = 200
    flush_interval: float = 5.0
    max_buffered: int = 10_000
    retry_initial: float = 1.0
    retry_max: float = 30.0
    #: ``None``: :func:`newscrawl.store.spool.default_spool_dir`.
    spool_dir: str | None = None
    #: Bytes of the spool's disk set aside beyond what waits in memory (the reserve covers
    #: both), given back when the disk is full so that all of it, and the items still on
    #: their way, can be spooled (0: no reserve).
    spool_reserve: int = 8 * 2**20


@dataclass
class Tally:
    """Where the items given to one writer went, and what it replayed for earlier runs."""

    received: int = 0
    stored: int = 0  # committed (new, merged, revised or unchanged), also via the spool
    rejected: int = 0  # refused for good by the database (bad data)
    spooled: int = 0  # in this writer's spool file at close
    lost: int = 0  # neither stored nor spooled: the disk was full
    replayed: int = 0  # earlier runs' spooled items committed by this writer
    replay_rejected: int = 0
    left_for_later: int = 0  # earlier runs' spooled items still waiting at close
    refused: int = 0  # not taken once the storage was full (not received, not lost)
    damaged: int = 0  # spool lines that could not be read (kept aside)
    runs_replayed: int = 0  # crawl_runs rows written from the spool
    spool_paths: list[Path] = field(default_factory=list)

    def line(self, reason: str = "") -> str:
        """The one line that says where every item went."""
        parts = [f"{self.stored} stored"]
        if self.rejected:
            parts.append(f"{self.rejected} rejected")
        where = ", ".join(str(p) for p in self.spool_paths) or "the spool"
        parts.append(f"{self.spooled} spooled" + (f" to {where}" if self.spooled else ""))
        parts.append(f"{self.lost} lost" + (f" ({reason})" if self.lost and reason else ""))
        text = f"store: {self.received} items this run: " + ", ".join(parts)
        if self.replayed or self.replay_rejected or self.runs_replayed:
            text += (
                f"; replayed from earlier runs' spool: {self.replayed} items"
                f" ({self.replay_rejected} rejected), {self.runs_replayed} run records"
            )
        if self.left_for_later:
            text += f"; {self.left_for_later} earlier spooled items still wait"
        if self.refused:
            text += (
                f"; {self.refused} more items refused once the storage was full (not stored,"
                " their pages are fetched again by the next run)"
            )
        if self.damaged:
            text += f"; {self.damaged} damaged spool lines kept aside"
        return text


class BufferedWriter:
    """Accepts articles one at a time and stores them in batches, retrying outages."""

    def __init__(
        self,
        store: Store,
        policy: BufferPolicy,
        on_report: Callable[[BatchReport], None] = lambda report: None,
        on_unavailable: Callable[[Exception], None] = lambda error: None,
        clock: Callable[[], float] = time.monotonic,
        on_durable: Callable[[list[Article]], None] = lambda articles: None,
        on_replayed: Callable[[BatchReport], None] = lambda report: None,
        on_full: Callable[[Exception], None] = lambda error: None,
        on_failed: Callable[[Exception], None] = lambda error: None,
    ) -> None:
        self.store = store
        self.policy = policy
        #: This run's items, as they are committed (also when replayed from its own spool).
        self.on_report = on_report
        #: Earlier runs' spooled items, as they are committed.
        self.on_replayed = on_replayed
        self.on_unavailable = on_unavailable
        #: Told once when the disk of the database or of the spool is full.
        self.on_full = on_full
        #: Told once when a write met a bug (:attr:`BatchReport.bug`).
        self.on_failed = on_failed
        #: Told which items are safe from a crash of this process: committed (stored or
        #: rejected for good) or fsync'ed to the spool. Distributed workers acknowledge
        #: their leases from it.
        self.on_durable = on_durable
        self.clock = clock
        self.pending: list[Article] = []
        #: The size of each pending item as a spool line, and their sum.
        self._sizes: list[int] = []
        self.pending_bytes = 0
        #: What the reserve holds beyond them (``policy.spool_reserve``; 0: no reserve).
        self.headroom = policy.spool_reserve
        self.tally = Tally()
        #: Why the storage is full (database or spool), once it was.
        self.full: Exception | None = None
        #: The bug a write met, once it did: nothing more is written in this run.
        self.failed: Exception | None = None
        self.spool_error: OSError | None = None
        self.spool = Spool(policy.spool_dir, database_identity(store.engine.url))
        self._claim()
        self._cover()
        self.last_flush = clock()
        self.retry_at = 0.0
        self.backoff = policy.retry_initial
        self.unavailable_count = 0

    def _claim(self) -> None:
        found = self.spool.claim_leftovers([Path(LEGACY_DIR).absolute()])
        where = self.spool.directory
        if found.entries:
            logger.info("spool: %d items in %d files of earlier runs on %s to replay (%s)",
                        found.entries, found.files, self.spool.database, where)  # fmt: skip
        if found.others:
            names = ", ".join(f"{n} of {db}" for db, n in sorted(found.others.items()))
            logger.info("spool: %d files in %s belong to other databases (%s); left alone",
                        sum(found.others.values()), where, names)  # fmt: skip
        if found.legacy:
            dirs = sorted({str(p.parent) for p in found.legacy})
            logger.warning(
                "spool: %d files in %s were written by an older newscrawl and name no database; "
                "left alone. To replay them into this database: python -m newscrawl.store.spool "
                "adopt DIR --database-url URL", len(found.legacy), ", ".join(dirs),
            )  # fmt: skip

    @property
    def waiting(self) -> int:
        """Items not yet stored (memory and spool)."""
        return len(self.pending) + self.spool.count

    @property
    def stopped(self) -> bool:
        """No more writes in this run: the storage is full, or a write met a bug."""
        return self.full is not None or self.failed is not None

    def add(self, article: Article) -> bool:
        """Take an item; False when it is refused: the storage is full and the spool's disk
        has no room left for it (it was not received: the next run fetches it again)."""
        size = len(to_line(article).encode()) + 1
        if self.stopped and not self._fits(size):
            self.tally.refused += 1
            return False
        self.tally.received += 1
        self.pending.append(article)
        self._sizes.append(size)
        self.pending_bytes += size
        if self.stopped:  # the crawl is stopping: keep what comes in the spool
            if len(self.pending) >= self.policy.batch_size and self.spool_error is None:
                self._spill()
            return True
        self._cover()
        if len(self.pending) > self.policy.max_buffered and self.spool_error is None:
            self._spill()
        if len(self.pending) >= self.policy.batch_size:
            self.flush()
        return True

    def _fits(self, size: int) -> bool:
        """Once the storage is full: the spool has room for this item besides what waits in
        memory (when its room cannot be known, the item is taken)."""
        room = self.spool.room()
        return room < 0 or self.pending_bytes + size <= room

    def _taken(self, count: int) -> list[Article]:
        """The first ``count`` pending items, no longer pending (stored or spooled)."""
        taken = self.pending[:count]
        del self.pending[:count]
        self.pending_bytes -= sum(self._sizes[:count])
        del self._sizes[:count]
        self._cover()
        return taken

    def _cover(self) -> None:
        """Keep the reserve at what waits in memory plus the headroom, rounded up to half a
        headroom (not resized for every item). No room to grow it means the disk is full:
        the reserve as it is still covers what waited before, and the item just taken fits
        in the headroom."""
        headroom = self.headroom
        if headroom <= 0 or self.stopped:
            return
        need, have = self.pending_bytes + headroom, self.spool.reserved
        if need <= have <= need + headroom:
            return
        try:
            step = max(1, headroom // 2)
            self.spool.reserve(-(-need // step) * step)
        except OSError as error:
            if error.errno in NO_SPACE:
                self._storage_full(error)
            else:  # a file system without the means: go on as with ``spool_reserve=0``
                logger.warning("spool: no reserve in %s (%s): what waits in memory when the "
                               "disk fills may not fit in the spool", self.spool.directory,
                               error)  # fmt: skip
                self.headroom = 0

    def tick(self) -> None:
        """Call periodically: flushes when the interval has passed or a retry is due."""
        if self.waiting and self.clock() - self.last_flush >= self.policy.flush_interval:
            self.flush()

    def _spill(self) -> None:
        """Move what waits in memory to the spool, as much of it as the disk takes."""
        logger.warning("spool: writing %d items to %s", len(self.pending), self.spool.path)
        try:
            written = self.spool.append(self.pending)
        except OSError as error:
            self._spool_failed(error)
            return
        self.on_durable(self._taken(written))
        if self.pending:
            full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self.spool.path))
            self._spool_failed(full)

    def _spool_failed(self, error: OSError) -> None:
        """The spool cannot take more: items stay in memory; a full disk stops the crawl."""
        self.spool_error = error
        logger.error("spool: cannot write to %s (%s); %d items stay in memory",
                     self.spool.directory, error, len(self.pending))  # fmt: skip
        if error.errno in NO_SPACE:
            self._storage_full(error)

    def _storage_full(self, error: Exception) -> None:
        """From now on nothing more goes to the database in this run: the spool, written in
        its reserve, takes what waits in memory and what still comes (what fits)."""
        if self.full is not None:
            return
        self.full = error
        freed = self.spool.take_reserve()
        logger.error("storage full (%s): stopping the crawl; %d items wait in memory, spooling "
                     "them to %s (%d bytes set aside for it)", error, len(self.pending),
                     self.spool.directory, freed)  # fmt: skip
        self.on_full(error)
        if freed:
            self.spool_error = None  # it may take something now
        if self.pending and self.spool_error is None:
            self._spill()

    def _write(self, articles: Sequence[Article], own: bool) -> None:
        """One spooled batch (at most ``batch_size`` items)."""
        if articles:
            self._account(self.store.write(articles), own)

    def _failed(self, error: Exception, rejected: int) -> None:
        """A write met a bug: say it once, loudly, and write no more in this run."""
        if self.failed is not None:
            return
        self.failed = error
        logger.error("store: a write failed on a bug, not on the items nor an outage (%s); "
                     "%d items of its batch rejected, nothing more is written in this run and "
                     "what waits is spooled: %s", reason_of(error), rejected,
                     " ".join(str(error).split())[:500], exc_info=error)  # fmt: skip
        self.on_failed(error)

    def _account(self, report: BatchReport, own: bool) -> None:
        if report.bug is not None:
            self._failed(report.bug, len(report.rejected))
        if own:
            self.tally.stored += len(report.results)
            self.tally.rejected += len(report.rejected)
            self.on_report(report)
        else:
            self.tally.replayed += len(report.results)
            self.tally.replay_rejected += len(report.rejected)
            self.on_replayed(report)

    def _replay_file(self, spool_file: SpoolFile) -> None:
        batch: list[Article] = []
        offset = spool_file.offset
        for entry, end in self.spool.read(spool_file):
            if isinstance(entry, CrawlRun):
                self._write(batch, spool_file.own)
                self.spool.replayed(spool_file, offset, len(batch))
                batch = []
                if self.failed is not None:  # the rest waits for a run with the bug fixed
                    return
                self._replay_run(entry)
                self.spool.replayed(spool_file, end, 0, runs=1)
            else:
                batch.append(entry)
                if len(batch) >= self.policy.batch_size:
                    self._write(batch, spool_file.own)
                    self.spool.replayed(spool_file, end, len(batch))
                    batch = []
                    if self.failed is not None:
                        return
            offset = end
        self._write(batch, spool_file.own)
        self.spool.replayed(spool_file, offset, len(batch))
        if self.failed is not None:
            return
        self.tally.damaged = self.spool.damaged
        self.spool.done(spool_file)
        logger.info("spool: replayed %s", spool_file.path)

    def _replay_run(self, run: CrawlRun) -> None:
        try:
            self.store.record_crawl_run(run)
        except StoreUnavailableError:
            raise
        except Exception as error:  # a record this database cannot take: not worth a crawl
            logger.error("spool: crawl run record of %s refused (%s): %s", run.started_at,
                         type(error).__name__, error)  # fmt: skip
            return
        self.tally.runs_replayed += 1

    def flush(self) -> bool:
        """Try to store everything waiting; False when the database is still unavailable
        (or writes stopped: the storage is full, or a write met a bug)."""
        now = self.clock()
        self.last_flush = now
        if self.stopped:
            if self.pending and self.spool_error is None:
                self._spill()
            return False
        if now < self.retry_at:
            return False
        try:
            for spool_file in self.spool.pending():
                self._replay_file(spool_file)
                if self.failed is not None:
                    return self.flush()  # spool what waits in memory
            while self.pending:
                chunk = self.pending[: self.policy.batch_size]
                self._account(self.store.write(chunk), own=True)
                self.on_durable(self._taken(len(chunk)))
                if self.failed is not None:
                    return self.flush()
        except StoreUnavailableError as error:
            self.tally.damaged = self.spool.damaged
            self.unavailable_count += 1
            self.retry_at = self.clock() + self.backoff
            logger.warning("database unavailable (%s), %d items waiting, retry in %.0fs",
                           error, self.waiting, self.backoff)  # fmt: skip
            self.backoff = min(self.backoff * 2, self.policy.retry_max)
            self.on_unavailable(error)
            if isinstance(error, StorageFullError):
                self._storage_full(error)
            return False
        self.backoff = self.policy.retry_initial
        self.retry_at = 0.0
        return True

    def close(self, timeout: float, *, release: bool = True) -> int:
        """Store what is waiting, retrying up to ``timeout`` seconds (not when the storage is
        full); spool what still cannot be written. Returns the items left in the spool.

        ``release=False`` keeps the spool's files locked until :meth:`release`, so that a run
        record can still be spooled behind the items (:meth:`record_run`).
        """
        deadline = self.clock() + timeout
        self.retry_at = 0.0
        while self.waiting and not self.stopped and not self.flush():
            if self.stopped or self.clock() >= deadline:
                break
            time.sleep(max(0.0, min(self.retry_at, deadline) - self.clock()))
        if self.pending:
            self.spool_error = None
            self._spill()
        self.tally.lost = len(self.pending)
        self.tally.spooled = self.spool.own_count
        self.tally.left_for_later = self.spool.count - self.tally.spooled
        self.tally.damaged = self.spool.damaged
        self.tally.spool_paths = [f.path for f in self.spool.files if f.own and f.entries]
        left = self.spool.count
        if release:
            self.release()
        return left

    def record_run(self, run: CrawlRun) -> str:
        """Write the run's ``crawl_runs`` row, or spool it behind this run's items when the
        database cannot take it; returns where it went ("database", "spool" or "nowhere")."""
        try:
            self.store.record_crawl_run(run)
            return "database"
        except StoreUnavailableError as error:
            logger.warning("could not record the crawl run now (%s); spooling it", error)
        try:
            self.spool.append([run])
        except OSError as error:
            logger.error("could not record or spool the crawl run: %s", error)
            return "nowhere"
        return "spool"

    def trouble(self) -> str:
        """Why items could not be stored or spooled, in a few words ("" when they could)."""
        parts = []
        if self.full is not None and self.full is not self.spool_error:
            parts.append(f"storage full: {self.full}")
        if self.failed is not None:
            parts.append(f"a write failed on a bug: {reason_of(self.failed)}")
        if self.spool_error is not None:
            parts.append(f"spool: {self.spool_error}")
        return "; ".join(parts)

    def release(self) -> None:
        """Unlock the spool files: the next writer of this database replays what is left."""
        self.spool.close()
