"""Running crawls in this process: the project's settings, then one source after another
(or all at once) through Scrapy's ``CrawlerProcess``, each run's outcome as cron reads it.

Used by ``newscrawl crawl``, ``newscrawl demo`` and ``newscrawl crawl --distributed``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from newscrawl.run.outcome import exit_code, failure_reasons, signal_exit_code, signal_name
from newscrawl.run.stops import StopSignals

#: SourceRun.state values.
NOT_RUN, RUNNING, DONE = "not run", "running", "done"


@dataclass(slots=True)
class SourceRun:
    """What one source's crawl did."""

    name: str
    stats: dict[str, Any] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    #: ``not run`` (never started), ``running`` (started, never ended: a forced stop),
    #: ``done`` (its crawl ended, well or not).
    state: str = NOT_RUN
    #: The signal that stopped the process while this source was running or waiting.
    stop_signal: int | None = None

    @property
    def ok(self) -> bool:
        return self.state == DONE and not self.failures and not self.stop_signal

    @property
    def result(self) -> str:
        """The result column of ``newscrawl crawl``'s table."""
        if self.state == NOT_RUN:
            return NOT_RUN
        if self.stop_signal:
            forced = " (forced)" if self.state == RUNNING else ""
            return f"STOPPED by {signal_name(self.stop_signal)}{forced} before the end"
        if self.state == RUNNING:
            return "FAILED: did not finish"
        return "ok" if self.ok else "FAILED: " + "; ".join(self.failures)

    @property
    def exit_code(self) -> int:
        if self.stop_signal:
            return signal_exit_code(self.stop_signal)
        if self.state != DONE:
            return 1
        return exit_code(self.stats, self.failures)


def runs_exit_code(runs: Sequence[SourceRun]) -> int:
    """0 when every source succeeded, else the most serious run's code (a signal over a
    configuration problem over a failure)."""
    return max((r.exit_code for r in runs), default=0)


def setting_overrides(items: Sequence[str]) -> dict[str, Any]:
    """``-s NAME=VALUE`` options as settings, split as ``scrapy crawl -s`` splits them
    (Scrapy's ``arglist_to_dict``: at the first ``=``); ValueError naming a malformed one.

    >>> setting_overrides(["LOG_LEVEL=INFO", "USER_AGENT=a=b"])
    {'LOG_LEVEL': 'INFO', 'USER_AGENT': 'a=b'}
    >>> setting_overrides(["NOEQUALS"])
    Traceback (most recent call last):
    ...
    ValueError: -s wants NAME=VALUE, not 'NOEQUALS'
    """
    from scrapy.utils.conf import arglist_to_dict

    for item in items:
        if "=" not in item:
            raise ValueError(f"-s wants NAME=VALUE, not {item!r}")
    return dict(arglist_to_dict(list(items)))


#: Options of ``newscrawl crawl`` that set a setting: (argparse destination, setting).
OPTION_SETTINGS = (
    ("sources", "NEWSCRAWL_SOURCES_FILE"),
    ("database_url", "DATABASE_URL"),
    ("redis_url", "REDIS_URL"),
    ("prefix", "NEWSCRAWL_REDIS_PREFIX"),
)


def command_line_settings(args: Any) -> dict[str, Any]:
    """The settings a ``newscrawl crawl`` command line asks for: its ``-s NAME=VALUE`` options,
    then the options that name a setting (``--database-url``...), which win. ValueError for
    a malformed ``-s``."""
    overrides = setting_overrides(args.settings)
    for option, setting in OPTION_SETTINGS:
        if value := getattr(args, option, None):
            overrides[setting] = value
    return overrides


def project_settings(overrides: dict[str, Any]) -> Any:
    """The project's Scrapy settings with command-line overrides (priority ``cmdline``).

    Always ``newscrawl.settings``: not another project's named by a ``scrapy.cfg`` in the
    working directory or by ``SCRAPY_SETTINGS_MODULE`` in the environment."""
    os.environ["SCRAPY_SETTINGS_MODULE"] = "newscrawl.settings"
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    settings.setdict(overrides, priority="cmdline")
    return settings


def check_database(settings: Any) -> None:
    """Open the crawl's database once before any source runs, as the store pipeline will
    (migrating SQLite unless ``STORE_AUTO_UPGRADE`` says otherwise): a database that cannot be
    used is one :class:`~newscrawl.store.problems.DatabaseProblem`, not one failure per source.
    """
    from newscrawl.store import Store
    from newscrawl.store.engine import database_url_from_env
    from newscrawl.store.problems import explained

    url = database_url_from_env(settings.get("DATABASE_URL"))
    auto = settings.get("STORE_AUTO_UPGRADE")
    auto_upgrade = None if auto is None else settings.getbool("STORE_AUTO_UPGRADE")
    with explained(url):
        Store.open(url, auto_upgrade=auto_upgrade).close()


def run_sources(
    names: Sequence[str],
    overrides: dict[str, Any],
    *,
    concurrent: bool = False,
    spider_args: dict[str, Any] | None = None,
    on_crawler: Callable[[Any], None] | None = None,
    spider: str = "source",
) -> list[SourceRun]:
    """Crawl each named source with the ``source`` spider in this process (another
    ``spider`` runs once per name with ``spider_args`` alone: ``newscrawl import``).

    Raises :class:`~newscrawl.store.problems.DatabaseProblem` before crawling when the
    database cannot be used. After Ctrl-C or SIGTERM no further source starts; each run
    says whether it ran, was stopped (``stop_signal``) or never started (``not run``).
    """
    from scrapy.crawler import CrawlerProcess
    from twisted.internet import defer
    from twisted.python.failure import Failure

    settings = project_settings(overrides)
    check_database(settings)
    process = CrawlerProcess(settings)
    stops = StopSignals.watch(process)
    runs = {name: SourceRun(name) for name in names}
    crawlers: dict[str, Any] = {}
    max_drop = settings.getfloat("NEWSCRAWL_MAX_DROP_SHARE", 0.5)

    def read_stats(name: str) -> dict[str, Any]:
        crawler = crawlers.get(name)
        try:
            return dict(crawler.stats.get_stats()) if crawler and crawler.stats else {}
        except RuntimeError:  # Scrapy 2.13+: no stats when the crawl failed to start
            return {}

    def crawl(name: str) -> defer.Deferred:
        crawler = crawlers[name] = process.create_crawler(spider)
        if on_crawler is not None:
            on_crawler(crawler)
        runs[name].state = RUNNING
        named = {"name": name} if spider == "source" else {}
        d = process.crawl(crawler, **named, **(spider_args or {}))

        def done(result: Any) -> Any:
            run = runs[name]
            run.state = DONE
            run.stats = read_stats(name)
            run.failures = failure_reasons(run.stats, max_drop_share=max_drop)
            if isinstance(result, Failure):
                run.failures.insert(0, f"did not start: {result.getErrorMessage()}")
                return None
            return result

        return d.addBoth(done)

    if concurrent:
        for name in names:
            crawl(name)
        process.start()
    else:

        @defer.inlineCallbacks
        def one_after_another() -> Any:
            for name in names:
                if stops.received:  # Ctrl-C or SIGTERM: the sources left do not start
                    return
                yield crawl(name)

        one_after_another()
        process.start()
    for name, run in runs.items():
        if run.state == RUNNING:  # a forced stop: its crawl never ended
            run.stats = read_stats(name)
        stopped = run.state != DONE or run.stats.get("finish_reason") == "shutdown"
        if stops.received and stopped:
            run.stop_signal = stops.received
    return [runs[name] for name in names]
