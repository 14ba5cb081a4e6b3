"""The database goes away mid-crawl (SQLite locked, Postgres unreachable): nothing is lost."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from newscrawl.store import Store
from newscrawl.store import engine as engine_module
from newscrawl.store.buffer import BufferedWriter, BufferPolicy
from tests.storekit import TcpProxy, article, counts

Outage = tuple[Store, Callable[[], None], Callable[[], None]]


@pytest.fixture
def outage(database_url: str, monkeypatch) -> Iterator[Outage]:
    """A store, and functions that take its database away and bring it back."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_MS", 50)
        holder: list[sqlite3.Connection] = []

        def down() -> None:
            locker = sqlite3.connect(url.database, isolation_level=None)
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
    assert not list((tmp_path / "spool").glob("*"))


def test_what_close_cannot_write_is_replayed_by_the_next_writer(outage, tmp_path) -> None:
    store, down, up = outage
    down()
    writer = BufferedWriter(store, policy(tmp_path))
    for i in range(20):
        writer.add(item(i))
    assert writer.close(timeout=0.3) == 20
    writer.release()
    up()
    successor = BufferedWriter(store, policy(tmp_path))
    assert successor.waiting == 20
    assert successor.flush()
    assert counts(store)["articles"] == 20
    assert successor.close(timeout=1) == 0
