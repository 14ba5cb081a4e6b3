"""``newscrawl crawl --all`` / ``newscrawl crawl NAME…``: crawl sources of ``sources.toml``.

Sources run one after another (default) or all at once (``--concurrent``) in one process,
each through the ``source`` spider. The exit code is 1 when any source's crawl failed
(:func:`newscrawl.outcome.failure_reasons`), so cron and systemd see failures.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from newscrawl.outcome import failure_reasons
from newscrawl.sources import SourceError, load_sources

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class SourceRun:
    """What one source's crawl did."""

    name: str
    stats: dict[str, Any] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def project_settings(overrides: dict[str, Any]) -> Any:
    """The project's Scrapy settings with command-line overrides (priority ``cmdline``).

    Always ``newscrawl.settings``: not another project's named by a ``scrapy.cfg`` in the
    working directory or by ``SCRAPY_SETTINGS_MODULE`` in the environment."""
    os.environ["SCRAPY_SETTINGS_MODULE"] = "newscrawl.settings"
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    settings.setdict(overrides, priority="cmdline")
    return settings


def run_sources(
    names: Sequence[str],
    overrides: dict[str, Any],
    *,
    concurrent: bool = False,
    spider_args: dict[str, Any] | None = None,
    on_crawler: Callable[[Any], None] | None = None,
) -> list[SourceRun]:
    """Crawl each named source with the ``source`` spider in this process."""
    from scrapy.crawler import CrawlerProcess
    from twisted.internet import defer
    from twisted.python.failure import Failure

    settings = project_settings(overrides)
    process = CrawlerProcess(settings)
    runs = {name: SourceRun(name) for name in names}
    max_drop = settings.getfloat("NEWSCRAWL_MAX_DROP_SHARE", 0.5)

    def crawl(name: str) -> defer.Deferred:
        crawler = process.create_crawler("source")
        if on_crawler is not None:
            on_crawler(crawler)
        d = process.crawl(crawler, name=name, **(spider_args or {}))

        def done(result: Any) -> Any:
            try:
                stats = crawler.stats.get_stats()
            except RuntimeError:  # Scrapy 2.13+: no stats when the crawl failed to start
                stats = {}
            runs[name].stats = dict(stats)
            runs[name].failures = failure_reasons(stats, max_drop_share=max_drop)
            if isinstance(result, Failure):
                runs[name].failures.insert(0, f"did not start: {result.getErrorMessage()}")
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
                yield crawl(name)

        one_after_another()
        process.start()
    return [runs[name] for name in names]


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "crawl",
        help="crawl sources defined in sources.toml",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help="source names")
    parser.add_argument("--all", action="store_true", help="every enabled source")
    parser.add_argument("--concurrent", action="store_true", help="run the sources at once")
    parser.add_argument(
        "--sources",
        help="sources file (default: $NEWSCRAWL_SOURCES_FILE, else newscrawl/data/sources.toml "
        "inside the package)",
    )
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: DATABASE_URL)")
    parser.add_argument("--max-articles", type=int, help="stop each source after N articles")
    parser.add_argument(
        "--distributed",
        action="store_true",
        help="work as one of many workers on scrapy-redis (see docs/scale.md); names or "
        "--all are pushed as seeds first",
    )
    parser.add_argument("--redis-url", help="Redis for --distributed (default: REDIS_URL)")
    parser.add_argument("--prefix", help="Redis key prefix for --distributed (one per crawl)")
    parser.add_argument(
        "-s",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a Scrapy setting (repeatable)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.distributed:
        from newscrawl.distributed.worker import run_worker

        return run_worker(args)
    try:
        sources = load_sources(args.sources)
    except SourceError as err:
        print(f"newscrawl crawl: {err}", file=sys.stderr)
        return 2
    if args.all == bool(args.names):
        print("newscrawl crawl: give source names or --all (not both)", file=sys.stderr)
        return 2
    names = [s.name for s in sources.values() if s.enabled] if args.all else args.names
    unknown = [n for n in names if n not in sources]
    if unknown:
        print(f"newscrawl crawl: unknown sources: {', '.join(unknown)}", file=sys.stderr)
        return 2
    overrides: dict[str, Any] = {}
    for item in args.settings:
        key, sep, value = item.partition("=")
        if not sep:
            print(f"newscrawl crawl: -s wants NAME=VALUE, not {item!r}", file=sys.stderr)
            return 2
        overrides[key] = value
    if args.sources:
        overrides["NEWSCRAWL_SOURCES_FILE"] = args.sources
    if args.database_url:
        overrides["DATABASE_URL"] = args.database_url
    spider_args = {"max_articles": args.max_articles} if args.max_articles else {}
    runs = run_sources(names, overrides, concurrent=args.concurrent, spider_args=spider_args)
    print(f"{'source':<16} {'pages':>6} {'articles':>8}  result", file=sys.stderr)
    for r in runs:
        pages = r.stats.get("response_received_count", 0)
        items = r.stats.get("item_scraped_count", 0)
        result = "ok" if r.ok else "FAILED: " + "; ".join(r.failures)
        print(f"{r.name:<16} {pages:>6} {items:>8}  {result}", file=sys.stderr)
    return 0 if all(r.ok for r in runs) else 1
