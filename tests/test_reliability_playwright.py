"""Issue 7 item 10: the browser under stress, in real crawls with Debian's chromium.

The crawls run in the test process (:mod:`tests.reactorkit`), except the one whose memory is
measured: that one is a process of its own, so that its figure is its own.

* chromium SIGKILLed mid-crawl (twice): scrapy-playwright (0.0.48) launches a new browser on the
  next request and retries the requests that were in the dead one (``TargetClosedError``,
  up to 3 times), so every page ends up rendered;
* many rendered pages: every page scrapy-playwright opened is closed again (the browser's
  memory over 200 pages is ``bench/browser_memory.py``'s figure);
* a page whose ``PageMethod`` fails (selector timeout, script that throws) fails alone: it
  is counted, logged, not retried, and the crawl finishes in bounded time;
* huge subresources (a 300 MB script, stylesheet or XHR) are refused at
  ``DOWNLOAD_MAXSIZE`` (``newscrawl.engine.browser_hooks.limit_subresources``), counted, and the
  browser's memory stays where one small page puts it; small chunked or gzipped scripts
  still run.

Each test prints its figures (``pytest -s``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.crawlkit import crawl_here, descendants_running, run_crawl
from tests.mockserver import MockServer

pytestmark = [pytest.mark.slow, pytest.mark.browser]

if not Path(os.environ.get("NEWSCRAWL_CHROMIUM", "/usr/bin/chromium")).exists():
    pytest.skip("chromium is not installed", allow_module_level=True)


def chromium_pids() -> list[int]:
    """The chromium processes started by this test's crawls (children of pytest)."""
    return descendants_running(os.getpid(), b"chromium")


@dataclass
class Watcher:
    """Polls the mockserver's request log from a thread and counts rendered pages (hits of
    ``/app.js``, which only a browser fetches); runs ``actions[n]`` once n pages rendered."""

    server: MockServer
    actions: dict[int, Any]
    done: dict[int, Any] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)

    def rendered(self) -> int:
        return sum(r["path"].startswith("/app.js") for r in self.server.log())

    def run(self) -> None:
        while not self.stop.is_set():
            count = self.rendered()
            for at, action in sorted(self.actions.items()):
                if count >= at and at not in self.done:
                    self.done[at] = (count, action())
            time.sleep(0.1)

    def __enter__(self) -> Watcher:
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(5)


def kill_chromium() -> list[int]:
    pids = chromium_pids()
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return pids


def settings_for(server: MockServer, **extra: Any) -> dict[str, Any]:
    return {
        "NEWSCRAWL_ALLOWED_PRIVATE_HOSTS": [server.hostport()],
        "TELNETCONSOLE_ENABLED": False,
        **extra,
    }


def rendered_titles(result: Any) -> dict[str, str]:
    return {i["url"]: i["h1"] for i in result.items if "/app/" in i["url"]}


def test_browser_killed_mid_crawl_is_restarted(reactor: Any) -> None:
    """chromium is SIGKILLed twice: after 5 and after 12 of 20 pages were rendered."""
    pages = 20
    with MockServer() as server:
        urls = [server.url(f"/app/{n}?s=0.3") for n in range(1, pages + 1)]
        with Watcher(server, {5: kill_chromium, 12: kill_chromium}) as watcher:
            # a request can still be left waiting after a double kill (1 of 5 parallel runs:
            # "requests past the deadline 1", 80 s); the deadline that rescues it defaults to
            # 60 s, so two such waits could outlast the crawl's 120 s: here it is 20 s
            settings = settings_for(server, NEWSCRAWL_BROWSER_REQUEST_DEADLINE=20)
            result = crawl_here(reactor, urls, playwright=True, settings=settings)
        log = server.log()
    kills = [(at, len(pids)) for at, pids in watcher.done.values()]
    titles = rendered_titles(result)
    print(
        f"\n(pages rendered, chromium processes killed): {kills}; browsers launched "
        f"{result.stat('playwright/browser_count')}; pages stored {len(titles)}/{pages}; "
        f"app.js fetched {sum(r['path'].startswith('/app.js') for r in log)} times; "
        f"requests past the deadline {result.stat('newscrawl/browser/request_deadline')}; "
        f"{result.seconds:.1f} s"
    )
    assert all(killed for _, killed in kills), "no chromium process found to kill"
    assert result.stat("playwright/browser_count") == 3
    # a page lost here was seen once in CI: keep what the crawl said about it
    seen = f"failures: {result.failures}\ncrawl log (end):\n{result.log[-6000:]}"
    assert titles == {u: f"App {u.split('/app/')[1].split('?')[0]}" for u in urls}, seen
    assert result.failures == []
    assert result.stats["finish_reason"] == "finished"


def test_many_pages_leave_no_page_open(reactor: Any) -> None:
    """Ten times the pages the browser holds at once (PLAYWRIGHT_MAX_PAGES_PER_CONTEXT):
    each one is closed again."""
    pages = 40
    with MockServer() as server:
        urls = [server.url(f"/app/{n}") for n in range(1, pages + 1)]
        result = crawl_here(reactor, urls, playwright=True, settings=settings_for(server))
    opened = result.stat("playwright/page_count")
    closed = result.stat("playwright/page_count/closed")
    print(
        f"\npages opened {opened}, closed {closed}, max concurrent "
        f"{result.stat('playwright/page_count/max_concurrent')}; {result.seconds:.1f} s"
    )
    assert len(rendered_titles(result)) == pages
    assert opened == pages
    assert closed == opened


