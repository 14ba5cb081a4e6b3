"""Issue 13: exit codes cron can trust, shown with real processes.

* Ctrl-C twice (a forced stop) or SIGTERM once during ``newscrawl crawl --all`` (against a slow
  loopback site) or ``newscrawl demo`` exits 130 / 143, and the sources that never ran say
  ``not run``, not ``ok``; ``scrapy crawl`` stopped by SIGTERM exits 143 and says so once;
* items the store rejects count like dropped ones against ``NEWSCRAWL_MAX_DROP_SHARE``;
* ``newscrawl extract`` exits 1 when any input failed (one stderr line each), 2 for a bad
  ``--url``.
"""

from __future__ import annotations

import gzip
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from newscrawl.store import upgrade
from newscrawl.store.engine import create_engine
from newscrawl.store.schema import crawl_runs
from tests.clikit import newscrawl
from tests.mockserver import MockServer
from tests.newsroomkit import ROOT, newsroom_fixture  # noqa: F401  (fixture)
from tests.test_reliability_cron import crawl_command, run, write_sources

ENV = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSCRAWL_", "DATABASE_URL"))}
SOURCES = 3
#: Seconds each start URL takes to answer: long enough to be stopped in flight.
DELAY = 4


class Proc:
    """A subprocess whose combined output goes to a file (read at any time)."""

    def __init__(self, command: list[str]) -> None:
        self.file = tempfile.TemporaryFile()  # noqa: SIM115  (closed in finish())
        self.proc = subprocess.Popen(command, cwd=ROOT, env=ENV, stdout=self.file,
                                     stderr=subprocess.STDOUT)  # fmt: skip

    @property
    def output(self) -> str:
        self.file.seek(0)
        return self.file.read().decode(errors="replace")

    def signal(self, signum: int) -> None:
        self.proc.send_signal(signum)

    def finish(self, timeout: float = 120) -> tuple[int, str]:
        try:
            code = self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        out = self.output
        self.file.close()
        return code, out


