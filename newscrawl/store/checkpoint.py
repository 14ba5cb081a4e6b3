"""SQLite WAL checkpoints on a thread of their own, off the writer's path.

In WAL mode a commit appends the pages it changed to the ``-wal`` file; a checkpoint
copies them back into the database file and syncs both files. Run by the committing
connection (``wal_autocheckpoint``), it stalled the writer: with 100,000 articles stored,
a batch dirties thousands of index pages scattered over the file, and the copy and its
two ``fsync`` calls were about two thirds of a commit's wall time. Here a daemon thread
with a connection of its own runs ``PRAGMA wal_checkpoint(PASSIVE)`` after write
transactions (at most once per ``interval``); SQLite releases the GIL while it works, so
the copy overlaps the writer's next batch. PASSIVE never waits for readers or writers.

A WAL starts again from its first page only once every page in it has been copied, and
a writer that keeps committing while passive checkpoints run may never give it that
moment: when the WAL holds ``restart_pages`` or more, the thread runs
``wal_checkpoint(RESTART)``, which waits for the current writer (at most
:data:`RESTART_BUSY_TIMEOUT_MS`, else it gives up until next time), copies the few pages
left and lets the next writer start the WAL over (Litestream bounds the WAL it
checkpoints itself the same way). The WAL file so stays within ``journal_size_limit`` and
is overwritten in place rather than grown again.

Durability is that of ``synchronous=NORMAL`` with automatic checkpoints: a commit is on
disk once a checkpoint has synced the WAL, here about ``interval`` seconds after the
commit instead of after a page count (which a slow crawl could take minutes to reach).
Writers keep ``wal_autocheckpoint`` as a backstop should this thread fall behind or fail.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from sqlalchemy import Engine

logger = logging.getLogger(__name__)

#: Seconds between two checkpoints while batches keep coming.
CHECKPOINT_INTERVAL_S = 0.25
#: WAL pages (4 KiB each: 128 MiB) above which the WAL is restarted. A restart holds the
#: writer back while it copies what the last passive checkpoint left (50-75 ms with 100,000
#: articles stored): at 8,192 pages that was 0.03-0.06 ms of every article's wall time.
RESTART_PAGES = 32768
#: How long a RESTART may hold new writers back waiting for the current one, in ms.
RESTART_BUSY_TIMEOUT_MS = 200


class WalCheckpointer:
    """Checkpoints one SQLite database's WAL on a thread, when told that a commit happened."""

    def __init__(
        self,
        engine: Engine,
        interval: float = CHECKPOINT_INTERVAL_S,
        restart_pages: int = RESTART_PAGES,
    ) -> None:
        self.engine = engine
        self.interval = interval
        self.restart_pages = restart_pages
        #: Checkpoints run and WAL restarts done (for tests and diagnostics).
        self.checkpoints = 0
        self.restarts = 0
        self._wake = threading.Event()
        self._stopping = False
        self._failing = False
        self._thread: threading.Thread | None = None  # started by the first commit

    def committed(self) -> None:
        """A write transaction committed: its pages are in the WAL."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="newscrawl-wal-checkpoint", daemon=True
            )
            self._thread.start()
        self._wake.set()

    def close(self, timeout: float = 30.0) -> None:
        """Checkpoint what is waiting, then stop the thread."""
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        raw = None
        last = 0.0
        try:
            while True:
                self._wake.wait()
                if not self._stopping:
                    time.sleep(max(0.0, last + self.interval - time.monotonic()))
                self._wake.clear()
                raw = raw or self._connect()
                if raw is not None:
                    self._checkpoint(raw)
                last = time.monotonic()
                if self._stopping:
                    return
        finally:
            if raw is not None:
                raw.close()

    def _connect(self) -> Any:
        raw = None
        try:
            raw = self.engine.raw_connection()
            raw.detach()  # its settings are changed below: never hand it back to the pool
            self._execute(raw, "PRAGMA busy_timeout=200")  # RESTART_BUSY_TIMEOUT_MS
            # a checkpoint needs no page cache; the default 16 MiB one filled up (+13 MB RSS)
            self._execute(raw, "PRAGMA cache_size=-256")
        except Exception as error:  # tried again after the next commit
            if raw is not None:
                raw.close()
            self._failed(error)
            return None
        return raw

    def _failed(self, error: Exception) -> None:
        if not self._failing:
            logger.warning("WAL checkpoint failed (writers checkpoint themselves): %s", error)
        self._failing = True

    @staticmethod
    def _execute(raw: Any, statement: str) -> list:
        cursor = raw.cursor()
        try:
            cursor.execute(statement)
            return cursor.fetchall()
        finally:
            cursor.close()

    def _checkpoint(self, raw: Any) -> None:
        try:
            busy, wal_pages, _copied = self._execute(raw, "PRAGMA wal_checkpoint(PASSIVE)")[0]
            self.checkpoints += 1
            if not busy and wal_pages >= self.restart_pages:
                busy, _, _ = self._execute(raw, "PRAGMA wal_checkpoint(RESTART)")[0]
                self.restarts += 0 if busy else 1
            self._failing = False
        except Exception as error:  # the writers' own wal_autocheckpoint still bounds the WAL
            self._failed(error)
