"""Two ``news_distributed`` workers on the real Redis and Postgres, crawling the loopback site.

The site is ``bench/siteserver.py`` (generated publisher pages, a sitemap index), slowed
down per request so the crawl lasts long enough for both workers to take part and for
one of them to be killed half-way. The workers process pages in their own thread (no
extraction worker processes) unless a test says otherwise. Each worker sends its own
User-Agent, so the server's request log says who fetched what.
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
import redis
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from newscrawl.cli import main as newscrawl_main
from newscrawl.distributed.keys import RedisKeys
from newscrawl.distributed.seeding import status
from newscrawl.store import upgrade
from tests.crawlkit import generated_site
from tests.storekit import TcpProxy

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = 120  # at 0.1 s a page: enough for a worker that starts seconds late to take part
QUICK_ARTICLES = 20
WORKER_TIMEOUT = 240


@dataclass(frozen=True)
class Site:
    base: str
    log: Path
    articles: int = ARTICLES


@pytest.fixture
def site(tmp_path) -> Iterator[Site]:
    log = tmp_path / "requests.tsv"
    with generated_site(ARTICLES, log, "--delay-ms", "100") as base:
        yield Site(base, log)


@pytest.fixture
def quick_site(tmp_path) -> Iterator[Site]:
    """A few pages, no delay: for a test of one worker's start and end."""
    log = tmp_path / "requests.tsv"
    with generated_site(QUICK_ARTICLES, log) as base:
        yield Site(base, log, QUICK_ARTICLES)


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


def start_worker(
    name: str, prefix: str, database_url: str, tmp_path: Path, **extra: object
) -> subprocess.Popen:
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
        # pages processed in the worker's own thread unless a test asks for extraction
        # workers: two Python processes less per worker
        "NEWSCRAWL_EXTRACT_WORKERS": 0,
        **extra,
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
    return {site.base + sitegen.article_path(i) for i in range(site.articles)}


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


def test_newscrawl_crawl_distributed_works_the_queue_and_exits_when_idle(
    quick_site, prefix, tmp_path
):
    site = quick_site
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
    assert f"{QUICK_ARTICLES} articles, ok" in done.stderr
    urls, _ = stored(database_url)
    assert sorted(urls) == sorted(expected_urls(site))


# --- a database outage with a worker killed during it ----------------------------------

OUTAGE_ARTICLES = 300
OUTAGE_SECONDS = 12  # the report saw ~20 s; long enough for the old timer to ack (3 s here)
KILL_AFTER = 8  # seconds into the outage


@pytest.fixture
def slow_site(tmp_path) -> Iterator[Site]:
    """300 articles at 0.3 s a page: with 2 requests in flight per worker, ~25 s of crawl."""
    log = tmp_path / "requests.tsv"
    with generated_site(OUTAGE_ARTICLES, log, "--delay-ms", "300") as base:
        yield Site(base, log, OUTAGE_ARTICLES)


@pytest.fixture
def proxy(database_url) -> Iterator[TcpProxy]:
    """A TCP proxy to the test database: stopping it is the database going away."""
    url = make_url(database_url)
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.start()
    yield proxy
    proxy.stop()


def count_stored(database_url: str) -> int:
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        count = conn.execute(sa.text("SELECT count(*) FROM articles")).scalar_one()
    engine.dispose()
    return count


def articles_fetched_by(site: Site, agent: str) -> int:
    return sum(
        agent in agents for path, agents in fetches(site).items() if path.startswith("/news/")
    )


