"""``scrapy crawl`` with exit codes cron can trust and one line per problem (for cron and
systemd).

Scrapy's own command exits 1 only when the crawler could not start; this one also fails a
run that logged errors, dropped or lost too many items or was flagged by the spider
(:func:`newscrawl.run.outcome.failure_reasons`), exits 2 when the crawl cannot start as asked (a
spider argument, an unknown source, a database that cannot be used) and 128 + the signal
number when Ctrl-C or SIGTERM stopped it (:mod:`newscrawl.run.outcome`). A spider that refuses its
arguments is one ERROR line, not a traceback (``-L DEBUG`` shows the traceback). A ``JOBDIR``
that another crawl is using is refused at once (:mod:`newscrawl.run.jobdir`).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from typing import Any

from filelock import FileLock
from scrapy import Spider
from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import CloseSpider, NotConfigured, UsageError
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from newscrawl.run.jobdir import JobDirLocked, acquire
from newscrawl.run.locks import CrawlLocked
from newscrawl.run.outcome import EXIT_FAILED, EXIT_USAGE, exit_code, failure_reasons, signal_name
from newscrawl.run.stops import StopSignals
from newscrawl.sources import SourceError
from newscrawl.store.problems import DatabaseProblem

logger = logging.getLogger(__name__)

#: Errors of a crawl that cannot start as asked: one line, exit code 2.
CONFIGURATION_ERRORS = (NotConfigured, SourceError, UsageError, ValueError)


def _hold_jobdir(value: str | None) -> FileLock | None:
    """Lock ``JOBDIR`` before the spiders are even imported: a second crawl on a busy
    ``JOBDIR`` exits 1 in about the time Python takes to start
    (``newscrawl.extensions.jobdir`` checks again for crawls not started by this command, and
    takes this lock over)."""
    if not value:
        return None
    try:
        return acquire(Path(value), hand_over=True)
    except JobDirLocked as err:
        print(f"ERROR: {err}; not starting", file=sys.stderr, flush=True)
        raise SystemExit(1) from None


def start_error_exit_code(error: BaseException) -> int:
    """Exit code of a crawl whose spider could not be set up."""
    if isinstance(error, CrawlLocked):
        return EXIT_FAILED
    if isinstance(error, DatabaseProblem):
        return error.exit_code
    if isinstance(error, CloseSpider):  # a component refused to open (Scrapy < 2.14 raises it)
        return exit_code({"finish_reason": error.reason}, [error.reason])
    return EXIT_USAGE if isinstance(error, CONFIGURATION_ERRORS) else EXIT_FAILED


class Command(ScrapyCrawlCommand):
    _crawler: Any = None
    _start_error: BaseException | None = None

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None  # Scrapy sets them before it processes options
        self._jobdir_lock = _hold_jobdir(self.settings.get("JOBDIR"))

    def _create_crawler(self, spname: type[Spider] | str) -> Any:
        try:
            self._crawler = super()._create_crawler(spname)
        except KeyError:  # the spider loader's "Spider not found"
            assert self.crawler_process is not None
            names = ", ".join(sorted(self.crawler_process.spider_loader.list()))
            raise UsageError(f"no spider named {spname!r} (spiders: {names})") from None
        return self._crawler

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one spider name, e.g. scrapy crawl news -a start_urls=URL")
        process = self.crawler_process
        assert process is not None
        stops = StopSignals.watch(process)
        started = process.crawl(self._create_crawler(args[0]), **opts.spargs)
        self._watch_start(started)
        process.start()
        if self._start_error is not None:
            self._report_start_error(self._start_error)
            return
        crawler = self._crawler
        stats = crawler.stats.get_stats() if crawler is not None and crawler.stats else {}
        assert self.settings is not None
        reasons = failure_reasons(
            stats, max_drop_share=self.settings.getfloat("NEWSCRAWL_MAX_DROP_SHARE", 0.5)
        )
        if stops.received:
            forced = " (forced)" if stops.forced else ""
            reasons.insert(0, f"stopped by {signal_name(stops.received)}{forced}")
        self.exitcode = exit_code(stats, reasons, stops.received)
        if reasons:
            logger.error("crawl failed: %s", "; ".join(reasons))

    def _watch_start(self, started: Any) -> None:
        """Keep the exception of a crawl that failed to start, instead of letting asyncio or
        Twisted print it as "Task exception was never retrieved" / "Unhandled error"."""

        def keep(error: BaseException) -> None:
            self._start_error = error

        if isinstance(started, asyncio.Future):

            def done(task: asyncio.Future) -> None:
                error = None if task.cancelled() else task.exception()
                if error is not None:
                    keep(error)

            started.add_done_callback(done)
        elif isinstance(started, Deferred):

            def failed(failure: Failure) -> None:
                if failure.value is not None:
                    keep(failure.value)

            started.addErrback(failed)

    def _report_start_error(self, error: BaseException) -> None:
        self.exitcode = start_error_exit_code(error)
        logger.debug("the crawl could not start", exc_info=error)
        if isinstance(error, CrawlLocked):  # the spider has said why
            return
        if isinstance(error, CloseSpider):
            logger.error("crawl failed: %s", error.reason)
        elif isinstance(error, (*CONFIGURATION_ERRORS, DatabaseProblem)):
            logger.error("cannot start the crawl: %s", error)
        else:
            logger.error("the crawl could not start: %s: %s", type(error).__name__, error)
