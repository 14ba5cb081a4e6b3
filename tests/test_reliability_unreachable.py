"""Issue 13, bounded waits: a host that cannot be reached (connection refused, a name that does
not resolve) is given up after ``NEWSCRAWL_HOST_UNREACHABLE_TIMEOUT``, not after the ~15 minutes
of robots.txt retries a 5xx gets, and the other hosts of the crawl are crawled as usual.

Before the fix such a crawl took 926 s (robots.txt retried 60 → 480 s).
"""

from __future__ import annotations

import socket
import time

import pytest
from sqlalchemy import select

from newscrawl.demo import newsroom as nr
from newscrawl.fetch.reachability import UnreachableHosts, retry_delay, unreachable_reason
from newscrawl.store.engine import create_engine
from newscrawl.store.schema import articles, crawl_runs
from tests.newsroomkit import Newsroom, crawl_newsroom, newsroom_fixture  # noqa: F401


def _closed_port() -> int:
    """A loopback port where nothing listens (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("total", [0.5, 3.0, 60.0, 120.0, 1000.0])
def test_schedule_ends_at_the_total(total: float) -> None:
    """Attempts never go past ``total`` and the last one is at ``total``, whatever it is."""
    at, failures = 0.0, 0
    while True:
        failures += 1
        delay = retry_delay(failures, at, total)
        if delay is None:
            break
        assert delay > 0
        at += delay
    assert at == pytest.approx(total)
    assert failures <= 12  # a handful of attempts, not one per second


def test_which_errors_mean_no_server() -> None:
    from scrapy import exceptions
    from twisted.internet import error

    # Scrapy >= 2.19 wraps Twisted's errors in its own
    for name, reason in (("DownloadConnectionRefusedError", "connection_refused"),
                         ("CannotResolveHostError", "dns")):  # fmt: skip
        if hasattr(exceptions, name):
            assert unreachable_reason(getattr(exceptions, name)()) == reason
    assert unreachable_reason(error.ConnectionRefusedError()) == "connection_refused"
    assert unreachable_reason(error.DNSLookupError()) == "dns"
    assert unreachable_reason(error.NoRouteError()) == "no_route"
    # a server that is there but slow or broken gets the usual retries, pauses, robots rules
    assert unreachable_reason(error.TimeoutError()) is None
    assert unreachable_reason(error.ConnectionLost()) is None


def test_an_answer_resets_the_count() -> None:
    clock = [0.0]
    hosts = UnreachableHosts(total=10.0, clock=lambda: clock[0])
    assert hosts.failure("h", "dns") is not None
    clock[0] = 9.0
    hosts.success("h")
    clock[0] = 12.0
    assert hosts.failure("h", "dns") is not None  # a new first failure, not 12 s of them
    clock[0] = 22.0
    assert hosts.failure("h", "dns") is None
    assert hosts.is_given_up("h")


@pytest.mark.slow
@pytest.mark.parametrize("robots", [True, False], ids=["robots.txt", "no-robots.txt"])
def test_dead_hosts_are_given_up_and_the_live_one_is_crawled(
    reactor, newsroom: Newsroom, tmp_path, robots: bool
) -> None:
    """robots.txt on: its fetch finds no server; off: the pages' own downloads do (several
    requests per dead host, none of them retried on its own)."""
    closed = f"http://127.0.0.1:{_closed_port()}/"
    dead_name = "http://nosuch.invalid/"  # .invalid never resolves (RFC 2606)
    live = newsroom.url("apnews", "/news-sitemap.xml")
    dead = [closed, closed + "a", closed + "b", dead_name, dead_name + "a"]
    database = tmp_path / "news.db"
    bound = 3.0
    started = time.monotonic()
    result, _ = crawl_newsroom(
        reactor, "news", newsroom=newsroom, workdir=tmp_path,
        database_url=f"sqlite:///{database}",
        settings={
            "NEWSCRAWL_HOST_UNREACHABLE_TIMEOUT": str(bound),
            "NEWSCRAWL_RENDER_JS": "False",
            "ROBOTSTXT_OBEY": str(robots),
        },
        start_urls=",".join([*dead, live]),
    )  # fmt: skip
    wall = time.monotonic() - started
    print(f"crawl with two dead hosts and a {bound} s bound: {wall:.1f} s")

    assert "Traceback" not in result.log
    # the live site, and the bound (attempts land on the engine's 5 s heartbeat)
    assert wall < bound + 30, result.log[-3000:]
    engine = create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as conn:
            stored = set(conn.execute(select(articles.c.canonical_url)).scalars())
            stats = conn.execute(select(crawl_runs.c.stats)).scalar_one()
    finally:
        engine.dispose()
    paths = {url.split(":", 2)[2].split("/", 1)[1] for url in stored}
    assert {nr.REAL_PAGES[1][1].lstrip("/"), nr.REAL_PAGES[2][1].lstrip("/")} <= paths, stored
    assert stats["newscrawl/host/unreachable"] == 2
    assert stats["newscrawl/host/unreachable/connection_refused"] == 1
    assert stats["newscrawl/host/unreachable/dns"] == 1
    assert stats["newscrawl/host/unreachable_dropped"] == len(dead)
    assert "Gave up retrying" not in result.log  # one line per host, not an error per request
    for host in (closed.split("//")[1].rstrip("/"), "nosuch.invalid"):
        assert f"host {host} unreachable" in result.log
    # the dead start URLs still make the run fail, as any failed start URL does
    assert result.returncode == 1