class FailingPageMethods:
    """Test-only downloader middleware: gives the requests of ``/app/<n>`` listed in
    ``TEST_FAILING_PAGES`` a page method that fails (a selector that never appears, or a
    script that throws)."""

    def __init__(self, failing: dict[str, str]) -> None:
        self.failing = failing

    @classmethod
    def from_crawler(cls, crawler: Any) -> FailingPageMethods:
        return cls(crawler.settings.getdict("TEST_FAILING_PAGES"))

    def process_request(self, request: Any) -> None:
        from scrapy_playwright.page import PageMethod

        kind = self.failing.get(request.url.split("/app/")[-1].split("?")[0])
        if kind is None or "playwright_page_methods" in request.meta:
            return
        method = (
            PageMethod("wait_for_selector", "#never-there", timeout=1000)
            if kind == "timeout"
            else PageMethod("evaluate", "() => { throw new Error('page script failed') }")
        )
        request.meta["playwright_page_methods"] = [method]


def test_failing_page_action_does_not_stall_the_crawl(reactor: Any) -> None:
    pages, failing = 12, {"3": "timeout", "7": "throw", "9": "timeout"}
    with MockServer() as server:
        urls = [server.url(f"/app/{n}") for n in range(1, pages + 1)]
        settings = settings_for(
            server,
            TEST_FAILING_PAGES=failing,
            DOWNLOADER_MIDDLEWARES={f"{__name__}.FailingPageMethods": 50},
        )
        result = crawl_here(reactor, urls, playwright=True, settings=settings, timeout=120)
    titles = rendered_titles(result)
    failed = {f["url"].split("/app/")[1]: f["type"] for f in result.failures}
    print(
        f"\n{len(titles)} pages rendered, failed {failed}; pages opened "
        f"{result.stat('playwright/page_count')} closed "
        f"{result.stat('playwright/page_count/closed')}; {result.seconds:.1f} s"
    )
    assert set(failed) == set(failing)
    assert len(titles) == pages - len(failing)
    assert result.stat("playwright/page_count/closed") == result.stat("playwright/page_count")
    assert result.log.count("Closing page due to failed request") == len(failing)
    assert result.stats["finish_reason"] == "finished"
    assert result.seconds < 60


class WaitForNetworkIdle:
    """Test-only downloader middleware: render as the spiders do (``networkidle``), so
    that XHRs started by a page finish before the page is read."""

    def process_request(self, request: Any) -> None:
        request.meta.setdefault("playwright_page_goto_kwargs", {"wait_until": "networkidle"})


def test_huge_subresources_are_refused_and_counted() -> None:
    huge = {
        "script, Content-Length": "/subresources?to=/big?mb=300&kind=script",
        "stylesheet, chunked": "/subresources?to=/big?mb=300%26chunked=1&kind=style",
        "XHR read, Content-Length": "/subresources?to=/big?mb=300&kind=fetch-text",
        # not covered: "/subresources?to=/gzip-bomb&kind=fetch-text" (see render.py)
    }
    small = {"plain": "/app/1", "chunked": "/app/2?via=chunked", "gzip": "/app/3?via=gzip"}
    with MockServer() as server:
        settings = settings_for(
            server, DOWNLOADER_MIDDLEWARES={f"{__name__}.WaitForNetworkIdle": 50}
        )
        # the control: the same pages rendered side by side, their subresources 1 MB, so
        # that only the size differs (more pages at once means more renderer processes)
        control = [p.replace("mb=300", "mb=1") for p in huge.values()]
        baseline = run_crawl([server.url(p) for p in [*control, *small.values()]],
                             playwright=True, settings=settings)  # fmt: skip
        urls = [server.url(p) for p in [*huge.values(), *small.values()]]
        result = run_crawl(urls, playwright=True, settings=settings)
        served = {r["path"]: r["end"] - r["start"] for r in server.log() if "big" in r["path"]}
    h1 = {i["url"].removeprefix(server.url("")): i["h1"] for i in result.items}
    print(
        f"\nrefused {result.stat('newscrawl/browser/subresource_too_big')} of {len(huge)} "
        f"huge subresources; crawler+browser peak anonymous memory "
        f"{result.tree_peak_anonymous_mb:.0f} MB vs {baseline.tree_peak_anonymous_mb:.0f} MB with "
        f"1 MB ones; {result.seconds:.1f} s; "
        f"seconds the server spent sending each: "
        + ", ".join(f"{p}: {t:.2f}" for p, t in served.items())
    )
    assert result.failures == []
    assert {p: h1[p] for p in huge.values()} == dict.fromkeys(huge.values(), "Sub")
    assert {p: h1[p] for p in small.values()} == {p: f"App {p[5]}" for p in small.values()}
    assert result.stat("newscrawl/browser/subresource_too_big") == len(huge)
    assert baseline.stat("newscrawl/browser/subresource_too_big") == 0
    # anonymous memory, not PSS: PSS shrinks while another test's chromium maps the binary
    assert result.tree_peak_anonymous_mb < baseline.tree_peak_anonymous_mb + 150


def test_playwright_starts_only_when_a_page_needs_the_browser(reactor: Any) -> None:
    """A crawl that renders nothing never starts Playwright's driver (a Node.js process
    per download handler, ~95 MB each); the first page that needs the browser does."""
    with MockServer() as server:
        plain = crawl_here(reactor, [server.url("/article/1")], settings=settings_for(server))
        rendered = crawl_here(
            reactor, [server.url("/app/1?s=0.1")], playwright=True, settings=settings_for(server)
        )
    assert plain.items and "Starting download handler" not in plain.log
    assert plain.stat("playwright/browser_count") == 0
    assert rendered_titles(rendered) and "Starting download handler" in rendered.log
    assert rendered.stat("playwright/browser_count") == 1
