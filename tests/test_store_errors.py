"""A store error that is a bug fails loudly; only real unavailability waits and is spooled.

The errors come from real databases: a renamed column (Postgres ``UndefinedColumn``, a
ProgrammingError; SQLite's "no such column", an OperationalError whose result code is
SQLITE_ERROR), a Postgres trigger raising an exception (``RaiseException``, a
ProgrammingError), a lock that times out, a refused connection, a value the column cannot
hold. A bug rejects the items of the batch it met with its reason, is logged once with its
traceback, stops the crawl (``store_failed``) and fails the run; what waits is spooled and
stored by a run with the bug fixed.
"""

from __future__ import annotations

import logging
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import exc, make_url, select, text

from newscrawl.article import Article
from newscrawl.store import Store, StoreUnavailableError, upgrade
from newscrawl.store.buffer import BufferedWriter, BufferPolicy
from newscrawl.store.engine import create_engine
from newscrawl.store.problems import WriteFailure, write_failure
from newscrawl.store.schema import crawl_runs
from tests.newsroomkit import newsroom_fixture  # noqa: F401  (fixture)
from tests.storekit import article, counts, sqlite_file
from tests.test_reliability_cron import crawl_command, run, write_sources

RENAME = "ALTER TABLE articles RENAME COLUMN headline TO title"
RENAME_BACK = "ALTER TABLE articles RENAME COLUMN title TO headline"


@pytest.fixture
def private_url(empty_database_url: str) -> str:
    """A migrated database of this test alone: it damages the schema."""
    upgrade(empty_database_url)
    return empty_database_url


