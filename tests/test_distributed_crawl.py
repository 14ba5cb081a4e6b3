"""Two ``news_distributed`` workers on the real Redis and Postgres, crawling the loopback site.

The site is ``bench/siteserver.py`` (generated publisher pages, a sitemap index), slowed
down per request so the crawl lasts long enough for both workers to take part and for
one of them to be killed half-way. Each worker sends its own User-Agent, so the
server's request log says who fetched what.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from newscrawl.cli import main as newscrawl_main
from newscrawl.store import upgrade
from tests.crawlkit import generated_site

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = 160
WORKER_TIMEOUT = 240


@dataclass(frozen=True)
class Site:
    base: str
    log: Path


@pytest.fixture
def site(tmp_path) -> Iterator[Site]:
    log = tmp_path / "requests.tsv"
    with generated_site(ARTICLES, log, "--delay-ms", "250") as base:
        yield Site(base, log)


@pytest.fixture
def prefix() -> Iterator[str]:
    prefix = f"test-crawl-{uuid.uuid4().hex[:10]}"
    yield prefix
    newscrawl_main(["seed", "--prefix", prefix, "--reset"])


@pytest.fixture
def database_url(make_postgres_database) -> str:
    url = make_postgres_database()
    upgrade(url)
    return url


def start_worker(name: str, prefix: str, database_url: str, tmp_path: Path) -> subprocess.Popen:
    settings = {
        "NEWSCRAWL_REDIS_PREFIX": prefix,
        "DATABASE_URL": database_url,
        "USER_AGENT": f"worker-{name}",
        "NEWSCRAWL_ALLOWED_PRIVATE_HOSTS": "127.0.0.1,localhost",
        "NEWSCRAWL_LOCK_DIR": str(tmp_path),
        "MAX_IDLE_TIME_BEFORE_CLOSE": 3,
        "NEWSCRAWL_WORKER_TTL": 5,
        "CONCURRENT_REQUESTS": 2,
        "AUTOTHROTTLE_ENABLED": False,
    }
    args = [a for k, v in settings.items() for a in ("-s", f"{k}={v}")]
    log = (tmp_path / f"worker-{name}.log").open("w")
    return subprocess.Popen(
        [sys.executable, "-m", "scrapy", "crawl", "news_distributed", *args],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def fetches(site: Site) -> dict[str, list[str]]:
    """Path -> user agents that fetched it, in order (robots.txt excluded: per worker)."""
    out: dict[str, list[str]] = defaultdict(list)
    for line in site.log.read_text().splitlines():
        _ts, _status, path, agent = line.split("\t")
        if path != "/robots.txt":
            out[path].append(agent)
    return out


def article_paths(site: Site) -> set[str]:
    return {p for p in fetches(site) if p.startswith("/news/")}


def stored(database_url: str) -> tuple[list[str], int]:
    """(canonical URLs of the stored articles, number of sightings)."""
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        urls = list(conn.execute(sa.text("SELECT canonical_url FROM articles")).scalars())
        sightings = conn.execute(sa.text("SELECT count(*) FROM sightings")).scalar_one()
    engine.dispose()
    return urls, sightings


def expected_urls(site: Site) -> set[str]:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import sitegen
    finally:
        sys.path.pop(0)
    return {site.base + sitegen.article_path(i) for i in range(ARTICLES)}


def wait_all(procs: list[subprocess.Popen]) -> list[int]:
    return [p.wait(timeout=WORKER_TIMEOUT) for p in procs]


def test_two_workers_share_the_crawl_and_store_each_article_once(
    site, prefix, database_url, tmp_path
):
    newscrawl_main(["seed", "--prefix", prefix, f"{site.base}/sitemap.xml"])
    workers = [start_worker(n, prefix, database_url, tmp_path) for n in ("a", "b")]

    assert wait_all(workers) == [0, 0]

    urls, sightings = stored(database_url)
    assert sorted(urls) == sorted(expected_urls(site))  # each article exactly once
    assert sightings == ARTICLES
    seen = fetches(site)
    fetched_twice = {path: agents for path, agents in seen.items() if len(agents) > 1}
    assert fetched_twice == {}  # no URL fetched by both workers (nor twice by one)
    per_worker = defaultdict(int)
    for path in article_paths(site):
        per_worker[seen[path][0]] += 1
    assert min(per_worker["worker-a"], per_worker["worker-b"]) >= 10, per_worker


def test_a_worker_killed_mid_crawl_loses_nothing(site, prefix, database_url, tmp_path):
    newscrawl_main(["seed", "--prefix", prefix, f"{site.base}/sitemap.xml"])
    survivor = start_worker("survivor", prefix, database_url, tmp_path)
    victim = start_worker("victim", prefix, database_url, tmp_path)

    deadline = time.monotonic() + WORKER_TIMEOUT
    while sum("worker-victim" in a for a in fetches(site).values()) < 15:
        assert time.monotonic() < deadline and victim.poll() is None, "victim never got going"
        time.sleep(0.2)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()

    assert survivor.wait(timeout=WORKER_TIMEOUT) == 0
    urls, _sightings = stored(database_url)
    assert sorted(urls) == sorted(expected_urls(site))  # nothing lost, nothing doubled
    log = (tmp_path / "worker-survivor.log").read_text()
    assert "Adopted" in log and "'newscrawl/distributed/requeued'" in log
    # Only requests the victim had leased are fetched a second time, by the survivor.
    for path, agents in fetches(site).items():
        if len(agents) > 1:
            assert agents[0] == "worker-victim" and set(agents[1:]) == {"worker-survivor"}, path


def test_newscrawl_crawl_distributed_works_the_queue_and_exits_when_idle(site, prefix, tmp_path):
    newscrawl_main(["seed", "--prefix", prefix, f"{site.base}/sitemap.xml"])
    database_url = f"sqlite:///{tmp_path / 'news.db'}"
    cmd = [
        sys.executable, "-m", "newscrawl", "crawl", "--distributed", "--prefix", prefix,
        "--database-url", database_url, "-s", "MAX_IDLE_TIME_BEFORE_CLOSE=2",
        "-s", "NEWSCRAWL_ALLOWED_PRIVATE_HOSTS=127.0.0.1,localhost",
        "-s", f"NEWSCRAWL_LOCK_DIR={tmp_path}",
    ]  # fmt: skip
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=WORKER_TIMEOUT)

    assert done.returncode == 0, done.stderr[-3000:]
    assert f"{ARTICLES} articles, ok" in done.stderr
    urls, _ = stored(database_url)
    assert sorted(urls) == sorted(expected_urls(site))
