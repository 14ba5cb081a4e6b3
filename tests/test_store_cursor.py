"""Incremental exports with a cursor: a downstream job never misses a row or an update.

The concurrency tests run real writer processes (tests/cursorkit.py) while an export loop
runs ``newscrawl export --cursor-file``: a buffered writer whose database goes away (its
items wait in the spool and are replayed late), a writer whose transactions stay open
before they commit, and on Postgres an editor whose transaction takes its id early and
commits late. The union of the incremental exports must equal a final full export.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from newscrawl.cli import main
from newscrawl.store import Store, upgrade
from newscrawl.store.engine import create_engine
from newscrawl.store.schema import articles
from tests.clikit import newscrawl
from tests.cursorkit import ROOT, ExportLoop
from tests.storekit import TcpProxy, article, text


def _export(database_url: str, capsys, *args: str) -> tuple[int, list[dict], str]:
    code = main(["export", "--database-url", database_url, *args])
    captured = capsys.readouterr()
    return code, [json.loads(line) for line in captured.out.splitlines()], captured.err


def _export_settled(database_url: str, capsys, cursor: Path) -> list[dict]:
    """Incremental exports until none holds a change back (on Postgres an open transaction
    anywhere on the server, other tests' included, delays changes to a later export)."""
    printed: list[dict] = []
    for _ in range(600):
        code, records, message = _export(database_url, capsys, "--cursor-file", str(cursor))
        assert code == 0, message
        printed += records
        assert f"next cursor: {cursor.read_text().strip()}" in message
        if "wait for an older transaction" not in message:
            return printed
        time.sleep(0.1)
    raise AssertionError(f"exports held back for a minute: {message}")


def test_an_updated_article_reappears_after_each_update(store: Store, database_url, capsys,
                                                        tmp_path) -> None:  # fmt: skip
    cursor = tmp_path / "cursor"
    url = "https://www.independent.co.uk/news/storm"
    store.write([article(1, url), article(2, "https://www.independent.co.uk/news/other")])
    first = _export_settled(database_url, capsys, cursor)
    assert len(first) == 2
    assert _export_settled(database_url, capsys, cursor) == []
    (stored_id,) = [r["id"] for r in first if r["canonical_url"] == url]

    def images(seed: int) -> list:
        return article(seed, url).images

    updates = {
        "merged sighting": article(1, url + "?utm_source=twitter", minutes=5),
        "new author": article(1, url, minutes=10, authors=["Jane Doe", "John Roe"]),
        "new image": article(1, url, minutes=15, images=[*images(1), *images(3)]),
        "revision": article(1, url, minutes=20, body=text(99)),
    }
    for change, item in updates.items():
        store.write([item])
        again = _export_settled(database_url, capsys, cursor)
        assert [r["id"] for r in again] == [stored_id], change
        assert item.fetched_at is not None
        assert again[0]["fetched_at"] == item.fetched_at.isoformat()
    (last,) = again
    assert last["url"] == url, "the URL it was fetched at last"
    assert last["authors"] == ["Jane Doe", "John Roe"]
    assert len(last["images"]) == 2 and last["body"] == text(99)
    # a full export (no cursor) prints the same final state
    _, full, _ = _export(database_url, capsys)
    assert [r for r in full if r["id"] == stored_id] == [last]


def test_a_wrong_cursor_is_refused_in_one_line(store: Store, database_url, capsys,
                                               tmp_path) -> None:  # fmt: skip
    store.write([article(1, "https://www.independent.co.uk/news/1")])
    sqlite = store.engine.dialect.name == "sqlite"
    other, name = ("postgresql", "Postgres") if sqlite else ("sqlite", "SQLite")
    own = "sqlite" if sqlite else "postgresql"
    bad = tmp_path / "cursor"
    bad.write_text("yesterday\n")
    refused = {
        f"is for a {name} database": ["--cursor", f"nc1-{other}-1"],
        "is ahead of this database": ["--cursor", f"nc1-{own}-9999999999"],
        "not a newscrawl export cursor": ["--cursor-file", str(bad)],
        "no such writable directory": ["--cursor-file", str(tmp_path / "missing" / "cursor")],
    }
    for problem, args in refused.items():
        code, printed, message = _export(database_url, capsys, *args)
        assert (code, printed, message.count("\n")) == (2, [], 1), message
        assert problem in message and "Traceback" not in message
    assert bad.read_text() == "yesterday\n"
    with pytest.raises(SystemExit) as exit_info:  # argparse: not a cursor at all
        main(["export", "--database-url", database_url, "--cursor", "yesterday"])
    assert exit_info.value.code == 2
    assert "not a newscrawl export cursor" in capsys.readouterr().err


def test_cursor_file_moves_only_after_the_whole_export_was_written(store: Store, database_url,
                                                                   tmp_path) -> None:  # fmt: skip
    # ~1.2 MB of export, far more than a pipe holds: the export cannot have been written
    # whole before the reader goes away (all of it in the pipe, the cursor rightly moved)
    long_body = {i: "\n\n".join([text(i)] * 6) for i in range(120)}
    store.write([article(i, f"https://www.independent.co.uk/news/{i}", body=long_body[i])
                 for i in range(120)])  # fmt: skip
    cursor = tmp_path / "cursor"
    command = [sys.executable, "-m", "newscrawl", "export", "--database-url", database_url,
               "--cursor-file", str(cursor)]  # fmt: skip
    # the reader goes away after one line: the export cannot be written whole
    reader = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)  # fmt: skip
    assert reader.stdout is not None
    reader.stdout.readline()
    reader.stdout.close()
    reader.wait(timeout=60)
    assert not cursor.exists()
    done = newscrawl(*command[3:], cwd=tmp_path)  # the same command, in this process
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 120
    assert cursor.read_text().startswith("nc1-") and not list(tmp_path.glob(".cursor*"))


