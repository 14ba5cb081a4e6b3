"""Issue 7 item 11: crawls run from cron, as real processes against the loopback newsroom.

* two ``newscrawl crawl SOURCE`` started at once on the same source and database: one
  crawls, the other exits non-zero at once without fetching a page (counted on the server);
* the exit code: 0 for a clean run, 1 for a run with errors, 1 when more than
  ``NEWSCRAWL_MAX_DROP_SHARE`` of the items were dropped (and 0 once the share allows it);
* a reader polling the database (SQLite in WAL mode, Postgres) throughout a crawl that
  stores every article on its own never sees an article before its authors and images.

Each test prints its figures (``pytest -s``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.pool import NullPool

from newscrawl.publishers import parse_publisher, publisher_toml
from newscrawl.store.engine import create_engine
from newscrawl.store.schema import article_authors, articles, images
from tests.newsroomkit import ROOT, Newsroom, newsroom_fixture  # noqa: F401  (fixture)

pytestmark = [pytest.mark.slow]


# --- helpers ------------------------------------------------------------------------------


def write_sources(newsroom: Newsroom, path: Path, delay: float, broken: bool = False) -> Path:
    """The newsroom's publishers with ``DOWNLOAD_DELAY = delay`` (so that runs overlap), plus
    optionally a publisher ``broken`` whose only entry point is a 404."""
    tables = tomllib.loads(newsroom.sources.read_text())["publisher"]
    for table in tables.values():
        table["politeness"] = {"DOWNLOAD_DELAY": delay, "AUTOTHROTTLE_ENABLED": False}
    if broken:
        base = newsroom.url("apnews")
        host = base.split("//")[1].split(":")[0]
        entry = [{"url": base + "/no-such-page"}]
        tables["broken"] = {**tables["apnews"], "name": "Broken", "entry": entry, "domains": [host]}
    text = "\n".join(
        publisher_toml(parse_publisher(key, table, key), f"publisher.{key}")
        for key, table in tables.items()
    )
    path.write_text(text)
    return path


def crawl_command(
    names: list[str], sources: Path, database_url: str, workdir: Path, **settings: Any
) -> list[str]:
    merged = {
        "NEWSCRAWL_ALLOWED_PRIVATE_HOSTS": "127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4,localhost",
        "NEWSCRAWL_LOCK_DIR": str(workdir / "locks"),
        "HTTPCACHE_ENABLED": "False",
        "LOG_LEVEL": "INFO",
        "TELNETCONSOLE_ENABLED": "False",
        # pages processed in the crawler's thread: what is tested here is the process, its
        # lock, its exit code and its writes, not the extraction workers (two processes more)
        "NEWSCRAWL_EXTRACT_WORKERS": "0",
        **{k: str(v) for k, v in settings.items()},
    }
    command = [sys.executable, "-m", "newscrawl", "crawl", *names, "--sources", str(sources),
               "--database-url", database_url]  # fmt: skip
    for key, value in merged.items():
        command += ["-s", f"{key}={value}"]
    return command


def start(command: list[str]) -> subprocess.Popen[bytes]:
    """Start a crawl; its output goes to a temporary file (a pipe nobody reads could fill)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSCRAWL_")}
    out = tempfile.TemporaryFile()  # noqa: SIM115  (closed in wait())
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    proc.output_file = out  # type: ignore[attr-defined]
    return proc


@dataclass
class Finished:
    returncode: int
    output: str
    seconds: float


def wait(proc: subprocess.Popen[bytes], started: float, timeout: float = 300) -> Finished:
    proc.wait(timeout=timeout)
    out = proc.output_file  # type: ignore[attr-defined]
    out.seek(0)
    text = out.read().decode(errors="replace")
    out.close()
    return Finished(proc.returncode, text, time.monotonic() - started)


def run(command: list[str]) -> Finished:
    return wait(start(command), time.monotonic())


def sqlite_url(tmp_path: Path, name: str) -> str:
    return f"sqlite:///{tmp_path / name}"


# --- (a) overlapping runs -------------------------------------------------------------------


def test_overlapping_runs_of_one_source_do_not_both_crawl(newsroom, tmp_path) -> None:
    """Each process has its own User-Agent, so the server counts what each fetched."""
    sources = write_sources(newsroom, tmp_path / "sources.toml", delay=0.5)
    db = sqlite_url(tmp_path, "shared.db")
    mark = newsroom.mark()
    t0 = time.monotonic()
    procs = [
        start(crawl_command(["independent"], sources, db, tmp_path, USER_AGENT=f"cron-{n}"))
        for n in range(2)
    ]
    ended: dict[int, float] = {}
    while len(ended) < len(procs) and time.monotonic() - t0 < 300:
        ended.update({n: time.monotonic() for n, p in enumerate(procs) if n not in ended
                      and p.poll() is not None})  # fmt: skip
        time.sleep(0.05)
    finished = [wait(p, t0) for p in procs]
    for n, f in enumerate(finished):
        f.seconds = ended.get(n, f.seconds) - t0
    fetched = [
        sum(r.get("ua") == f"cron-{n}" for r in newsroom.requests_since(mark)) for n in range(2)
    ]
    codes = [f.returncode for f in finished]
    win = codes.index(0) if 0 in codes else 0
    winner, loser = finished[win], finished[1 - win]
    print(
        f"\ntwo runs at once: exit codes {codes}, requests served {fetched}, "
        f"winner {winner.seconds:.1f} s, loser {loser.seconds:.1f} s"
    )
    assert sorted(codes) == [0, 1], [f.output[-2000:] for f in finished]
    assert "another crawl of 'source:independent' into this database is running" in loser.output
    assert fetched[1 - win] == 0
    assert fetched[win] > 10
    assert loser.seconds < winner.seconds


