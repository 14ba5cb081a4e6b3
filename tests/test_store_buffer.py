"""The database goes away mid-crawl (SQLite locked, Postgres unreachable): nothing is lost.

The spool behind the buffer: tied to its database, owned by an flock (claimed files of a
writer that gave up or died are replayed later, never by two live writers), damaged lines
skipped and kept aside, run records kept until the database is back, appends whole lines.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from newscrawl.store import Store
from newscrawl.store import engine as engine_module
from newscrawl.store.buffer import BufferedWriter, BufferPolicy
from newscrawl.store.runs import crawl_run_from_stats, run_to_dict
from newscrawl.store.schema import crawl_runs
from newscrawl.store.spool import Spool, database_identity, default_spool_dir, from_line, to_line
from tests.storekit import TcpProxy, article, counts, small_disk, sqlite_file, text

ROOT = Path(__file__).resolve().parent.parent

Outage = tuple[Store, Callable[[], None], Callable[[], None]]


@pytest.fixture
def outage(database_url: str, monkeypatch) -> Iterator[Outage]:
    """A store, and functions that take its database away and bring it back."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_MS", 50)
        holder: list[sqlite3.Connection] = []

        def down() -> None:
            locker = sqlite3.connect(sqlite_file(url), isolation_level=None)
            locker.execute("BEGIN EXCLUSIVE")
            holder.append(locker)

        def up() -> None:
            locker = holder.pop()
            locker.execute("ROLLBACK")
            locker.close()

        store = Store.open(database_url)
        yield store, down, up
        store.close()
        return
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.start()
    store = Store.open(url.set(port=proxy.port).render_as_string(hide_password=False))
    yield store, proxy.stop, proxy.start
    store.close()
    proxy.stop()


def policy(tmp_path: Path) -> BufferPolicy:
    return BufferPolicy(
        batch_size=10,
        flush_interval=0.0,
        max_buffered=25,
        retry_initial=0.05,
        retry_max=0.2,
        spool_dir=str(tmp_path / "spool"),
        spool_reserve=64 * 1024,
    )


def item(i: int):
    return article(i, f"https://www.independent.co.uk/news/{i}")


def test_items_wait_in_memory_then_spool_and_are_written_on_return(outage, tmp_path) -> None:
    store, down, up = outage
    outcomes: list[str] = []
    writer = BufferedWriter(store, policy(tmp_path), lambda r: outcomes.extend(
        x.outcome for x in r.results))  # fmt: skip
    for i in range(15):
        writer.add(item(i))
    assert writer.flush()
    down()
    for i in range(15, 75):
        writer.add(item(i))
        writer.tick()
    assert len(outcomes) == 15, "nothing written while the database is away"
    assert writer.waiting == 60
    assert writer.spool.count > 0, "beyond max_buffered, items go to the spool file"
    assert len(writer.pending) <= 25
    assert writer.unavailable_count >= 1
    up()
    time.sleep(0.25)
    assert writer.flush()
    assert writer.waiting == 0
    assert counts(store)["articles"] == 75
    assert outcomes.count("new") == 75
    assert not list((tmp_path / "spool").glob("spool-*"))


def test_what_close_cannot_write_is_replayed_by_the_next_writer(outage, tmp_path) -> None:
    store, down, up = outage
    down()
    writer = BufferedWriter(store, policy(tmp_path))
    for i in range(20):
        writer.add(item(i))
    assert writer.close(timeout=0.3) == 20
    up()
    successor = BufferedWriter(store, policy(tmp_path))
    assert successor.waiting == 20
    assert successor.flush()
    assert counts(store)["articles"] == 20
    assert successor.close(timeout=1) == 0


def spool_files(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "spool").glob("spool-*"))


