"""``newscrawl crawl --distributed [NAME… | --all]``: seed sources, then work until idle.

Run it on every machine of the cluster (same ``--redis-url``, same ``--database-url``).
With source names or ``--all`` the sources are pushed as seeds first (do that on one
machine, or use ``newscrawl seed``); without, the process only works the shared queue.
Either way it runs the ``news_distributed`` spider in this process and exits when the
cluster has been idle for ``MAX_IDLE_TIME_BEFORE_CLOSE`` seconds, with exit code 1 if
the crawl failed (same rule as ``newscrawl crawl``).
"""

from __future__ import annotations

import argparse
import sys

import redis

from newscrawl.distributed.keys import RedisKeys
from newscrawl.distributed.seeding import push_seeds, source_seed
from newscrawl.run.outcome import exit_code, failure_reasons, signal_name
from newscrawl.sources import SourceError


def seeds_for(args: argparse.Namespace) -> list[bytes]:
    """Source seeds for the publishers the command line chooses (as ``newscrawl crawl``)."""
    from newscrawl.cli.crawl import chosen_sources, wants_sources

    if not wants_sources(args):
        return []
    return [source_seed(n) for n in chosen_sources(args)]


def run_worker(args: argparse.Namespace) -> int:
    from scrapy.crawler import CrawlerProcess

    from newscrawl.run.crawls import command_line_settings, project_settings
    from newscrawl.run.stops import StopSignals

    try:
        overrides = command_line_settings(args)
        seeds = seeds_for(args)
    except (ValueError, SourceError) as err:
        print(f"newscrawl crawl --distributed: {err}", file=sys.stderr)
        return 2
    settings = project_settings(overrides)
    if seeds:
        server = redis.Redis.from_url(settings.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
        push_seeds(server, RedisKeys(settings.get("NEWSCRAWL_REDIS_PREFIX") or "newscrawl"), seeds)
    process = CrawlerProcess(settings)
    stops = StopSignals.watch(process)
    crawler = process.create_crawler("news_distributed")
    spider_args = {"max_articles": args.max_articles} if args.max_articles else {}
    process.crawl(crawler, **spider_args)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    failures = failure_reasons(
        stats, max_drop_share=settings.getfloat("NEWSCRAWL_MAX_DROP_SHARE", 0.5)
    )
    pages = stats.get("response_received_count", 0)
    items = stats.get("item_scraped_count", 0)
    if stops.received:
        failures.insert(0, f"stopped by {signal_name(stops.received)}")
    result = "ok" if not failures else "FAILED: " + "; ".join(failures)
    print(f"worker: {pages} pages, {items} articles, {result}", file=sys.stderr)
    return exit_code(stats, failures, stops.received)
