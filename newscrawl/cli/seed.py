"""``newscrawl seed``: push start URLs or sources for distributed workers to crawl.

Workers (``scrapy crawl news_distributed -s REDIS_URL=…`` on any number of machines)
pop the seeds, share one request queue and duplicate filter in Redis, and write to one
database. ``--status`` shows the queue; ``--reset`` deletes the crawl's keys.
"""

from __future__ import annotations

import argparse
import os

import redis

from newscrawl.distributed.keys import DEFAULT_PREFIX, RedisKeys
from newscrawl.distributed.seeding import push_seeds, reset, source_seed, status, url_seed

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "seed",
        help="push start URLs or sources to Redis for distributed workers",
        description=__doc__,
    )
    parser.add_argument(
        "urls", nargs="*", metavar="URL", help="start URLs (feeds, sitemaps, pages)"
    )
    parser.add_argument(
        "--source", action="append", default=[], metavar="NAME", help="a source name (repeatable)"
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", DEFAULT_REDIS_URL))
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


def run(args: argparse.Namespace) -> int:
    keys = RedisKeys(args.prefix)
    server = redis.Redis.from_url(args.redis_url)
    if args.reset:
        print(f"deleted {reset(server, keys)} keys matching {keys.pattern}")
    seeds = [url_seed(u) for u in args.urls] + [source_seed(s) for s in args.source]
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