def execute(url: str, *statements: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    engine.dispose()


def items(first: int, count: int) -> list[Article]:
    return [article(i, f"https://www.independent.co.uk/news/{i}") for i in range(first, count)]


def failure_of(url: str, statement: str, **params: object) -> tuple[WriteFailure, Exception]:
    """What :func:`write_failure` makes of the error ``statement`` raises on ``url``."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(statement), params)
    except Exception as error:
        return write_failure(error), error
    finally:
        engine.dispose()
    raise AssertionError(f"{statement!r} did not fail")


# --- what an error means --------------------------------------------------------------------


def test_a_renamed_column_is_a_bug_and_its_items_are_rejected(private_url: str) -> None:
    execute(private_url, RENAME)
    store = Store.open(private_url)
    try:
        report = store.write(items(0, 5))  # not StoreUnavailableError: nothing to wait for
    finally:
        store.close()
    assert report.results == [] and len(report.rejected) == 5
    assert report.bug is not None and write_failure(report.bug) is WriteFailure.BUG
    expected = "OperationalError" if private_url.startswith("sqlite") else "UndefinedColumn"
    assert {reason for _, reason in report.rejected} == {expected}


def test_a_refused_value_is_the_items_fault_not_a_bug(private_url: str) -> None:
    """A constraint the item breaks (a CHECK on Postgres, a trigger's RAISE(ABORT) on SQLite,
    which SQLite reports as a constraint), and a NUL Postgres cannot store in text."""
    if private_url.startswith("sqlite"):
        execute(private_url, "CREATE TRIGGER refuse BEFORE INSERT ON articles "
                             "WHEN NEW.headline LIKE '%refused%' "
                             "BEGIN SELECT RAISE(ABORT, 'refused'); END")  # fmt: skip
    else:
        execute(private_url, "ALTER TABLE articles ADD CONSTRAINT refuse "
                             "CHECK (headline NOT LIKE '%refused%')")  # fmt: skip
    batch = items(0, 6)
    batch[1].headline = "A headline to be refused"
    if not private_url.startswith("sqlite"):
        batch[4].body = f"{batch[4].body}\x00"
    store = Store.open(private_url)
    try:
        report = store.write(batch)
    finally:
        store.close()
    assert report.bug is None
    rejected = {item.url for item, _ in report.rejected}
    expected = {batch[1].url} if private_url.startswith("sqlite") else {batch[1].url, batch[4].url}
    assert rejected == expected
    assert len(report.results) == 6 - len(expected)


@pytest.mark.postgres
def test_postgres_errors_by_what_they_mean(make_postgres_database) -> None:
    url = make_postgres_database()
    upgrade(url)
    execute(
        url,
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'refused by a test trigger'; END $$",
        "CREATE TRIGGER refuse BEFORE INSERT ON crawl_runs FOR EACH ROW EXECUTE FUNCTION refuse()",
    )
    insert_run = "INSERT INTO crawl_runs (spider, started_at) VALUES ('t', now())"
    assert failure_of(url, insert_run)[0] is WriteFailure.BUG
    assert failure_of(url, "SELECT nothing FROM articles")[0] is WriteFailure.BUG
    assert failure_of(url, "SELECT CAST(:v AS text)", v="a\x00b")[0] is WriteFailure.DATA

    # a row lock held elsewhere, and a lock_timeout: a timeout is waited out
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    execute(url, "DROP TRIGGER refuse ON crawl_runs")
    execute(url, insert_run)
    with psycopg.connect(conninfo) as holder:
        holder.execute("SELECT * FROM crawl_runs FOR UPDATE")
        failure, error = failure_of(
            url, "SET LOCAL lock_timeout = '50ms'; UPDATE crawl_runs SET spider = 'u'"
        )
        assert failure is WriteFailure.UNAVAILABLE, error

    with socket.socket() as probe:  # a port nobody listens on: connection refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    refused = make_url(url).set(port=port).render_as_string(hide_password=False)
    assert failure_of(refused, "SELECT 1")[0] is WriteFailure.UNAVAILABLE


def test_sqlite_errors_by_what_they_mean(tmp_path: Path, monkeypatch) -> None:
    from newscrawl.store import engine as engine_module

    url = f"sqlite:///{tmp_path / 'news.db'}"
    upgrade(url)
    assert failure_of(url, "SELECT nothing FROM articles")[0] is WriteFailure.BUG
    assert failure_of(url, "INSERT INTO no_such_table VALUES (1)")[0] is WriteFailure.BUG
    execute(url, "CREATE TRIGGER refuse BEFORE INSERT ON crawl_runs "
                 "BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END")  # fmt: skip
    insert_run = "INSERT INTO crawl_runs (spider, started_at) VALUES ('t', '2026-01-01')"
    assert failure_of(url, insert_run)[0] is WriteFailure.DATA  # SQLite: a constraint

    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_MS", 50)
    locker = sqlite3.connect(sqlite_file(url), isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        failure, error = failure_of(url, "DELETE FROM crawl_runs")
        assert failure is WriteFailure.UNAVAILABLE, error
        assert "locked" in str(error)
    finally:
        locker.execute("ROLLBACK")
        locker.close()


def test_errors_that_are_not_the_drivers() -> None:
    assert write_failure(exc.DisconnectionError("gone")) is WriteFailure.UNAVAILABLE
    assert write_failure(exc.TimeoutError("pool")) is WriteFailure.UNAVAILABLE
    assert write_failure(ConnectionResetError()) is WriteFailure.UNAVAILABLE
    assert write_failure(exc.CompileError("bad SQL")) is WriteFailure.BUG
    assert write_failure(KeyError("an item's field")) is WriteFailure.DATA


# --- the writer: loud, stops, keeps what waits ----------------------------------------------


def test_a_bug_stops_the_writer_loudly_and_a_fixed_run_stores_what_waits(
    private_url: str, tmp_path: Path, caplog
) -> None:
    execute(private_url, RENAME)
    policy = BufferPolicy(batch_size=10, flush_interval=0.0, retry_initial=0.05,
                          spool_dir=str(tmp_path / "spool"), spool_reserve=0)  # fmt: skip
    store = Store.open(private_url)
    failed: list[Exception] = []
    unavailable: list[Exception] = []
    writer = BufferedWriter(store, policy, on_failed=failed.append,
                            on_unavailable=unavailable.append)  # fmt: skip
    with caplog.at_level(logging.DEBUG, logger="newscrawl.store"):
        for item in items(0, 25):
            writer.add(item)
        assert writer.close(timeout=1) == 15
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info, [r.getMessage() for r in errors]
    assert "10 items of its batch rejected" in errors[0].getMessage()
    assert len(failed) == 1 and not unavailable and writer.unavailable_count == 0
    tally = writer.tally
    assert (tally.received, tally.stored, tally.rejected, tally.spooled, tally.lost) == (
        25, 0, 10, 15, 0)  # fmt: skip
    assert "a write failed on a bug" in writer.trouble()

    # the next run meets the bug while replaying: it stops at once, the spool file stays whole
    again = BufferedWriter(store, policy, on_failed=failed.append)
    assert not again.flush() and again.failed is not None and len(failed) == 2
    again.close(timeout=1)
    assert len(list((tmp_path / "spool").glob("spool-*"))) == 1

    execute(private_url, RENAME_BACK)  # the bug fixed
    fixed = BufferedWriter(store, policy)
    assert fixed.flush() and fixed.tally.replayed == 15
    assert fixed.close(timeout=1) == 0
    assert counts(store)["articles"] == 15
    store.close()


def test_an_outage_is_still_waited_out_not_failed(tmp_path: Path, monkeypatch) -> None:
    """The contrast: a locked SQLite file is unavailability, never a bug."""
    from newscrawl.store import engine as engine_module

    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_MS", 50)
    url = f"sqlite:///{tmp_path / 'news.db'}"
    store = Store.open(url)
    locker = sqlite3.connect(sqlite_file(url), isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    with pytest.raises(StoreUnavailableError, match="locked"):
        store.write(items(0, 3))
    locker.execute("ROLLBACK")
    locker.close()
    assert len(store.write(items(0, 3)).results) == 3
    store.close()


# --- a crawl ----------------------------------------------------------------------------------


@pytest.fixture
def sqlite_private(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'news.db'}"
    upgrade(url)
    yield url


def leave_spooled(url: str, spool_dir: Path) -> None:
    """Items in ``spool_dir`` for ``url``, from a writer that met the bug (it may first replay
    what is there already, meet the bug and keep that file whole)."""
    store = Store.open(url)
    policy = BufferPolicy(batch_size=2, flush_interval=0.0, spool_dir=str(spool_dir),
                          spool_reserve=0)  # fmt: skip
    writer = BufferedWriter(store, policy)
    for item in items(100, 104):
        writer.add(item)
    writer.close(timeout=1)
    store.close()
    assert writer.tally.spooled >= 2 and list(spool_dir.glob("spool-*"))


@pytest.mark.slow
def test_a_crawl_that_meets_a_bug_stops_and_fails_and_the_fixed_run_stores_it(
    newsroom, tmp_path: Path, sqlite_private: str
) -> None:
    url = sqlite_private
    execute(url, RENAME)
    sources = write_sources(newsroom, tmp_path / "sources.toml", delay=0)

    def crawl(name: str) -> tuple[int, str]:
        spool = tmp_path / "spool"
        done = run(crawl_command(["independent"], sources, url, tmp_path / name,
                                 STORE_SPOOL_DIR=spool, STORE_BATCH_SIZE=2))  # fmt: skip
        return done.returncode, done.output

    def last_run() -> tuple[str, int]:
        """(finish reason, pages fetched) of the last crawl_runs row."""
        engine = create_engine(url)
        query = select(crawl_runs.c.finish_reason, crawl_runs.c.pages).order_by(crawl_runs.c.id)
        with engine.connect() as connection:
            rows = connection.execute(query).all()
        engine.dispose()
        return rows[-1][0], rows[-1][1]

    code, out = crawl("first")
    assert code == 1, out[-3000:]
    assert out.count("a write failed on a bug") == 1, out[-5000:]  # the one ERROR ...
    assert out.count("Traceback") == 2, out[-5000:]  # ... with its traceback (driver, SQLAlchemy)
    assert "no column named headline" in out, out[-3000:]
    assert "finish reason: store_failed" in out, out[-3000:]
    assert last_run()[0] == "store_failed"
    assert not list((tmp_path / "spool").glob("*.tmp"))

    # Whether the first crawl left items in the spool depends on what was in flight when it
    # stopped; leave some there for sure, as a run stopped mid-batch does.
    leave_spooled(url, tmp_path / "spool")
    code, out = crawl("second")  # still broken: the replay at open meets it, the crawl stops
    assert code == 1 and "finish reason: store_failed" in out, out[-3000:]
    assert out.count("a write failed on a bug") == 1, out[-5000:]
    assert last_run() == ("store_failed", 0), "stopped before fetching anything"

    execute(url, RENAME_BACK)
    code, out = crawl("fixed")
    assert code == 0, out[-3000:]
    store = Store.open(url)
    assert counts(store)["articles"] > 0
    store.close()
    assert not list((tmp_path / "spool").glob("spool-*"))