def wait_for(condition: Callable[[], bool], proc: Proc, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert proc.proc.poll() is None, f"ended early:\n{proc.output[-3000:]}"
        assert time.monotonic() < deadline, f"timed out:\n{proc.output[-3000:]}"
        time.sleep(0.05)


def slow_sources(server: MockServer, path: Path) -> Path:
    """Three sources whose only start URL answers after DELAY seconds."""
    path.write_text("".join(
        f'[[source]]\nname = "slow{n}"\nstart_urls = ["{server.url(f"/delay?s={DELAY}&n={n}")}"]'
        "\n\n" for n in range(1, SOURCES + 1)
    ))  # fmt: skip
    return path


def crawl_all(server: MockServer, tmp_path: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "newscrawl", "crawl", "--all", *extra,
            "--sources", str(slow_sources(server, tmp_path / "sources.toml")),
            "--database-url", f"sqlite:///{tmp_path / 'news.db'}",
            "-s", f"NEWSCRAWL_ALLOWED_PRIVATE_HOSTS={server.hostport()}",
            "-s", f"NEWSCRAWL_LOCK_DIR={tmp_path / 'locks'}", "-s", "HTTPCACHE_ENABLED=False",
            "-s", "TELNETCONSOLE_ENABLED=False", "-s", "LOG_LEVEL=INFO"]  # fmt: skip


def start_url_in_flight(server: MockServer, n: int = 1) -> Callable[[], bool]:
    return lambda: any(f"n={n}" in r["path"] and "end" not in r for r in server.log())


def result_column(output: str) -> dict[str, str]:
    """``newscrawl crawl``'s table: source -> result."""
    rows = re.findall(r"^(slow\d)\s+\d+\s+\d+\s+(.+)$", output, flags=re.M)
    return dict(rows)


@pytest.fixture
def server():
    with MockServer() as running:
        yield running


# --- (1) a stop by a signal ----------------------------------------------------------------------


@pytest.mark.slow
def test_ctrl_c_twice_during_crawl_all_exits_130_and_says_not_run(server, tmp_path) -> None:
    proc = Proc(crawl_all(server, tmp_path))
    wait_for(start_url_in_flight(server), proc)
    proc.signal(signal.SIGINT)
    time.sleep(0.5)
    proc.signal(signal.SIGINT)  # the second one forces the stop
    code, out = proc.finish()
    results = result_column(out)
    print(f"\nforced stop: exit {code}, results {results}")
    assert code == 130, out[-3000:]
    assert "Traceback" not in out, out[-5000:]
    assert results == {
        "slow1": "STOPPED by SIGINT (forced) before the end",
        "slow2": "not run",
        "slow3": "not run",
    }, out[-3000:]
    assert not any("n=2" in r["path"] or "n=3" in r["path"] for r in server.log())


@pytest.mark.slow
@pytest.mark.parametrize("concurrent", [False, True], ids=["one after another", "concurrent"])
def test_sigterm_during_crawl_all_exits_143(server, tmp_path, concurrent) -> None:
    proc = Proc(crawl_all(server, tmp_path, *(["--concurrent"] if concurrent else [])))
    wait_for(start_url_in_flight(server), proc)
    proc.signal(signal.SIGTERM)  # graceful: the page in flight is finished, no source starts
    code, out = proc.finish()
    results = result_column(out)
    print(f"\nSIGTERM ({'concurrent' if concurrent else 'sequential'}): exit {code}, {results}")
    assert code == 143, out[-3000:]
    assert "Traceback" not in out, out[-5000:]
    assert "ok" not in results.values()
    assert results["slow1"] == "STOPPED by SIGTERM before the end"
    if not concurrent:
        assert (results["slow2"], results["slow3"]) == ("not run", "not run"), out[-3000:]


@pytest.mark.slow
def test_ctrl_c_twice_during_demo_exits_130_and_says_not_run(tmp_path) -> None:
    proc = Proc([sys.executable, "-m", "newscrawl", "demo", "--port", "0",
                 "--database-url", f"sqlite:///{tmp_path / 'demo.db'}"])  # fmt: skip
    wait_for(lambda: "crawling:" in proc.output, proc)  # the first page of the first source
    proc.signal(signal.SIGINT)
    time.sleep(0.3)
    proc.signal(signal.SIGINT)
    code, out = proc.finish()
    print(f"\ndemo stopped: exit {code}\n{out[-600:]}")
    assert code == 130, out[-3000:]
    assert "Traceback" not in out, out[-5000:]
    assert re.search(r"^source inkl: not run$", out, flags=re.M), out[-3000:]  # runs last
    assert re.search(r"^source \w+: STOPPED by SIGINT", out, flags=re.M), out[-3000:]


@pytest.mark.slow
def test_scrapy_crawl_stopped_by_sigterm_exits_143_and_says_it_once(server, tmp_path) -> None:
    proc = Proc([sys.executable, "-m", "scrapy", "crawl", "news",
                 "-a", f"start_urls={server.url(f'/delay?s={DELAY}&n=1')}",
                 "-s", f"DATABASE_URL=sqlite:///{tmp_path / 'news.db'}",
                 "-s", f"NEWSCRAWL_ALLOWED_PRIVATE_HOSTS={server.hostport()}",
                 "-s", f"NEWSCRAWL_LOCK_DIR={tmp_path / 'locks'}", "-s", "HTTPCACHE_ENABLED=False",
                 "-s", "TELNETCONSOLE_ENABLED=False"])  # fmt: skip
    wait_for(start_url_in_flight(server), proc)
    proc.signal(signal.SIGTERM)
    code, out = proc.finish()
    failed = [line for line in out.splitlines() if "crawl failed" in line]
    print(f"\nscrapy crawl + SIGTERM: exit {code}, {failed}")
    assert code == 143, out[-3000:]
    assert len(failed) == 1, out[-3000:]
    assert "crawl failed: stopped by SIGTERM; finish reason: shutdown" in failed[0]


# --- (2) items the store rejects count like dropped ones -----------------------------------------

#: The store refuses every article (as a constraint would). Refusing all but some would make
#: the count depend on how items fall into batches: a page's variants merge into one row.
REJECT_ALL = """
CREATE TRIGGER reject_every_article BEFORE INSERT ON articles
BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END
"""


@pytest.mark.slow
def test_items_rejected_by_the_store_fail_the_run(newsroom, tmp_path) -> None:
    sources = write_sources(newsroom, tmp_path / "sources.toml", delay=0)

    def crawl(name: str, **settings: object) -> tuple[int, str, Any]:
        url = f"sqlite:///{tmp_path / f'{name}.db'}"
        upgrade(url)
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text(REJECT_ALL))
        done = run(crawl_command(["independent"], sources, url, tmp_path / name, **settings))
        with engine.connect() as connection:
            row = connection.execute(select(crawl_runs)).one()
        engine.dispose()
        return done.returncode, done.output, row

    code, out, row = crawl("rejected")
    rejected = row.drops.get("store_rejected/IntegrityError", 0)
    print(f"\nrejected by the store: exit {code}, {rejected} of {row.items_scraped} scraped")
    assert row.items_scraped >= 4 and rejected == row.items_scraped, out[-3000:]
    assert code == 1, out[-3000:]
    # each rejected item was scraped first: counted once, not twice
    assert (
        f"{rejected} of {row.items_scraped} items dropped (more than 50%): {rejected} rejected "
        "by the store"
    ) in out

    code, out, _ = crawl("allowed", NEWSCRAWL_MAX_DROP_SHARE=1.0)
    assert code == 0, out[-3000:]


