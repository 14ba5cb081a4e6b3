"""SQLite WAL checkpoints run on the store's own thread, and the WAL stays bounded."""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from newscrawl.store import Store, upgrade
from newscrawl.store.checkpoint import WalCheckpointer
from newscrawl.store.engine import create_engine, is_sqlite_file
from tests.storekit import article, counts


def _articles_in_database_file(path: Path, scratch: Path) -> int:
    """Articles in the database file alone, as a crash would leave it without its WAL."""
    shutil.copyfile(path, scratch)
    with sqlite3.connect(scratch) as snapshot:
        return snapshot.execute("SELECT count(*) FROM articles").fetchone()[0]


def _wait(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'news.db'}"
    upgrade(url)
    return url


def test_commits_are_checkpointed_by_the_store_thread(sqlite_url: str, tmp_path: Path) -> None:
    store = Store.open(sqlite_url)
    try:
        assert store.checkpointer is not None
        store.write([article(n, f"https://www.independent.co.uk/news/{n}") for n in range(50)])
        assert (tmp_path / "news.db-wal").stat().st_size > 0
        assert _wait(lambda: store.checkpointer.checkpoints >= 1)
        # the batch was copied into the database file without the writer checkpointing
        assert _articles_in_database_file(tmp_path / "news.db", tmp_path / "copy.db") == 50
    finally:
        store.close()
    assert not (tmp_path / "news.db-wal").exists()  # the last connection closed cleanly
    reopened = Store.open(sqlite_url)
    assert counts(reopened)["articles"] == 50
    reopened.close()


def _checkpointer(store: Store) -> WalCheckpointer:
    assert store.checkpointer is not None, "an SQLite file store has a checkpointer"
    return store.checkpointer


def test_a_long_wal_is_restarted_so_it_is_overwritten_not_grown(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    store = Store(engine)
    _checkpointer(store).close()
    store.checkpointer = WalCheckpointer(engine, interval=0.0, restart_pages=1)
    try:
        for batch in range(5):
            urls = [f"https://www.independent.co.uk/news/{batch}-{n}" for n in range(20)]
            store.write([article(batch * 100 + n, url) for n, url in enumerate(urls)])
            assert _wait(lambda b=batch: store.checkpointer.restarts > b)
    finally:
        store.close()


def test_only_sqlite_files_get_a_checkpoint_thread(tmp_path: Path) -> None:
    assert is_sqlite_file(create_engine(f"sqlite:///{tmp_path / 'a.db'}"))
    assert not is_sqlite_file(create_engine("sqlite://"))
    assert not is_sqlite_file(create_engine("sqlite:///:memory:"))
    assert not is_sqlite_file(create_engine("postgresql://u@127.0.0.1/x"))


def test_a_failing_checkpoint_never_fails_a_write(sqlite_url: str, caplog) -> None:
    store = Store.open(sqlite_url)
    broken = WalCheckpointer(create_engine("sqlite:////nonexistent-dir/x.db"), interval=0.0)
    _checkpointer(store).close()
    store.checkpointer = broken
    try:
        report = store.write([article(1, "https://www.independent.co.uk/news/1")])
        assert len(report.results) == 1
        assert _wait(lambda: "WAL checkpoint failed" in caplog.text)
    finally:
        store.close()


def test_a_store_that_only_reads_starts_no_thread(sqlite_url: str) -> None:
    store = Store.open(sqlite_url)
    assert counts(store)["articles"] == 0  # reading
    assert _checkpointer(store)._thread is None
    store.close()
