"""Batching in front of the Store: flush on size, on time and at close; survive outages.

While the database is down or locked, items stay in memory up to ``max_buffered``;
beyond that they go to a local spool file. Writes are retried with exponential
backoff (never more often than ``retry_max``) and the spool is replayed, oldest first,
once the database answers. Nothing is dropped for an outage: at close, what still
cannot be written stays in the spool and the next writer on the same spool directory
replays it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from newscrawl.article import Article
from newscrawl.store.spool import Spool
from newscrawl.store.store import BatchReport, Store, StoreUnavailableError

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BufferPolicy:
    batch_size: int = 200
    flush_interval: float = 5.0
    max_buffered: int = 10_000
    retry_initial: float = 1.0
    retry_max: float = 30.0
    spool_dir: str = "newscrawl-spool"


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
    ) -> None:
        self.store = store
        self.policy = policy
        self.on_report = on_report
        self.on_unavailable = on_unavailable
        #: Told which items are safe from a crash of this process: committed (stored or
        #: rejected for good) or fsync'ed to the spool. Distributed workers acknowledge
        #: their leases from it.
        self.on_durable = on_durable
        self.clock = clock
        self.pending: list[Article] = []
        self.spool = Spool(Path(policy.spool_dir))
        self.spool.claim_leftovers()
        self.last_flush = clock()
        self.retry_at = 0.0
        self.backoff = policy.retry_initial
        self.unavailable_count = 0

    @property
    def waiting(self) -> int:
        """Items not yet stored (memory and spool)."""
        return len(self.pending) + self.spool.count

    def add(self, article: Article) -> None:
        self.pending.append(article)
        if len(self.pending) > self.policy.max_buffered:
            self._spill()
        if len(self.pending) >= self.policy.batch_size:
            self.flush()

    def tick(self) -> None:
        """Call periodically: flushes when the interval has passed or a retry is due."""
        if self.waiting and self.clock() - self.last_flush >= self.policy.flush_interval:
            self.flush()

    def _spill(self) -> None:
        logger.warning("database unavailable: spooling %d items to %s", len(self.pending),
                       self.spool.path)  # fmt: skip
        self.spool.append(self.pending)
        spilled, self.pending = self.pending, []
        self.on_durable(spilled)

    def _write(self, articles: list[Article]) -> None:
        size = self.policy.batch_size
        for start in range(0, len(articles), size):
            self.on_report(self.store.write(articles[start : start + size]))

    def _replay_spool(self) -> None:
        for path in self.spool.rotate():
            items = list(self.spool.read(path))
            self._write(items)
            self.spool.done(path, len(items))
            logger.info("replayed %d spooled items from %s", len(items), path)

    def flush(self) -> bool:
        """Try to store everything waiting; False when the database is still unavailable."""
        now = self.clock()
        self.last_flush = now
        if now < self.retry_at:
            return False
        try:
            if self.spool.count:
                self._replay_spool()
            while self.pending:
                chunk = self.pending[: self.policy.batch_size]
                self.on_report(self.store.write(chunk))
                del self.pending[: len(chunk)]
                self.on_durable(chunk)
        except StoreUnavailableError as error:
            self.unavailable_count += 1
            self.retry_at = self.clock() + self.backoff
            logger.warning("database unavailable (%s), %d items waiting, retry in %.0fs",
                           error, self.waiting, self.backoff)  # fmt: skip
            self.backoff = min(self.backoff * 2, self.policy.retry_max)
            self.on_unavailable(error)
            return False
        self.backoff = self.policy.retry_initial
        self.retry_at = 0.0
        return True

    def close(self, timeout: float) -> int:
        """Store what is waiting, retrying up to ``timeout`` seconds; returns items left over.

        Left-over items are in the spool file, replayed by the next writer.
        """
        deadline = self.clock() + timeout
        while self.waiting and not self.flush():
            if self.clock() >= deadline:
                break
            time.sleep(max(0.0, min(self.retry_at, deadline) - self.clock()))
        if self.pending:
            self._spill()
        left = self.spool.count
        if left:
            logger.error("%d items could not be stored; they wait in %s", left,
                         self.spool.directory)  # fmt: skip
        return left