# --- (b) exit codes ---------------------------------------------------------------------------


def test_exit_code_reflects_errors_and_drops(newsroom, tmp_path) -> None:
    sources = write_sources(newsroom, tmp_path / "sources.toml", delay=0, broken=True)

    def crawl(name: str, names: list[str], **settings: Any) -> Finished:
        db = sqlite_url(tmp_path, f"{name}.db")
        return run(crawl_command(names, sources, db, tmp_path / name, **settings))

    # a clean run's 0 is every other crawl test's (readers below, test_e2e_store, ...)
    runs = {
        "clean+errors": crawl("mixed", ["apnews", "broken"]),
        "all dropped": crawl("dropped", ["apnews"], NEWSCRAWL_NORMALIZE_MIN_BODY_CHARS=10**6),
        "all dropped, share 1.0": crawl(
            "allowed", ["apnews"], NEWSCRAWL_NORMALIZE_MIN_BODY_CHARS=10**6,
            NEWSCRAWL_MAX_DROP_SHARE=1.0,
        ),
    }  # fmt: skip
    print("\n" + "\n".join(f"{k}: exit {r.returncode}, {r.seconds:.1f} s" for k, r in runs.items()))
    expected = {"clean+errors": 1, "all dropped": 1, "all dropped, share 1.0": 0}
    assert {k: r.returncode for k, r in runs.items()} == expected, {
        k: r.output[-1500:] for k, r in runs.items()
    }
    mixed = runs["clean+errors"].output
    assert "every start URL failed" in mixed
    assert [line.split()[-1] for line in mixed.splitlines() if line.startswith("apnews ")] == ["ok"]
    assert "items dropped (more than 50%)" in runs["all dropped"].output


# --- (c) readers during a crawl -------------------------------------------------------------


@dataclass
class Reader:
    """Polls the database in one statement per poll (one snapshot): each article with the
    number of its authors and images."""

    url: str
    polls: int = 0
    rows_checked: int = 0
    seen: list[dict[int, tuple[int, int]]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def query(self) -> Any:
        authors = (
            select(func.count())
            .where(article_authors.c.article_id == articles.c.id)
            .scalar_subquery()
        )
        pictures = select(func.count()).where(images.c.article_id == articles.c.id)
        return select(articles.c.id, authors, pictures.scalar_subquery())

    def snapshot(self, conn: Any) -> dict[int, tuple[int, int]]:
        return {r[0]: (r[1], r[2]) for r in conn.execute(self.query())}

    def run(self) -> None:
        engine = create_engine(self.url, poolclass=NullPool)
        try:
            while not self.stop.is_set():
                try:
                    with engine.connect() as conn:
                        rows = self.snapshot(conn)
                except Exception as exc:  # a locked or missing table is worth a report
                    self.errors.append(f"{type(exc).__name__}: {exc}")
                    time.sleep(0.05)
                    continue
                self.polls += 1
                self.rows_checked += len(rows)
                if not self.seen or rows != self.seen[-1]:
                    self.seen.append(rows)
                time.sleep(0.01)
        finally:
            engine.dispose()


def check_readers_never_see_half_an_article(
    newsroom: Newsroom, tmp_path: Path, database_url: str
) -> None:
    from newscrawl.store import upgrade

    upgrade(database_url)
    sources = write_sources(newsroom, tmp_path / "sources.toml", delay=0.2)
    reader = Reader(database_url)
    thread = threading.Thread(target=reader.run, daemon=True)
    thread.start()
    try:
        crawl = run(crawl_command(
            ["--all"], sources, database_url, tmp_path, STORE_BATCH_SIZE=1,
            STORE_FLUSH_INTERVAL=0.1,
        ))  # fmt: skip
    finally:
        reader.stop.set()
        thread.join(10)
    assert crawl.returncode == 0, crawl.output[-3000:]
    engine = create_engine(database_url, poolclass=NullPool)
    with engine.connect() as conn:
        final = reader.snapshot(conn)
    engine.dispose()
    partial = [
        (article_id, counts, final[article_id])
        for rows in reader.seen
        for article_id, counts in rows.items()
        if counts != final[article_id]
    ]
    print(
        f"\n{database_url.split(':')[0]}: {reader.polls} polls, {reader.rows_checked} article "
        f"rows checked, {len(reader.seen)} distinct states, {len(final)} articles "
        f"({sum(a for a, _ in final.values())} authors, {sum(i for _, i in final.values())} "
        f"images), reader errors {len(reader.errors)}, crawl {crawl.seconds:.1f} s"
    )
    assert reader.errors == []
    assert len(final) >= 8
    assert sum(1 for a, i in final.values() if a and i) >= 5
    assert len(reader.seen) >= 4, "the reader saw too few states to show anything"
    assert reader.polls >= 50
    assert partial == []


def test_sqlite_readers_never_see_an_article_without_authors_and_images(newsroom, tmp_path) -> None:
    check_readers_never_see_half_an_article(newsroom, tmp_path, sqlite_url(tmp_path, "r.db"))


@pytest.mark.postgres
def test_postgres_readers_never_see_an_article_without_authors_and_images(
    newsroom, tmp_path, make_postgres_database
) -> None:
    check_readers_never_see_half_an_article(newsroom, tmp_path, make_postgres_database())
