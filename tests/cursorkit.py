"""Writers and an export loop for the incremental-export tests (tests/test_store_cursor.py).

The writers run as real processes (``python -m tests.cursorkit buffered|slow URL …``):

- ``buffered``: a crawler's store pipeline in miniature, articles through a
  :class:`BufferedWriter` (small batches, a small memory buffer, a spool directory), so
  an outage of its database sends items to the spool and they are replayed, late, when
  it returns. Half its items are new articles, the rest other URLs of them (merges).
- ``slow``: :meth:`Store.write` with every write transaction held open a while before it
  commits (the only change: a sleep after the batch is written), storing new articles,
  revisions (a new body at the same URL) and new authors of articles stored before.

Each prints one JSON line with what it did. :class:`ExportLoop` runs a third process,
``exports``, which runs ``newscrawl export --cursor-file`` (the command's own code, stdout
into a file as a downstream job's would be) over and over until told to stop.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import subprocess
import sys
import time
from dataclasses import dataclass
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
        if writer.spool.count and not spooled_peak:  # tell the test: the outage is seen
            Path(spool_dir + ".spooled").touch()
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


def _export_to(database_url: str, cursor_file: Path, out: Path) -> int:
    """``newscrawl export --cursor-file`` with stdout in ``out`` (a file, as a job would),
    stderr in ``out`` with ``.err``; returns the exit code. Single-threaded callers only."""
    with (
        out.open("w") as stdout,
        out.with_suffix(".err").open("w") as stderr,
        contextlib.redirect_stdout(stdout),
        contextlib.redirect_stderr(stderr),
    ):
        try:
            return newscrawl_main(["export", "--database-url", database_url,
                                   "--cursor-file", str(cursor_file)])  # fmt: skip
        except SystemExit as exit_:  # argparse refusing an option
            return int(exit_.code or 0)


def _run_exports(database_url: str, cursor_file: Path, directory: Path, interval: float) -> dict:
    """Export over and over into ``directory``/NNNNN.jsonl until ``directory``/stop appears."""
    n = 0
    while not (directory / "stop").exists():
        code = _export_to(database_url, cursor_file, directory / f"{n:05d}.jsonl")
        if code:
            raise SystemExit(f"export {n} exited {code}")
        n += 1
        time.sleep(interval)
    return {"exports": n}


@dataclass
class ExportLoop:
    """A process running ``newscrawl export --cursor-file`` over and over (``exports`` mode),
    and what each export printed."""

    database_url: str
    directory: Path
    interval: float = 0.2
    process: subprocess.Popen | None = None

    @property
    def cursor_file(self) -> Path:
        return self.directory / "cursor"

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.cursorkit", "exports", self.database_url,
             "--out", str(self.directory), "--pause", str(self.interval)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=(self.directory / "loop.log").open("w"),
        )  # fmt: skip

    def stop(self) -> None:
        """Let the export running now finish, then no more."""
        (self.directory / "stop").touch()
        assert self.process is not None
        code = self.process.wait(timeout=120)
        assert code == 0, (self.directory / "loop.log").read_text()[-3000:]

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def settle(self, timeout: float = 60) -> None:
        """Export until no changed article is held back (on Postgres, by a transaction of
        any database of the server still open, e.g. other tests')."""
        deadline = time.monotonic() + timeout
        while True:
            out = self.directory / f"{len(self._files()):05d}.jsonl"
            assert _export_to(self.database_url, self.cursor_file, out) == 0, self.messages[-1]
            if "wait for an older transaction" not in self.messages[-1]:
                return
            assert time.monotonic() < deadline, f"exports held back: {self.messages[-1]}"
            time.sleep(0.1)

    def _files(self) -> list[Path]:
        return sorted(self.directory.glob("[0-9]*.jsonl"))

    @property
    def exports(self) -> list[list[dict]]:
        return [[json.loads(line) for line in p.read_text().splitlines()] for p in self._files()]

    @property
    def messages(self) -> list[str]:
        return [p.with_suffix(".err").read_text().strip() for p in self._files()]

    def latest(self) -> dict[int, dict]:
        """Each article as the last export that printed it printed it."""
        found: dict[int, dict] = {}
        for records in self.exports:
            for record in records:
                found[record["id"]] = record
        return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("buffered", "slow", "exports"))
    parser.add_argument("database_url")
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--pause", type=float, default=0.05)
    parser.add_argument("--hold", type=float, default=0.3)
    parser.add_argument("--spool-dir", default="spool")
    parser.add_argument("--sqlite-busy-ms", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="exports: the directory of the exports")
    args = parser.parse_args()
    random.seed(args.seed)
    if args.sqlite_busy_ms is not None:  # give up on a locked file soon: an outage
        from newscrawl.store import engine

        engine.SQLITE_BUSY_TIMEOUT_MS = args.sqlite_busy_ms
    if args.mode == "exports":
        report = _run_exports(args.database_url, args.out / "cursor", args.out, args.pause)
    elif args.mode == "buffered":
        report = _run_buffered(args.database_url, args.count, args.pause, args.spool_dir)
    else:
        report = _run_slow(args.database_url, args.count, args.hold)
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
