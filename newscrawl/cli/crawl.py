"""``newscrawl crawl --all | NAME… | --publisher NAME… | --country XX | --language xx``: crawl
publishers of the catalogue (:mod:`newscrawl.publishers`).

Sources run one after another (default) or all at once (``--concurrent``) in one process,
each through the ``source`` spider. The exit code (:mod:`newscrawl.run.outcome`) is 1 when any
source's crawl failed, 2 for wrong arguments or a database that cannot be used as
configured, and 128 + the signal number (130, 143) when Ctrl-C or SIGTERM stopped the run;
sources a stop kept from running are reported as ``not run``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from newscrawl.publishers import load_catalogue, select_publishers
from newscrawl.run.crawls import command_line_settings, run_sources, runs_exit_code
from newscrawl.sources import SourceError, check_source_names, sources_file

logger = logging.getLogger(__name__)

DESCRIPTION = """\
Crawl publishers of the catalogue (newscrawl/publishers/, or --sources: their entry points,
domains, politeness), chosen by key (NAME… or --publisher, which also takes display names and
aliases), by --country and/or --language (enabled ones), or --all enabled ones, one after
another or all at once, into the database (--database-url, else $NEWSCRAWL_DATABASE_URL,
else sqlite:///news.db), then print one line per source: pages, articles and the result.

Exit code: 0 when every source's crawl succeeded, 1 when one failed (errors logged, every
start URL failed, too many items dropped or rejected, database unreachable), 2 for wrong
arguments or configuration, 130 / 143 when Ctrl-C / SIGTERM stopped the run (sources that
did not get to run are listed as "not run").
"""


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "crawl",
        help="crawl publishers of the catalogue",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help="publisher keys")
    parser.add_argument("--all", action="store_true", help="every enabled publisher")
    parser.add_argument(
        "--publisher",
        dest="publishers",
        nargs="+",
        action="extend",
        default=[],
        metavar="NAME",
        help="publishers by key, display name or alias (`newscrawl publishers` lists them)",
    )
    parser.add_argument("--country", metavar="XX", help="the enabled publishers of a country")
    parser.add_argument("--language", metavar="xx", help="the enabled publishers of a language")
    parser.add_argument("--concurrent", action="store_true", help="run the sources at once")
    parser.add_argument(
        "--sources",
        metavar="FILE",
        help="a catalogue folder or file (default: -s NEWSCRAWL_SOURCES_FILE=PATH, else "
        "$NEWSCRAWL_SOURCES_FILE, else the catalogue "
        "inside the package, newscrawl/publishers/)",
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="sqlite:///PATH or postgresql://USER@HOST/DATABASE "
        "(default: $NEWSCRAWL_DATABASE_URL, else sqlite:///news.db)",
    )
    parser.add_argument(
        "--max-articles", type=positive_int, metavar="N", help="stop each source after N articles"
    )
    parser.add_argument(
        "--distributed",
        action="store_true",
        help="work as one of many workers on scrapy-redis (see docs/scale.md); names or "
        "--all are pushed as seeds first",
    )
    parser.add_argument(
        "--redis-url", metavar="URL", help="Redis for --distributed (default: $REDIS_URL)"
    )
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


def wants_sources(args: argparse.Namespace) -> bool:
    """True when the command line chooses publishers (names, --all or a filter)."""
    return bool(args.all or args.names or args.publishers or args.country or args.language)


def chosen_sources(args: argparse.Namespace) -> list[str]:
    """The source names the command line chooses; SourceError for a wrong choice."""
    ways = [bool(args.names or args.publishers), args.all, bool(args.country or args.language)]
    if sum(ways) != 1:
        raise SourceError(
            "choose publishers one way: NAME…/--publisher NAME…, --all, or --country and/or "
            "--language"
        )
    catalogue = load_catalogue(catalogue_file(args))
    if args.all:
        return [key for key, p in catalogue.items() if p.enabled]
    if args.names or args.publishers:
        check_source_names({key: p.source() for key, p in catalogue.items()}, args.names)
        chosen = select_publishers(catalogue, args.publishers) if args.publishers else []
        return list(dict.fromkeys([*args.names, *(p.key for p in chosen)]))
    chosen = select_publishers(catalogue, country=args.country, language=args.language)
    enabled = [p.key for p in chosen if p.enabled]
    if not enabled:
        raise SourceError("every publisher chosen is disabled (name them to crawl them)")
    return enabled


def catalogue_file(args: argparse.Namespace) -> Path | None:
    """The catalogue the command line's crawls read (``--sources``, ``-s
    NEWSCRAWL_SOURCES_FILE=PATH``, ``$NEWSCRAWL_SOURCES_FILE``, else the bundled one), so that
    names are chosen from it; ValueError for a malformed ``-s``."""
    return sources_file(command_line_settings(args).get("NEWSCRAWL_SOURCES_FILE"))


def positive_int(value: str) -> int:
    """An argparse type: an integer of at least 1."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def run(args: argparse.Namespace) -> int:
    if args.distributed:
        from newscrawl.cli.distributed import run_worker

        return run_worker(args)
    try:
        overrides = command_line_settings(args)
        names = chosen_sources(args)
    except ValueError as err:  # a malformed -s, or a SourceError
        print(f"newscrawl crawl: {err}", file=sys.stderr)
        return 2
    spider_args = {"max_articles": args.max_articles} if args.max_articles else {}
    runs = run_sources(names, overrides, concurrent=args.concurrent, spider_args=spider_args)
    print(f"{'source':<16} {'pages':>6} {'articles':>8}  result", file=sys.stderr)
    for r in runs:
        pages = r.stats.get("response_received_count", 0)
        items = r.stats.get("item_scraped_count", 0)
        print(f"{r.name:<16} {pages:>6} {items:>8}  {r.result}", file=sys.stderr)
    return runs_exit_code(runs)