def wait_for(condition, what: str, timeout: float = WORKER_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_a_worker_killed_while_the_database_is_down_loses_no_article(
    slow_site, prefix, database_url, proxy, tmp_path
):
    """Leases are acknowledged once the article is committed (or spooled), not on a timer.

    Both workers keep crawling while Postgres is unreachable, holding their articles in
    memory; one is SIGKILLed in the middle of the outage. Its articles were never stored,
    so the survivor must fetch those pages again: every article ends up in the database.
    """
    site = slow_site
    via_proxy = make_url(database_url).set(port=proxy.port).render_as_string(hide_password=False)
    newscrawl_main(["seed", "--prefix", prefix, f"{site.base}/sitemap.xml"])
    common = {
        "STORE_FLUSH_INTERVAL": 1,  # the old timer acknowledged 2 x 1 + 1 = 3 s after download
        "STORE_RETRY_MAX": 1,
        "STORE_CLOSE_TIMEOUT": 30,
        "HTTPCACHE_ENABLED": False,
        "NEWSCRAWL_RENDER_JS": False,
    }
    # the survivor parses in an extraction worker (async callback), the victim inline
    survivor = start_worker("survivor", prefix, via_proxy, tmp_path, **common,
                            NEWSCRAWL_EXTRACT_WORKERS=1,
                            STORE_SPOOL_DIR=tmp_path / "spool-survivor")  # fmt: skip
    victim = start_worker("victim", prefix, via_proxy, tmp_path, **common,
                          NEWSCRAWL_EXTRACT_WORKERS=0, NEWSCRAWL_WORKER_ID=f"victim-{prefix}",
                          STORE_SPOOL_DIR=tmp_path / "spool-victim")  # fmt: skip
    server, keys = redis.Redis(), RedisKeys(prefix)
    try:
        wait_for(
            lambda: (
                articles_fetched_by(site, "worker-victim") >= 10
                and count_stored(database_url) >= 10
            ),
            "both workers to store articles",
        )
        assert victim.poll() is None and survivor.poll() is None
        proxy.stop()  # Postgres is away for both workers
        before = articles_fetched_by(site, "worker-victim")
        time.sleep(KILL_AFTER)
        held = server.hlen(keys.leases(f"victim-{prefix}"))
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait()
        during = articles_fetched_by(site, "worker-victim") - before
        time.sleep(OUTAGE_SECONDS - KILL_AFTER)
        proxy.start()
        code = survivor.wait(timeout=WORKER_TIMEOUT)
    finally:
        for proc in (survivor, victim):
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    log = (tmp_path / "worker-survivor.log").read_text()
    urls, _sightings = stored(database_url)
    missing = expected_urls(site) - set(urls)
    print(f"victim fetched {during} articles during the outage and held {held} leases when "
          f"SIGKILLed; {len(missing)} of {site.articles} articles missing")  # fmt: skip
    assert during >= 10, "the victim fetched too little during the outage to test anything"
    # its articles were only in memory: none of their leases may have been acknowledged
    assert held >= during
    assert not missing, (
        f"{len(missing)} of {site.articles} articles lost, e.g. {sorted(missing)[:3]}"
    )
    assert sorted(urls) == sorted(expected_urls(site))  # nothing doubled either
    assert code == 0, log[-3000:]
    assert "Adopted" in log
    # the survivor acknowledged its own leases once stored, and left nothing behind
    assert "'newscrawl/distributed/acked'" in log
    assert "held_at_close" not in log
    cluster = status(server, keys)
    assert (cluster.seeds, cluster.queued, cluster.workers, cluster.leased) == (0, 0, 0, 0)


CLOSE_ARTICLES = 40


@pytest.fixture
def small_site(tmp_path) -> Iterator[Site]:
    log = tmp_path / "requests.tsv"
    with generated_site(CLOSE_ARTICLES, log, "--delay-ms", "300") as base:
        yield Site(base, log, CLOSE_ARTICLES)


@pytest.mark.parametrize("spool", ["writable", "unwritable"])
def test_a_worker_closing_with_the_database_down_keeps_the_leases_of_what_it_could_not_save(
    spool, small_site, prefix, database_url, proxy, tmp_path
):
    """At close, with Postgres still down: spooled articles are safe, so their leases are
    acknowledged (the spool is replayed later, nothing is fetched twice); articles that
    could not even be spooled are lost with the process, so their requests go back on the
    queue, and the next worker fetches and stores them."""
    site = small_site
    via_proxy = make_url(database_url).set(port=proxy.port).render_as_string(hide_password=False)
    if spool == "writable":
        spool_dir = tmp_path / "spool"
    else:  # a path under a regular file: mkdir fails, nothing can be spooled
        (tmp_path / "not-a-directory").write_text("")
        spool_dir = tmp_path / "not-a-directory" / "spool"
    common = {
        "STORE_FLUSH_INTERVAL": 1,
        "STORE_RETRY_MAX": 1,
        "STORE_CLOSE_TIMEOUT": 2,
        "MAX_IDLE_TIME_BEFORE_CLOSE": 2,
        "HTTPCACHE_ENABLED": False,
        "NEWSCRAWL_RENDER_JS": False,
        "NEWSCRAWL_EXTRACT_WORKERS": 0,
    }
    newscrawl_main(["seed", "--prefix", prefix, f"{site.base}/sitemap.xml"])
    first = start_worker("first", prefix, via_proxy, tmp_path, STORE_SPOOL_DIR=spool_dir, **common)
    try:
        wait_for(lambda: count_stored(database_url) >= 3, "the first articles to be stored")
        proxy.stop()
        first_code = first.wait(timeout=WORKER_TIMEOUT)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    log = (tmp_path / "worker-first.log").read_text()
    server, keys = redis.Redis(), RedisKeys(prefix)
    cluster = status(server, keys)
    kept_back = CLOSE_ARTICLES - count_stored(database_url)

    proxy.start()  # the database is back; a new worker (with a writable spool) finishes
    second = start_worker("second", prefix, via_proxy, tmp_path, STORE_SPOOL_DIR=tmp_path / "spool",
                          **common)  # fmt: skip
    second_code = second.wait(timeout=WORKER_TIMEOUT)
    urls, _ = stored(database_url)
    missing = expected_urls(site) - set(urls)
    refetched = {p for p, agents in fetches(site).items() if "worker-second" in agents}
    print(f"{spool} spool: {kept_back} articles not stored at close, {cluster.queued} requeued, "
          f"{len(refetched)} fetched again, {len(missing)} of {site.articles} missing")  # fmt: skip
    assert kept_back >= 10, "the database went away too late to test anything"
    assert not missing, f"{len(missing)} of {site.articles} articles lost"
    assert sorted(urls) == sorted(expected_urls(site))
    assert second_code == 0, (tmp_path / "worker-second.log").read_text()[-3000:]
    assert first_code == 1, log[-3000:]  # not everything was stored: not a success
    assert (cluster.workers, cluster.leased) == (0, 0)
    if spool == "writable":  # acknowledged once spooled; replayed, not fetched again
        assert "held_at_close" not in log and cluster.queued == 0
        assert refetched == set()
    else:  # lost with the process: requeued, fetched again by the second worker
        assert "articles not stored or spooled): they go back on the queue" in log
        assert cluster.queued >= kept_back and len(refetched) >= kept_back
