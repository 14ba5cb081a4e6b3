"""``newscrawl seed``: push start URLs or sources for distributed workers to crawl.

Workers (``scrapy crawl news_distributed -s REDIS_URL=…`` on any number of machines)
pop the seeds, share one request queue and duplicate filter in Redis, and write to one
database. ``--status`` shows the queue; ``--reset`` deletes the crawl's keys. URLs and
source names are checked as ``newscrawl crawl`` checks them (:mod:`newscrawl.sources`)
before anything is pushed.
"""

from __future__ import annotations

import argparse
import os
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis

from newscrawl.cli import CommandError
from newscrawl.distributed.keys import DEFAULT_PREFIX, RedisKeys, check_prefix
from newscrawl.distributed.seeding import push_seeds, reset, source_seed, status, url_seed
from newscrawl.run.outcome import EXIT_FAILED
from newscrawl.sources import SourceError, check_source_names, check_start_url, load_sources

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
#: A Redis that does not answer is reported after this long, not waited for.
CONNECT_TIMEOUT_S = 5

DESCRIPTION = """\
Give work to distributed workers (`newscrawl crawl --distributed`): push start URLs
(feeds, sitemaps, home or section pages) or publishers of the catalogue to the crawl's queue in
Redis. --status prints the queue's sizes, --reset first deletes the crawl's queue, seen URLs
and seeds. Nothing is pushed unless every URL and source name is valid.
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "seed",
        help="push start URLs or sources to Redis for distributed workers",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "urls", nargs="*", metavar="URL", help="start URLs (feeds, sitemaps, pages)"
    )
    parser.add_argument(
        "--source", action="append", default=[], metavar="NAME", help="a source name (repeatable)"
    )
    parser.add_argument(
        "--sources",
        metavar="FILE",
        help="catalogue folder or file the names are from (default: the bundled catalogue)",
    )
    parser.add_argument(
        "--redis-url",
        metavar="URL",
        default=os.environ.get("REDIS_URL", DEFAULT_REDIS_URL),
        help=f"Redis of the crawl (default: $REDIS_URL, else {DEFAULT_REDIS_URL})",
    )
    parser.add_argument(
        "--prefix",
        default=DEFAULT_PREFIX,
        help="Redis key prefix of the crawl (NEWSCRAWL_REDIS_PREFIX)",
    )
    parser.add_argument(
        "--reset", action="store_true", help="first delete the crawl's queue, seen set and seeds"
    )
    parser.add_argument("--status", action="store_true", help="print the crawl's queue sizes")
    parser.set_defaults(func=run)


def shown_redis_url(url: str) -> str:
    """``url`` with its password masked.

    >>> shown_redis_url("redis://:s3cret@cache.internal:6379/0")
    'redis://:***@cache.internal:6379/0'
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(unparsable URL)"
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def seeds_of(args: argparse.Namespace) -> list[bytes]:
    """The seeds to push, each checked; :class:`CommandError` (exit 2) for the first bad one."""
    try:
        urls = [check_start_url(u) for u in args.urls]
        if args.source:
            check_source_names(load_sources(args.sources), args.source)
    except SourceError as error:
        raise CommandError(str(error)) from None
    return [url_seed(u) for u in urls] + [source_seed(s) for s in args.source]


def connect(url: str) -> redis.Redis:
    try:
        return redis.Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT_S)
    except ValueError as error:  # not a Redis URL
        raise CommandError(f"not a Redis URL: {shown_redis_url(url)!r}: {error}") from None


def run(args: argparse.Namespace) -> int:
    try:
        keys = RedisKeys(check_prefix(args.prefix))
    except ValueError as error:
        raise CommandError(str(error)) from None
    seeds = seeds_of(args)
    server = connect(args.redis_url)
    try:
        return _run(args, server, keys, seeds)
    except redis.RedisError as error:
        raise CommandError(
            f"cannot use Redis at {shown_redis_url(args.redis_url)}: {error}", EXIT_FAILED
        ) from None


def _run(args: Any, server: redis.Redis, keys: RedisKeys, seeds: list[bytes]) -> int:
    if args.reset:
        print(f"deleted {reset(server, keys)} keys matching {keys.pattern}")
    if seeds:
        length = push_seeds(server, keys, seeds)
        print(f"pushed {len(seeds)} seeds to {keys.start_urls} ({length} waiting)")
    if args.status or not (seeds or args.reset):
        s = status(server, keys)
        print(
            f"{keys.pattern}: {s.seeds} seeds, {s.queued} queued requests, {s.seen} seen, "
            f"{s.workers} workers, {s.leased} leased"
        )
    return 0