# --- writers and an export loop at the same time ---------------------------------------


def _writer(mode: str, database_url: str, tmp_path: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.cursorkit", mode, database_url, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=open(tmp_path / f"{mode}.log", "w"),  # closed with the process
        text=True,
    )


def _report(process: subprocess.Popen, tmp_path: Path, mode: str) -> dict:
    out, _ = process.communicate(timeout=180)
    log = (tmp_path / f"{mode}.log").read_text()
    assert process.returncode == 0, f"{mode} writer failed:\n{log[-3000:]}"
    return json.loads(out.splitlines()[-1])


def _full_export(database_url: str, tmp_path: Path) -> dict[int, dict]:
    done = newscrawl("export", "--database-url", database_url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return {r["id"]: r for r in map(json.loads, done.stdout.splitlines())}


def _wait_for_articles(database_url: str, pattern: str, count: int, timeout: float = 60) -> None:
    """Until ``count`` articles whose URL is like ``pattern`` are stored (the writer runs)."""
    engine = create_engine(database_url, poolclass=NullPool)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                query = select(func.count()).where(articles.c.canonical_url.like(pattern))
                if connection.execute(query).scalar_one() >= count:
                    return
            time.sleep(0.05)
    finally:
        engine.dispose()
    raise AssertionError(f"fewer than {count} articles like {pattern} after {timeout}s")


def _wait_for_spool(spool: Path, writer: subprocess.Popen, timeout: float = 60) -> None:
    """Until the buffered writer has spooled items (it saw the outage)."""
    deadline = time.monotonic() + timeout
    marker = Path(f"{spool}.spooled")
    while not marker.exists():
        assert writer.poll() is None, "the buffered writer ended before it saw the outage"
        assert time.monotonic() < deadline, "the buffered writer never spooled"
        time.sleep(0.05)


def _check_union(loop: ExportLoop, database_url: str, tmp_path: Path, buffered: dict) -> None:
    loop.stop()
    loop.settle()  # the writers are done: everything is committed
    final = _full_export(database_url, tmp_path)
    assert buffered["spooled_peak"] > 0 and buffered["left"] == 0
    # buffered: 40 articles (+40 other URLs); slow: 20 (+10 updates); Postgres: one edited
    assert len(final) - (database_url.startswith("postgresql")) == 40 + 20
    nonempty = [records for records in loop.exports if records]
    assert len(nonempty) >= 4, f"the exports did not run during the writes: {loop.messages}"
    got = loop.latest()
    missing = sorted(set(final) - set(got))
    if missing:  # say where they are, and where the exports were
        engine = create_engine(database_url, poolclass=NullPool)
        with engine.connect() as connection:
            query = select(articles.c.id, articles.c.change_seq, articles.c.updated_at)
            rows = connection.execute(query.where(articles.c.id.in_(missing))).all()
        engine.dispose()
        raise AssertionError(f"{len(missing)} articles never exported: {rows}\n" +
                             "\n".join(loop.messages))  # fmt: skip
    stale = [i for i in final if got[i] != final[i]]
    assert not stale, f"{len(stale)} articles exported before their last change: {stale[:10]}"


@contextlib.contextmanager
def _processes(*started: ExportLoop | subprocess.Popen) -> Iterator[None]:
    """Whatever happens in the test, no writer or export loop outlives it."""
    try:
        yield
    finally:
        for process in started:
            if isinstance(process, ExportLoop):
                process.kill()
            elif process.poll() is None:
                process.kill()
                process.wait()


@pytest.mark.slow
def test_sqlite_writers_an_outage_and_an_export_loop(tmp_path) -> None:
    path = tmp_path / "news.db"
    database_url = f"sqlite:///{path}"
    upgrade(database_url)
    loop = ExportLoop(database_url, tmp_path / "exports")
    loop.start()
    spool = tmp_path / "spool"
    buffered = _writer("buffered", database_url, tmp_path, "--count", "80", "--pause", "0.06",
                       "--spool-dir", str(spool), "--sqlite-busy-ms", "50")  # fmt: skip
    slow = _writer("slow", database_url, tmp_path, "--count", "30", "--hold", "0.3")
    with _processes(loop, buffered, slow):
        _wait_for_articles(database_url, "%buffered-%", 5)
        # the database goes away (waiting as long as it takes for the writers' lock: on a
        # loaded machine a writer holding its transaction can outlast sqlite3's default 5 s)
        locker = sqlite3.connect(path, timeout=120, isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        try:
            _wait_for_spool(spool, buffered)
            time.sleep(1.0)
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        slow_report = _report(slow, tmp_path, "slow")
        assert slow_report["outcomes"].get("revised", 0) >= 1
        _check_union(loop, database_url, tmp_path, _report(buffered, tmp_path, "buffered"))


EDITED = "https://www.example.org/editorial/late-correction"


def _edit_late(conninfo: str, started: threading.Event, hold: float, seen: dict) -> None:
    """An editor's transaction as docs/schema.md asks: its id is taken at once, the change
    commits ``hold`` seconds later, after other writers' later transactions."""
    with psycopg.connect(conninfo) as connection:
        [(xid,)] = connection.execute("SELECT pg_current_xact_id()::text").fetchall()
        seen["xid"] = int(xid)
        started.set()
        time.sleep(hold)
        later = "SELECT count(*) FROM articles WHERE change_seq > %s"
        [(seen["committed_after_it_began"],)] = connection.execute(later, [seen["xid"]]).fetchall()
        connection.execute(
            "UPDATE articles SET headline = headline || ' (corrected)',"
            " change_seq = pg_current_xact_id()::text::bigint, updated_at = now()"
            " WHERE canonical_url = %s",
            [EDITED],
        )


@pytest.mark.slow
@pytest.mark.postgres
def test_postgres_two_writers_an_outage_an_editor_and_an_export_loop(
    tmp_path, make_postgres_database
) -> None:
    url = make_postgres_database()
    upgrade(url)
    seeded = Store.open(url)
    seeded.write([article(7, EDITED, publisher="Example")])
    seeded.close()
    parsed = make_url(url)
    proxy = TcpProxy((parsed.host or "127.0.0.1", parsed.port or 5432))
    proxy.start()
    proxied = parsed.set(port=proxy.port).render_as_string(hide_password=False)
    loop = ExportLoop(url, tmp_path / "exports")
    loop.start()
    spool = tmp_path / "spool"
    buffered = _writer("buffered", proxied, tmp_path, "--count", "80", "--pause", "0.06",
                       "--spool-dir", str(spool))  # fmt: skip
    slow = _writer("slow", url, tmp_path, "--count", "30", "--hold", "0.3")
    edit: dict = {}
    with _processes(loop, buffered, slow):
        try:
            _wait_for_articles(url, "%buffered-%", 5)
            started = threading.Event()
            conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
            editor = threading.Thread(target=_edit_late, args=(conninfo, started, 2.0, edit))
            editor.start()
            started.wait(10)
            proxy.stop()  # the buffered writer's database goes away
            _wait_for_spool(spool, buffered)
            time.sleep(1.0)
            proxy.start()
            editor.join(30)
            slow_report = _report(slow, tmp_path, "slow")
            assert slow_report["outcomes"].get("revised", 0) >= 1
            _check_union(loop, url, tmp_path, _report(buffered, tmp_path, "buffered"))
        finally:
            proxy.stop()
    assert edit["committed_after_it_began"] > 0, "no transaction committed past the editor's"
    (edited,) = [r for r in _full_export(url, tmp_path).values() if r["canonical_url"] == EDITED]
    assert edited["headline"].endswith("(corrected)")
    held = [m for m in loop.messages if "wait for an older transaction" in m]
    assert held, "the editor's open transaction held no export back"


@pytest.mark.postgres
def test_a_dump_restored_on_another_server_is_refused_not_skipped(
    make_postgres_database, capsys, tmp_path
) -> None:
    """Transaction ids of another server in change_seq would put rows past every bound."""
    url = make_postgres_database()
    upgrade(url)
    store = Store.open(url)
    store.write([article(n, f"https://www.independent.co.uk/news/{n}") for n in range(3)])
    store.close()
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as connection:  # as restored from a busier server
        connection.execute("UPDATE articles SET change_seq = 2000000000 WHERE id = 1")
    code, printed, message = _export(url, capsys, "--cursor-file", str(tmp_path / "cursor"))
    assert (code, printed) == (2, []) and "restored from another server" in message
    code, printed, message = _export(url, capsys)  # a plain export still prints everything
    assert (code, len(printed)) == (0, 3) and "no cursor" in message
    with psycopg.connect(conninfo) as connection:  # what docs/schema.md says to do
        connection.execute("UPDATE articles SET change_seq = 0")
    assert len(_export_settled(url, capsys, tmp_path / "cursor")) == 3
