"""Fault runs of real crawls and writer processes: nothing is lost without a line saying so.

- a run killed while it holds spool files it claimed: a later run replays them;
- the database down (locked) at close: the items and the ``crawl_runs`` row wait in the spool,
  the next crawl replays them before it asks what was seen, so no page is fetched twice and
  ``items_stored`` counts its own articles only;
- a full disk (a real tmpfs holding the SQLite file and the spool): the crawl stops with
  ``storage_full`` and a non-zero exit, one line says how many items were stored and spooled
  (where), none is lost (the spool's reserve covers what waits in memory and the items still
  on their way), and what was spooled is replayed once there is room; items the spool's disk
  has no room for once it is full are refused (their pages fetched again), never lost;
- Postgres out of disk ("could not extend file", a tablespace on a tmpfs, on a server of the
  test's own): storage full as well, not a passing outage.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from newscrawl.article import Article
from newscrawl.store import Store, upgrade
from newscrawl.store.buffer import BufferedWriter, BufferPolicy, Tally
from newscrawl.store.store import StorageFullError
from tests.crawlkit import ROOT, generated_site, generated_site_crawl
from tests.storekit import article, counts, small_disk, sqlite_write_lock, text

pytestmark = pytest.mark.slow

#: ``store: N items this run: S stored[, R rejected], P spooled[ to PATH], L lost[ (why)]``
STORE_LINE = re.compile(
    r"store: (?P<received>\d+) items this run: (?P<stored>\d+) stored"
    r"(?:, (?P<rejected>\d+) rejected)?, (?P<spooled>\d+) spooled(?: to (?P<where>\S+))?,"
    r" (?P<lost>\d+) lost(?P<rest>.*)"
)


def store_line(log: str) -> dict[str, str]:
    found = STORE_LINE.findall(log)
    assert len(found) == 1, f"expected one store line:\n{log[-4000:]}"
    match = STORE_LINE.search(log)
    assert match is not None
    return {k: v or "" for k, v in match.groupdict().items()}


def stat(log: str, key: str) -> int:
    match = re.search(rf"'{re.escape(key)}': (\d+)", log)
    return int(match.group(1)) if match else 0


def article_fetches(log: Path) -> list[str]:
    paths = [line.split("\t")[2] for line in log.read_text().splitlines() if "\t" in line]
    return [p for p in paths if p.startswith("/news/") and p.endswith(".html")]


def crawl(base: str, tmp_path: Path, database: Path, **settings: object):
    every: dict[str, object] = {"STORE_SPOOL_DIR": tmp_path / "spool", "STORE_SPOOL_RESERVE_MB": 1}
    command = generated_site_crawl(base, tmp_path, database, **{**every, **settings})
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def runs(database: Path) -> list[dict]:
    engine = sa.create_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT * FROM crawl_runs ORDER BY started_at"))
        found = [dict(row._mapping) for row in rows]
    engine.dispose()
    for row in found:
        if isinstance(row["stats"], str):
            row["stats"] = json.loads(row["stats"])
    return found


def stored_articles(database: Path) -> int:
    engine = sa.create_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        count = connection.scalar(sa.text("SELECT count(*) FROM articles"))
    engine.dispose()
    return count


# --- a claimer killed -----------------------------------------------------------------------

WRITER = textwrap.dedent(
    """
    import sys, time
    from newscrawl.store import engine as engine_module
    engine_module.SQLITE_BUSY_TIMEOUT_MS = 50
    from newscrawl.store import Store
    from newscrawl.store.buffer import BufferedWriter, BufferPolicy
    from tests.storekit import article

    url, spool, first, count, mode = sys.argv[1:6]
    writer = BufferedWriter(Store.open(url), BufferPolicy(
        batch_size=10, max_buffered=0, retry_initial=0.05, spool_dir=spool, spool_reserve=0))
    for i in range(int(first), int(first) + int(count)):
        writer.add(article(i, f"https://www.independent.co.uk/news/{i}"))
    print("WAITING", writer.waiting, flush=True)
    if mode == "hold":
        time.sleep(600)
    writer.close(timeout=0.2)
    """
)


def writer_process(tmp_path: Path, url: str, first: int, count: int, mode: str):
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    args = [sys.executable, str(script), url, str(tmp_path / "spool"), str(first), str(count), mode]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)


def test_files_claimed_by_a_killed_run_are_replayed_by_a_later_one(tmp_path) -> None:
    database = tmp_path / "news.db"
    url = f"sqlite:///{database}"
    upgrade(url)
    with sqlite_write_lock(database):
        first = writer_process(tmp_path, url, 0, 10, "exit")
        assert first.communicate(timeout=120)[0].split() == ["WAITING", "10"]
        assert first.returncode == 0
        holder = writer_process(tmp_path, url, 10, 5, "hold")  # claims the 10, spools 5 more
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline().split() == ["WAITING", "15"]
            store = Store.open(url)
            live = BufferedWriter(store, BufferPolicy(spool_dir=str(tmp_path / "spool")))
            assert live.waiting == 0, "a live writer's files are not anyone else's"
            live.close(timeout=0)
            store.close()
        finally:
            holder.send_signal(signal.SIGKILL)
            holder.wait(timeout=30)
    store = Store.open(url)
    try:
        later = BufferedWriter(store, BufferPolicy(spool_dir=str(tmp_path / "spool")))
        assert later.waiting == 15
        assert later.flush()
        assert later.close(timeout=1) == 0
        assert counts(store)["articles"] == 15
    finally:
        store.close()
    assert not list((tmp_path / "spool").glob("spool-*"))


# --- the database down at close -------------------------------------------------------------


def test_a_crawl_whose_database_is_down_at_close_keeps_items_and_run_row_for_the_next(
    tmp_path,
) -> None:
    database = tmp_path / "news.db"
    upgrade(f"sqlite:///{database}")
    log = tmp_path / "requests.tsv"
    with generated_site(30, log) as base:
        with sqlite_write_lock(database):
            down = crawl(base, tmp_path, database, STORE_CLOSE_TIMEOUT=1)
        assert down.returncode != 0, "items left unstored fail the run"
        line = store_line(down.stderr)
        assert (line["received"], line["stored"], line["spooled"], line["lost"]) == (
            "30", "0", "30", "0",
        ), line  # fmt: skip
        assert "the crawl_runs row waits in " + line["where"] in down.stderr
        assert len(article_fetches(log)) == 30
        assert runs(database) == []

        again = crawl(base, tmp_path, database)
        assert again.returncode == 0, again.stderr[-3000:]
        assert len(article_fetches(log)) == 30, "a replayed article was fetched again"
    assert stored_articles(database) == 30
    first, second = runs(database)
    assert (first["finish_reason"], first["items_scraped"], first["items_stored"]) == (
        "finished", 30, 0,
    )  # fmt: skip
    assert first["stats"]["newscrawl/store/spooled"] == 30
    assert (second["items_scraped"], second["items_stored"]) == (0, 0)
    assert second["stats"]["newscrawl/store/replayed"] == 30
    assert not list((tmp_path / "spool").glob("spool-*"))


# --- a full disk ----------------------------------------------------------------------------


def test_a_full_disk_stops_the_crawl_and_one_line_says_where_every_item_went(tmp_path) -> None:
    disk = tmp_path / "disk"
    database = disk / "news.db"
    site_log = tmp_path / "requests.tsv"
    articles = 800
    settings = {"STORE_SPOOL_DIR": disk / "spool", "STORE_BATCH_SIZE": 50}
    with small_disk(disk, "8m") as remount, generated_site(articles, site_log) as base:
        full = crawl(base, tmp_path, database, **settings)
        assert "Spider closed (storage_full)" in full.stderr, full.stderr[-4000:]
        assert full.returncode != 0
        line = store_line(full.stderr)
        received, stored, spooled, lost = (
            int(line[k]) for k in ("received", "stored", "spooled", "lost")
        )
        rejected = int(line["rejected"] or 0)
        assert received == stat(full.stderr, "item_scraped_count") > 0
        assert stored + rejected + spooled + lost == received, line
        assert spooled > 0, "the spool's reserve takes what waited in memory"
        assert lost == 0, f"a full disk lost items: {line}"
        assert len(article_fetches(site_log)) < articles, "the crawl stopped fetching"
        assert stored_articles(database) == stored
        spool_file = Path(line["where"].rstrip(","))
        assert spool_file.parent == disk / "spool" and spool_file.exists()

        remount("64m")
        later = crawl(base, tmp_path, database, **settings)
        assert later.returncode == 0, later.stderr[-3000:]
        assert stat(later.stderr, "newscrawl/store/replayed") == spooled
        assert stat(later.stderr, "newscrawl/store/new") == articles - stored - spooled
        assert stored_articles(database) == articles
        reasons = [run["finish_reason"] for run in runs(database)]
        assert reasons == ["storage_full", "finished"]


def test_once_the_disk_is_full_what_the_spool_cannot_take_is_refused_not_lost(tmp_path) -> None:
    """The reserve covers what waits in memory; of the items still coming, the spool takes
    what the disk has room for and the writer refuses the rest (the next run fetches them)."""
    disk = tmp_path / "disk"
    with small_disk(disk, "4m") as remount:
        store = Store.open(f"sqlite:///{disk / 'news.db'}", auto_upgrade=True)
        policy = BufferPolicy(batch_size=40, spool_dir=str(disk / "spool"),
                              spool_reserve=256 * 1024)  # fmt: skip
        full: list[Exception] = []
        writer = BufferedWriter(store, policy, on_full=full.append)
        try:
            taken = _fill_until_full(writer, full)
            sent = len(taken)
            assert all(taken)
            assert full, "the disk never filled"
            waiting = sent - writer.tally.stored - writer.tally.rejected  # in memory at full
            assert waiting > 0
            late = [writer.add(_big_article(i)) for i in range(sent, sent + 300)]
            writer.close(timeout=5)
            tally = writer.tally
            assert tally.lost == 0, tally
            assert late.count(False) == tally.refused > 0, "more came than the disk could take"
            assert tally.received == sent + late.count(True)
            assert tally.stored + tally.rejected + tally.spooled == tally.received
            assert tally.spooled == waiting + late.count(True)
            assert f"{tally.refused} more items refused" in tally.line()
            _assert_replayed_on_a_larger_disk(store, policy, remount, tally)
        finally:
            store.close()


def _big_article(seed: int) -> Article:
    return article(seed, f"https://x.example/{seed}", body=text(seed, 1500))


def _fill_until_full(writer: BufferedWriter, full: list[Exception]) -> list[bool]:
    """Add articles until the writer reports the storage full; what each ``add`` said."""
    taken: list[bool] = []
    while not full and len(taken) < 5000:
        taken.append(writer.add(_big_article(len(taken))))
    return taken


def _assert_replayed_on_a_larger_disk(
    store: Store, policy: BufferPolicy, remount: Callable[[str], None], tally: Tally
) -> None:
    """With room again, the next writer replays every spooled item: all received are stored."""
    remount("64m")
    later = BufferedWriter(store, policy)
    assert later.flush()
    later.close(timeout=1)
    assert later.tally.replayed == tally.spooled
    assert counts(store)["articles"] == tally.received


# --- Postgres: "could not extend file" ------------------------------------------------------


@pytest.fixture
def postgres_on_small_disk(tmp_path):
    """A Postgres server of this test's own whose database lives in a tablespace on a 6 MB
    tmpfs; yields (database URL, remount). Root only (skipped otherwise, failed in CI)."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    initdb = shutil.which("initdb") or (candidates[-1] if candidates else None)
    if os.geteuid() != 0 or initdb is None:
        if os.environ.get("CI"):
            pytest.fail("a private Postgres server needs root and initdb")
        pytest.skip("a private Postgres server needs root and initdb")
    bindir = Path(initdb).resolve().parent
    base = Path(tempfile.mkdtemp(prefix="newscrawl-pgfull-"))
    base.chmod(0o755)
    shutil.chown(base, "postgres")
    as_postgres = ["runuser", "-u", "postgres", "--"]
    data, port = base / "data", _free_port()
    subprocess.run([*as_postgres, str(bindir / "initdb"), "-D", str(data), "-U", "postgres",
                    "--auth=trust", "-E", "UTF8"], check=True, capture_output=True)  # fmt: skip
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
    pg_ctl = [*as_postgres, str(bindir / "pg_ctl"), "-D", str(data)]
    subprocess.run([*pg_ctl, "-o", options, "-l", str(base / "log"), "-w", "start"],
                   check=True, capture_output=True)  # fmt: skip
    try:
        with small_disk(base / "disk", "6m") as remount:
            shutil.chown(base / "disk", "postgres")
            admin = f"postgresql://postgres@127.0.0.1:{port}/postgres"
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f"CREATE TABLESPACE small LOCATION '{base / 'disk'}'")
                conn.execute("CREATE DATABASE news TABLESPACE small")
            yield f"postgresql://postgres@127.0.0.1:{port}/news", remount
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute("DROP DATABASE news WITH (FORCE)")
                conn.execute("DROP TABLESPACE small")
    finally:
        subprocess.run([*pg_ctl, "-m", "immediate", "-w", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_postgres_disk_full_is_storage_full_not_a_passing_outage(
    postgres_on_small_disk, tmp_path
) -> None:
    url, remount = postgres_on_small_disk
    store = Store.open(url, auto_upgrade=True)
    policy = BufferPolicy(batch_size=20, spool_dir=str(tmp_path / "spool"), spool_reserve=0)
    full: list[Exception] = []
    writer = BufferedWriter(store, policy, on_full=full.append)
    try:
        sent = len(_fill_until_full(writer, full))
        assert full and isinstance(full[0], StorageFullError), full
        assert "could not extend file" in str(full[0]) or "DiskFull" in str(full[0])
        for i in range(sent, sent + 10):  # items still arriving while the crawl stops
            writer.add(_big_article(i))
        writer.close(timeout=5)
        tally = writer.tally
        assert tally.received == sent + 10
        assert tally.stored + tally.rejected + tally.spooled + tally.lost == tally.received
        assert tally.lost == 0 and tally.spooled >= 10, tally
        _assert_replayed_on_a_larger_disk(store, policy, remount, tally)
    finally:
        store.close()