def test_a_spool_is_replayed_only_into_its_own_database(outage, tmp_path, caplog) -> None:
    """A later crawl on another database, sharing the spool directory, leaves it alone."""
    store, down, up = outage
    down()
    writer = BufferedWriter(store, policy(tmp_path))
    for i in range(20):
        writer.add(item(i))
    assert writer.close(timeout=0.3) == 20
    other = Store.open(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        with caplog.at_level(logging.INFO, logger="newscrawl.store.buffer"):
            stranger = BufferedWriter(other, policy(tmp_path))
        assert stranger.waiting == 0
        assert stranger.flush()
        assert stranger.close(timeout=1) == 0
        assert counts(other)["articles"] == 0
    finally:
        other.close()
    lines = [r.getMessage() for r in caplog.records if "other databases" in r.getMessage()]
    assert len(lines) == 1 and database_identity(store.engine.url) in lines[0], lines
    up()
    owner = BufferedWriter(store, policy(tmp_path))
    assert owner.waiting == 20
    assert owner.flush()
    assert counts(store)["articles"] == 20
    assert owner.close(timeout=1) == 0
    assert not spool_files(tmp_path)


def test_the_default_spool_directory_does_not_depend_on_where_a_crawl_starts(
    tmp_path, monkeypatch
) -> None:
    from newscrawl.pipelines.store import StoreSettings
    from scrapy.settings import Settings

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    settings = Settings()
    settings.setmodule("newscrawl.settings")
    seen = set()
    for where in (tmp_path, tmp_path / "elsewhere"):
        where.mkdir(exist_ok=True)
        monkeypatch.chdir(where)
        seen.add(StoreSettings.from_settings(settings).policy.spool_dir or str(default_spool_dir()))
    assert seen == {str(tmp_path / "state" / "newscrawl" / "spool")}


def test_spool_files_of_older_versions_are_left_alone_until_adopted(
    database_url, tmp_path, monkeypatch, caplog
) -> None:
    """Files from before spools named their database, in ./newscrawl-spool: found, named in
    one warning, replayed only once handed to a database."""
    monkeypatch.chdir(tmp_path)
    legacy = tmp_path / "newscrawl-spool"
    legacy.mkdir()
    (legacy / "spool-4242-0badcafe.jsonl").write_text(
        "".join(to_line(item(i)) + "\n" for i in range(3))
    )
    (legacy / "spool-4243-0badbeef.4244.claimed").write_text(to_line(item(3)) + "\n")
    store = Store.open(database_url)
    try:
        with caplog.at_level(logging.INFO, logger="newscrawl.store.buffer"):
            writer = BufferedWriter(store, policy(tmp_path))
        assert writer.waiting == 0
        assert writer.close(timeout=1) == 0
        assert "2 files in " + str(legacy) in caplog.text
        assert "newscrawl.store.spool adopt" in caplog.text
        assert counts(store)["articles"] == 0
        spool_dir = str(tmp_path / "spool")
        done = subprocess.run(
            [sys.executable, "-m", "newscrawl.store.spool", "adopt", str(legacy),
             "--database-url", database_url, "--spool-dir", spool_dir],
            capture_output=True, text=True, cwd=tmp_path, timeout=60,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "adopted 2 files (4 lines)" in done.stdout
        assert not list(legacy.iterdir())
        writer = BufferedWriter(store, policy(tmp_path))
        assert writer.waiting == 4
        assert writer.flush()
        assert writer.close(timeout=1) == 0
        assert counts(store)["articles"] == 4
    finally:
        store.close()


def test_two_live_writers_never_hold_the_same_spool_file(outage, tmp_path) -> None:
    store, down, up = outage
    down()
    first = BufferedWriter(store, policy(tmp_path))
    for i in range(20):
        first.add(item(i))
    assert first.close(timeout=0.3) == 20
    claimer = BufferedWriter(store, policy(tmp_path))  # claims the file, cannot write it
    assert claimer.waiting == 20
    rival = BufferedWriter(store, policy(tmp_path))  # the claimer is alive: nothing to take
    assert rival.waiting == 0
    up()
    time.sleep(0.25)
    assert rival.flush() and claimer.flush()
    assert claimer.close(timeout=1) == 0 and rival.close(timeout=1) == 0
    assert counts(store)["articles"] == 20
    assert not spool_files(tmp_path)


def test_a_writer_that_claimed_a_file_and_gave_up_hands_it_on(outage, tmp_path) -> None:
    store, down, up = outage
    down()
    first = BufferedWriter(store, policy(tmp_path))
    for i in range(20):
        first.add(item(i))
    first.close(timeout=0.3)
    second = BufferedWriter(store, policy(tmp_path))  # claims, the database is still down
    for i in range(20, 25):
        second.add(item(i))
    assert second.close(timeout=0.3) == 25
    up()
    third = BufferedWriter(store, policy(tmp_path))
    assert third.waiting == 25
    assert third.flush()
    assert third.close(timeout=1) == 0
    assert counts(store)["articles"] == 25


def test_a_damaged_spool_line_is_skipped_counted_and_kept_aside(outage, tmp_path) -> None:
    """An append interrupted half-way (a cut-off line inside the file and at its end) costs
    those lines only: the rest is stored, the damage is counted and kept next to the spool."""
    store, down, up = outage
    down()
    writer = BufferedWriter(store, policy(tmp_path))
    for i in range(20):
        writer.add(item(i))
    writer.close(timeout=0.3)
    [path] = spool_files(tmp_path)
    lines = path.read_bytes().splitlines(keepends=True)
    lines[5] = lines[5][: len(lines[5]) // 2] + b"\n"
    lines[-1] = lines[-1][: len(lines[-1]) // 2]
    path.write_bytes(b"".join(lines))
    up()
    successor = BufferedWriter(store, policy(tmp_path))
    assert successor.flush()
    assert successor.close(timeout=1) == 0
    assert counts(store)["articles"] == 18
    assert successor.tally.damaged == 2
    [aside] = (tmp_path / "spool").glob("*.damaged")
    assert aside.read_bytes().count(b"\n") == 2
    assert not list((tmp_path / "spool").glob("spool-*.jsonl"))


def test_a_crawl_run_record_waits_in_the_spool_until_the_database_is_back(outage, tmp_path) -> None:
    store, down, up = outage
    down()
    writer = BufferedWriter(store, policy(tmp_path))
    for i in range(5):
        writer.add(item(i))
    writer.close(timeout=0.3, release=False)
    run = crawl_run_from_stats(
        "news", {"start_time": datetime(2026, 3, 1, tzinfo=UTC), "item_scraped_count": 5,
                 "newscrawl/store/spooled": 5}, finish_reason="finished",
    )  # fmt: skip
    assert writer.record_run(run) == "spool"
    writer.release()
    up()
    successor = BufferedWriter(store, policy(tmp_path))
    assert successor.flush()
    assert successor.tally.runs_replayed == 1
    with store.engine.connect() as connection:
        [row] = connection.execute(select(crawl_runs)).mappings().all()
    for name, value in run_to_dict(run).items():
        stored = row[name].isoformat() if isinstance(row[name], datetime) else row[name]
        assert stored == value, name
    assert counts(store)["articles"] == 5


def test_an_append_that_does_not_fit_leaves_no_cut_off_line(tmp_path) -> None:
    """On a full disk each batch is written whole or not at all (then one item at a time)."""
    disk = tmp_path / "disk"
    with small_disk(disk, "256k"):
        spool = Spool(disk / "spool", "sqlite:////nowhere/news.db")
        written = 0
        with pytest.raises(OSError) as error:
            for start in range(0, 400, 7):
                written += spool.append([item(i) for i in range(start, start + 7)])
        assert error.value.errno == errno.ENOSPC
        assert 0 < written < 400
        [path] = (disk / "spool").glob("spool-*.jsonl")
        lines = path.read_bytes().splitlines(keepends=True)
        assert all(line.endswith(b"\n") for line in lines)
        entries = [from_line(line) for line in lines]
        assert entries[0] is None and len(entries) == written + 1  # the header, then items
        assert spool.count == written
        spool.close()


def test_a_spool_written_in_the_reserve_is_cut_at_close_and_read_whole_if_not(tmp_path) -> None:
    """Once the disk is full the spool writes into its reserve: trimmed to its lines at close;
    a run killed before that leaves zeros after them, which the next reader skips."""
    database = "sqlite:////nowhere/news.db"
    spool = Spool(tmp_path / "spool", database)
    spool.reserve(64 * 1024)
    assert spool.take_reserve() == 64 * 1024
    assert spool.append([item(i) for i in range(3)]) == 3
    assert spool.room() < 64 * 1024 - 3 * 100
    with pytest.raises(OSError) as error:  # never beyond the reserve: no block asked of the disk
        spool.append([article(3, "https://x.example/3", body=text(3, 20_000))])
    assert error.value.errno == errno.ENOSPC
    [path] = spool_files(tmp_path)
    assert path.stat().st_size == 64 * 1024 and not list((tmp_path / "spool").glob(".reserve-*"))
    spool.files[0].capacity = None  # closed as a killed run's: without the trim at close
    spool.close()
    later = Spool(tmp_path / "spool", database)
    later.claim_leftovers()
    assert later.count == 3
    urls = [getattr(entry, "url", None) for entry, _ in later.read(later.files[0])]
    assert urls == [item(i).url for i in range(3)]
    assert later.damaged == 0
    later.close()
    finished = Spool(tmp_path / "spool-2", database)
    finished.reserve(64 * 1024)
    finished.take_reserve()
    finished.append([item(0)])
    finished.close()
    [kept] = (tmp_path / "spool-2").glob("spool-*")
    assert kept.stat().st_size == len(kept.read_bytes().rstrip(b"\0")) < 64 * 1024
