"""Crawls in the test process, as Scrapy's own tests run them.

The asyncio reactor is installed once and runs in a daemon thread for the rest of the
session (the ``reactor`` fixture); a test hands a crawl to it and waits for the crawl's
end (:func:`crawl`). Starting Python and importing Scrapy once instead of once per crawl is
what makes the end-to-end tests take seconds: only tests about processes (signals, exit
codes, JOBDIR, cron locks, a worker's death, memory) still start a ``scrapy crawl``.

Each crawl installs its ``TWISTED_DNS_RESOLVER`` on the reactor first, as ``CrawlerProcess``
does. The crawl's log records (every logger, at ``LOG_LEVEL``) are kept as text on the returned
:class:`Crawled`, formatted as ``scrapy crawl`` writes them, so a test can read the log
as it would read a ``scrapy crawl``'s stderr.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from newscrawl.run.outcome import exit_code, failure_reasons

ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"


def install_asyncio_reactor() -> None:
    """Install the project's reactor (``TWISTED_REACTOR``) before anything imports
    ``twisted.internet.reactor``, which would install Twisted's default one for good.
    tests/conftest.py calls it when pytest loads it, before any test module is imported."""
    import sys

    from scrapy.utils.reactor import install_reactor, verify_installed_reactor

    if "twisted.internet.reactor" in sys.modules:
        verify_installed_reactor(ASYNCIO_REACTOR)
    else:
        install_reactor(ASYNCIO_REACTOR)


@pytest.fixture(scope="session")
def reactor() -> Iterator[Any]:
    """The asyncio reactor, running in a daemon thread for the rest of the session."""
    install_asyncio_reactor()
    from twisted.internet import reactor as installed

    running: Any = installed  # the installed reactor's own type, not the module's
    thread = threading.Thread(
        target=running.run, kwargs={"installSignalHandlers": False}, daemon=True
    )
    thread.start()
    yield running
    running.callFromThread(running.stop)
    thread.join(30)


def in_reactor(reactor: Any, start: Callable[[], Any], timeout: float) -> Any:
    """Call ``start`` on the reactor's thread and wait (at most ``timeout`` seconds) for the
    Deferred or coroutine it returns; its result, or its exception raised here."""
    from twisted.internet import defer
    from twisted.python.failure import Failure

    finished = threading.Event()
    box: dict[str, Any] = {}

    def end(outcome: Any) -> None:
        box["outcome"] = outcome
        finished.set()

    def begin() -> None:
        defer.maybeDeferred(start).addBoth(end)

    reactor.callFromThread(begin)
    if not finished.wait(timeout):
        raise AssertionError(f"the crawl did not finish in {timeout} s")
    outcome = box["outcome"]
    if isinstance(outcome, Failure):
        outcome.raiseException()
    return outcome


@dataclass
class Crawled:
    """One in-process crawl: its crawler (stats, settings, spider) and its log."""

    crawler: Any
    log: str

    @property
    def stats(self) -> dict[str, Any]:
        return dict(self.crawler.stats.get_stats() or {})

    def stat(self, key: str) -> int:
        return int(self.stats.get(key, 0))

    @property
    def failures(self) -> list[str]:
        """Why ``scrapy crawl`` would call this run failed (empty: it would not)."""
        return failure_reasons(self.stats)

    @property
    def returncode(self) -> int:
        """The exit code ``scrapy crawl`` would end this run with (no signal involved)."""
        return exit_code(self.stats, self.failures)


@contextmanager
def captured_log(level: str) -> Iterator[io.StringIO]:
    """Every log record at ``level`` or above, formatted as Scrapy formats them."""
    from scrapy.settings.default_settings import LOG_DATEFORMAT, LOG_FORMAT

    text = io.StringIO()
    handler = logging.StreamHandler(text)
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(LOG_FORMAT, LOG_DATEFORMAT))
    root = logging.getLogger()
    before = root.level
    root.addHandler(handler)
    root.setLevel(min(before, handler.level) if before else handler.level)
    try:
        yield text
    finally:
        root.removeHandler(handler)
        root.setLevel(before)


def project_settings(settings: dict[str, Any]) -> Any:
    """``newscrawl.settings`` with ``settings`` on top (priority ``cmdline``, as ``-s``)."""
    from scrapy.settings import Settings

    project = Settings()
    project.setmodule("newscrawl.settings", priority="project")
    project.set("TELNETCONSOLE_ENABLED", False, priority="cmdline")
    project.setdict(settings, priority="cmdline")
    return project


def install_resolver(reactor: Any, runner: Any) -> None:
    """``TWISTED_DNS_RESOLVER`` on the reactor, as ``CrawlerProcess`` installs it when it
    starts (``CrawlerRunner`` leaves the reactor's resolver alone): the project's resolver
    is part of its SSRF policy, built from this crawl's settings."""
    from scrapy.utils.misc import build_from_crawler, load_object

    resolver_class = load_object(runner.settings["TWISTED_DNS_RESOLVER"])
    build_from_crawler(resolver_class, runner, reactor=reactor).install_on_reactor()


def crawl(
    reactor: Any,
    spider: type | str,
    settings: dict[str, Any] | Any,
    *,
    timeout: float = 120,
    prepare: Callable[[Any], None] | None = None,
    **spider_args: Any,
) -> Crawled:
    """Run one crawl of ``spider`` (a class, or a name the project's spider loader knows)
    with the project settings plus ``settings`` and wait for its end. ``prepare(crawler)``
    runs before the crawl starts (to connect signals)."""
    from scrapy.crawler import CrawlerRunner

    merged = project_settings(settings) if isinstance(settings, dict) else settings
    holder: dict[str, Any] = {}

    def start() -> Any:
        runner = CrawlerRunner(merged)
        install_resolver(reactor, runner)
        crawler = holder["crawler"] = runner.create_crawler(spider)
        if prepare is not None:
            prepare(crawler)
        return runner.crawl(crawler, **spider_args)

    with captured_log(merged.get("LOG_LEVEL") or "INFO") as log, process_gc_restored():
        try:
            in_reactor(reactor, start, timeout)
        except AssertionError:
            crawler = holder.get("crawler")
            if crawler is not None and crawler.engine is not None:
                reactor.callFromThread(crawler.stop)
            raise
    return Crawled(holder["crawler"], log.getvalue())


@contextmanager
def process_gc_restored() -> Iterator[None]:
    """The collector as it was before the crawl: a crawl tunes it for the rest of its process
    (``NEWSCRAWL_GC_TUNING``: start-up objects frozen, thresholds raised), and here the
    process goes on with other tests."""
    import gc

    thresholds = gc.get_threshold()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
