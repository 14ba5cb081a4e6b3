"""Writers and an export loop for the incremental-export tests (tests/test_store_cursor.py).

The writers run as real processes (``python -m tests.cursorkit buffered|slow URL …``):

- ``buffered``: a crawler's store pipeline in miniature, articles through a
  :class:`BufferedWriter` (small batches, a small memory buffer, a spool directory), so
  an outage of its database sends items to the spool and they are replayed, late, when
  it returns. Half its items are new articles, the rest other URLs of them (merges).
- ``slow``: :meth:`Store.write` with every write transaction held open a while before it
  commits (the only change: a sleep after the batch is written), storing new articles,
  revisions (a new body at the same URL) and new authors of articles stored before.

Each prints one JSON line with what it did. :func:`export_loop` runs ``newscrawl export
--cursor-file`` (the command's own code, in this process) until told to stop.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from newscrawl.cli import main as newscrawl_main  # noqa: E402
from tests.storekit import article, text  # noqa: E402


def buffered_url(n: int) -> str:
    return f"https://www.independent.co.uk/news/buffered-{n}"


def slow_url(n: int) -> str:
    return f"https://www.theguardian.com/world/slow-{n}"


def _run_buffered(database_url: str, count: int, pause: float, spool_dir: str) -> dict:
    from newscrawl.store import Store
    from newscrawl.store.buffer import BufferedWriter, BufferPolicy

    policy = BufferPolicy(
        batch_size=6,
        flush_interval=0.2,
        max_buffered=8,
        retry_initial=0.1,
        retry_max=0.5,
        spool_dir=spool_dir,
    )
    store = Store.open(database_url)
    writer = BufferedWriter(store, policy)
    spooled_peak = 0
    for i in range(count):
        if i % 2 == 0:
            item = article(i, buffered_url(i // 2), fetched_at=datetime.now(UTC))
        else:  # a tracking variant of an article stored earlier, with one more author
            n = random.randrange(0, i // 2 + 1)
            item = article(2 * n, buffered_url(n) + f"?utm_source=feed{i}",
                           fetched_at=datetime.now(UTC),
                           authors=["Jane Doe", f"Author {i}"])  # fmt: skip
        writer.add(item)
        writer.tick()
        spooled_peak = max(spooled_peak, writer.spool.count)
        time.sleep(pause)
    left = writer.close(timeout=60)
    store.close()
    return {"items": count, "spooled_peak": spooled_peak, "left": left}


def _run_slow(database_url: str, count: int, hold: float) -> dict:
    from newscrawl.store import Store, StoreUnavailableError
    from newscrawl.store import store as store_module

    write_resolution = store_module.write_resolution

    def slow_write(*args, **kwargs):  # written, then held open before the commit
        ids = write_resolution(*args, **kwargs)
        time.sleep(random.uniform(hold / 2, hold))
        return ids

    store_module.write_resolution = slow_write
    store = Store.open(database_url)
    outcomes: dict[str, int] = {}
    stored: list[int] = []
    for i in range(count):
        now = datetime.now(UTC)
        if i % 3 == 2 and stored:  # the same URL again: a new body, or a new author
            n = random.choice(stored)
            if i % 2:
                item = article(1000 + n, slow_url(n), fetched_at=now, body=text(5000 + i),
                               publisher="The Guardian")  # fmt: skip
            else:
                item = article(1000 + n, slow_url(n), fetched_at=now, publisher="The Guardian",
                               authors=["Jane Doe", f"Writer {i}"])  # fmt: skip
        else:
            item = article(1000 + i, slow_url(i), fetched_at=now, publisher="The Guardian")
            stored.append(i)
        while True:
            try:
                report = store.write([item])
                break
            except StoreUnavailableError:  # the file is locked for a while: try again
                time.sleep(0.2)
        for result in report.results:
            outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
    store.close()
    return {"items": count, "outcomes": outcomes}


@dataclass
class ExportLoop:
    """``newscrawl export --cursor-file`` over and over, collecting what each printed."""

    database_url: str
    cursor_file: Path
    interval: float = 0.2
    exports: list[list[dict]] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _failure: BaseException | None = None

    def export_once(self) -> list[dict]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = newscrawl_main(
                ["export", "--database-url", self.database_url,
                 "--cursor-file", str(self.cursor_file)]
            )  # fmt: skip
        assert code == 0, err.getvalue()
        records = [json.loads(line) for line in out.getvalue().splitlines()]
        self.exports.append(records)
        self.messages.append(err.getvalue().strip())
        return records

    def settle(self, timeout: float = 60) -> None:
        """Export until no changed article is held back (on Postgres, by a transaction of
        any database of the server still open, e.g. other tests')."""
        deadline = time.monotonic() + timeout
        while True:
            self.export_once()
            if "wait for an older transaction" not in self.messages[-1]:
                return
            assert time.monotonic() < deadline, f"exports held back: {self.messages[-1]}"
            time.sleep(0.1)

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                self.export_once()
                self._stop.wait(self.interval)
        except BaseException as failure:  # SystemExit too: argparse refusing an option
            self._failure = failure

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(timeout=120)
        if self._failure is not None:
            raise AssertionError(f"an export failed: {self._failure!r}") from self._failure

    def latest(self) -> dict[int, dict]:
        """Each article as the last export that printed it printed it."""
        found: dict[int, dict] = {}
        for records in self.exports:
            for record in records:
                found[record["id"]] = record
        return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("buffered", "slow"))
    parser.add_argument("database_url")
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--pause", type=float, default=0.05)
    parser.add_argument("--hold", type=float, default=0.3)
    parser.add_argument("--spool-dir", default="spool")
    parser.add_argument("--sqlite-busy-ms", type=int)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    random.seed(args.seed)
    if args.sqlite_busy_ms is not None:  # give up on a locked file soon: an outage
        from newscrawl.store import engine

        engine.SQLITE_BUSY_TIMEOUT_MS = args.sqlite_busy_ms
    if args.mode == "buffered":
        report = _run_buffered(args.database_url, args.count, args.pause, args.spool_dir)
    else:
        report = _run_slow(args.database_url, args.count, args.hold)
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
