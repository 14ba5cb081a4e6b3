"""The loopback newsroom as a pytest fixture, and ``scrapy crawl`` run as users run it.

``newsroom`` (session-scoped) starts ``python -m newscrawl.demo.server`` in a subprocess;
every request it serves is a JSON line in ``newsroom.log``. ``crawl_newsroom(...)`` runs a
crawl in the test process (:mod:`tests.reactorkit`) with per-test lock and cache locations;
``run_scrapy(...)`` runs ``python -m scrapy crawl ...`` from the repository root (so
``scrapy.cfg`` and the project settings apply) for the tests about processes: exit codes,
locks, JOBDIR.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.reactorkit import Crawled, crawl

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Newsroom:
    port: int
    hosts: dict[str, str]  # site key -> base URL ("http://127.0.0.2:PORT/")
    log: Path
    sources: Path

    def url(self, site: str, path: str = "/") -> str:
        return self.hosts[site].rstrip("/") + path

    @property
    def allowed_hosts(self) -> str:
        ips = [u.split("//")[1].split(":")[0] for u in self.hosts.values()]
        return ",".join([*ips, "localhost"])

    def requests(self) -> list[dict]:
        """Every request served so far."""
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line]

    def mark(self) -> int:
        """A position in the request log (see :meth:`requests_since`)."""
        return len(self.requests())

    def requests_since(self, mark: int) -> list[dict]:
        return self.requests()[mark:]


@pytest.fixture(scope="session", name="newsroom")
def newsroom_fixture(tmp_path_factory) -> Iterator[Newsroom]:
    """The newsroom server, started once per test session."""
    tmp = tmp_path_factory.mktemp("newsroom")
    log, sources = tmp / "requests.jsonl", tmp / "sources.toml"
    proc = subprocess.Popen(
        [sys.executable, "-m", "newscrawl.demo.server", "--log", str(log),
         "--sources", str(sources)],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        yield Newsroom(info["port"], info["hosts"], log, sources)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def newsroom_settings(newsroom: Newsroom, workdir: Path, database_url: str) -> dict[str, str]:
    """The settings every newsroom crawl runs with: its database, the newsroom's hosts and
    sources, lock, cache and spool folders of the test's own, no AutoThrottle."""
    return {
        "DATABASE_URL": database_url,
        "NEWSCRAWL_ALLOWED_PRIVATE_HOSTS": newsroom.allowed_hosts,
        "NEWSCRAWL_SOURCES_FILE": str(newsroom.sources),
        "NEWSCRAWL_LOCK_DIR": str(workdir / "locks"),
        "HTTPCACHE_DIR": str(workdir / "httpcache"),
        "STORE_SPOOL_DIR": str(workdir / "spool"),
        # AutoThrottle's 0.5 s between requests to a host is timing, tested on its own
        # (test_security_politeness); here it would only make each crawl seconds longer
        "AUTOTHROTTLE_ENABLED": "False",
        "LOG_LEVEL": "INFO",
        "TELNETCONSOLE_ENABLED": "False",
    }


def crawl_newsroom(
    reactor: Any,
    spider: str,
    *,
    newsroom: Newsroom,
    workdir: Path,
    database_url: str,
    settings: dict[str, Any] | None = None,
    **spider_args: Any,
) -> tuple[Crawled, list[dict[str, Any]]]:
    """``scrapy crawl SPIDER -a NAME=VALUE… -o items.jsonl`` against the newsroom, in this
    process: the crawl and the items its feed export wrote."""
    workdir.mkdir(parents=True, exist_ok=True)
    items = workdir / f"items-{len(list(workdir.glob('items-*.jsonl')))}.jsonl"
    merged = {
        **newsroom_settings(newsroom, workdir, database_url),
        # pages processed in the crawler's thread: the same process_page as in a worker
        # (test_extract_worker, test_reliability_workers and the crawls of ``run_scrapy``
        # run the workers), without starting two Python processes per crawl
        "NEWSCRAWL_EXTRACT_WORKERS": "0",
        "FEEDS": {str(items): {"format": "jsonlines"}},
        **(settings or {}),
    }
    crawled = crawl(reactor, spider, merged, timeout=180, **spider_args)
    found = [json.loads(line) for line in items.read_text().splitlines()] if items.exists() else []
    return crawled, found


@dataclass
class CrawlResult:
    returncode: int
    log: str


def run_scrapy(
    args: list[str],
    *,
    newsroom: Newsroom,
    workdir: Path,
    database_url: str,
    settings: dict[str, str] | None = None,
    timeout: float = 300,
) -> CrawlResult:
    """``scrapy crawl ARGS`` (or ``newscrawl ARGS…`` when ARGS start with ``newscrawl``)
    against the newsroom into ``database_url``."""
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / f"crawl-{len(list(workdir.glob('crawl-*.log')))}.log"
    merged = {
        **newsroom_settings(newsroom, workdir, database_url),
        "LOG_FILE": str(log),
        # no extraction workers unless a test asks for them: two more Python processes
        # per crawl that the tests about locks, JOBDIR and exit codes do not need
        "NEWSCRAWL_EXTRACT_WORKERS": "0",
        **(settings or {}),
    }
    command = [sys.executable, "-m", "scrapy", "crawl", *args]
    if args and args[0] == "newscrawl":  # the project's own CLI instead of `scrapy crawl`
        command = [sys.executable, "-m", "newscrawl", *args[1:]]
    for key, value in merged.items():
        command += ["-s", f"{key}={value}"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSCRAWL_")}
    done = subprocess.run(command, cwd=ROOT, env=env, timeout=timeout, capture_output=True)
    text = log.read_text() if log.exists() else ""
    return CrawlResult(done.returncode, text + done.stderr.decode(errors="replace"))
