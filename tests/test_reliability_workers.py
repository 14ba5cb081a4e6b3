"""Extraction workers (``NEWSCRAWL_EXTRACT_WORKERS``) dying, and the crawler dying under them.

* a worker SIGKILLed mid-crawl: it is replaced, the pages it held are handed to the workers
  again, and every article is stored once;
* a crawler SIGKILLed mid-crawl leaves no worker behind (each reads end-of-file on its
  socket and exits).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.crawlkit import (
    ROOT,
    _descendants,
    descendants_running,
    generated_site,
    generated_site_crawl,
)

pytestmark = pytest.mark.slow

ARTICLES = 300


def worker_pids(crawler: int) -> list[int]:
    """The crawl's extraction workers (``python -m newscrawl.extract.pool``)."""
    return descendants_running(crawler, b"newscrawl.extract.pool")


def crawl(base: str, tmp_path: Path, database: Path) -> subprocess.Popen:
    command = generated_site_crawl(
        base, tmp_path, database, NEWSCRAWL_EXTRACT_WORKERS=2, CONCURRENT_REQUESTS=4
    )
    log = (tmp_path / "crawl.log").open("w")
    return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


@pytest.fixture
def site(tmp_path) -> Iterator[tuple[str, Path]]:
    log = tmp_path / "requests.tsv"
    with generated_site(ARTICLES, log, "--delay-ms", "5") as base:
        yield base, log


def served(log: Path) -> int:
    if not log.exists():
        return 0
    return sum(1 for line in log.read_text().splitlines() if "\t/news/" in line)


def wait_until(condition, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert proc.poll() is None, "the crawl ended early"
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_worker_killed_mid_crawl_every_article_stored(site, tmp_path) -> None:
    base, requests = site
    database = tmp_path / "news.db"
    proc = crawl(base, tmp_path, database)
    try:
        wait_until(lambda: served(requests) >= 60 and len(worker_pids(proc.pid)) == 2, proc)
        victim = worker_pids(proc.pid)[0]
        subprocess.run(["kill", "-9", str(victim)], check=True)
        at_kill = served(requests)
        assert proc.wait(timeout=240) == 0, (tmp_path / "crawl.log").read_text()[-3000:]
    finally:
        if proc.poll() is None:
            proc.kill()
    log = (tmp_path / "crawl.log").read_text()
    engine = sa.create_engine(f"sqlite:///{database}")
    with engine.connect() as conn:
        stored, distinct = conn.execute(
            sa.text("SELECT count(*), count(DISTINCT canonical_url) FROM articles")
        ).one()
    engine.dispose()
    print(f"\nworker {victim} killed after {at_kill} of {ARTICLES} pages; stored {stored}")
    assert at_kill < ARTICLES
    assert "'newscrawl/extract/worker_died':" in log
    assert "worker_crashed" not in log
    assert stored == distinct == ARTICLES


def test_crawler_killed_leaves_no_process_behind(site, tmp_path) -> None:
    base, requests = site
    proc = crawl(base, tmp_path, tmp_path / "news.db")
    try:
        wait_until(lambda: served(requests) >= 30 and len(worker_pids(proc.pid)) == 2, proc)
        helpers = _descendants(proc.pid) - {proc.pid}
        assert len(helpers) >= 2  # the two workers
    finally:
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(running(p) for p in helpers):
        time.sleep(0.2)
    assert [p for p in helpers if running(p)] == []


def running(pid: int) -> bool:
    """Alive and not a zombie (a zombie has exited; only its parent has not looked yet)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