# --- (3) extract ---------------------------------------------------------------------------------


def extract(*args: str) -> tuple[int, list[str], list[str]]:
    """``newscrawl extract ARGS`` in this process (test_extract_cli runs the process)."""
    done = newscrawl("extract", *args)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout.splitlines(), done.stderr.splitlines()


def test_extract_exits_1_when_any_input_failed_and_says_which(tmp_path) -> None:
    good = ROOT / "tests" / "fixtures" / "inkl" / "article_lazy.html"
    (tmp_path / "folder").mkdir()
    (tmp_path / "empty.html").write_bytes(b"")
    (tmp_path / "binary.html").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "cut.html.gz").write_bytes(gzip.compress(good.read_bytes())[:200])
    bad = {
        "missing.html": "cannot read: No such file or directory",
        "folder": "cannot read: Is a directory",
        "empty.html": "not a page: empty document",
        "binary.html": "not a page: binary content",
        "cut.html.gz": "truncated gzip file",
    }
    code, out, err = extract(*(str(tmp_path / name) for name in bad))
    assert code == 1
    assert len(out) == len(bad)  # one JSON record per input still
    assert len(err) == len(bad)
    for line, (name, reason) in zip(err, bad.items(), strict=True):
        assert line.startswith(f"newscrawl extract: {tmp_path / name}: {reason}"), line

    code, out, err = extract(str(good), str(tmp_path / "missing.html"), str(good))
    assert (code, len(out), len(err)) == (1, 3, 1)
    code, out, err = extract(str(good))
    assert (code, len(out), err) == (0, 1, [])


@pytest.mark.parametrize("url", ["notaurl", "/relative/path", "javascript:alert(1)", "ftp://x/"])
def test_extract_url_must_be_an_absolute_http_url(url) -> None:
    good = ROOT / "tests" / "fixtures" / "inkl" / "article_lazy.html"
    code, out, err = extract(str(good), "--url", url)
    assert (code, out) == (2, [])
    assert f"--url: not an http(s) URL: {url!r}" in err[-1]
