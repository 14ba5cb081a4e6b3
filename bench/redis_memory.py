"""Redis memory per million URLs for a distributed crawl, measured, not guessed.

Pushes N requests shaped like the news spider's article requests (a ~90-character
publisher URL, its callbacks, priority and meta), serialized exactly as scrapy-redis
stores them, into the request queue (sorted set), and their fingerprints into the
duplicate filter (set), under a throwaway key prefix. Redis ``INFO memory``
``used_memory`` before and after each step gives bytes per entry; the script prints
them and the extrapolation to one million URLs, then deletes its keys.

    .venv/bin/python bench/redis_memory.py --count 200000 [--redis-url redis://127.0.0.1:6379/0]
"""

from __future__ import annotations

import argparse
import sys
import uuid
from collections.abc import Callable, Iterator

import redis
import scrapy
from scrapy_redis import picklecompat
from scrapy_redis.dupefilter import RFPDupeFilter

from newscrawl.distributed.keys import RedisKeys
from newscrawl.distributed.seeding import reset

BATCH = 5000


class ShapeSpider(scrapy.Spider):
    """Only lends its method names to serialized requests, as the news spider would."""

    name = "shape"

    def parse_page(self, response):  # pragma: no cover - never called
        return None

    def page_failed(self, failure):  # pragma: no cover - never called
        return None


def article_requests(spider: ShapeSpider, count: int) -> Iterator[scrapy.Request]:
    """Requests like ``DiscoverySpider.article_request`` builds, with realistic URLs."""
    for i in range(count):
        url = (
            f"https://www.example-news-{i % 300}.co.uk/world/2026/03/{1 + i % 28:02d}/"
            f"minister-announces-new-plan-for-regional-rail-{i}.html"
        )
        yield scrapy.Request(
            url,
            callback=spider.parse_page,
            errback=spider.page_failed,
            priority=20,
            meta={"nc_role": "page", "nc_depth": 1, "dont_cache": True},
        )


def used_memory(server: redis.Redis) -> int:
    return int(server.info("memory")["used_memory"])


def measure(server: redis.Redis, fill: Callable[[], None]) -> int:
    before = used_memory(server)
    fill()
    return used_memory(server) - before


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args(argv)
    server = redis.Redis.from_url(args.redis_url)
    keys = RedisKeys(f"bench-memory-{uuid.uuid4().hex[:8]}")
    spider = ShapeSpider()
    dupefilter = RFPDupeFilter(server, keys.dupefilter)

    def fill_dupefilter() -> None:
        fps = [dupefilter.request_fingerprint(r) for r in article_requests(spider, args.count)]
        for i in range(0, len(fps), BATCH):
            server.sadd(keys.dupefilter, *fps[i : i + BATCH])

    def fill_queue() -> None:
        batch: dict[bytes, float] = {}
        for request in article_requests(spider, args.count):
            batch[picklecompat.dumps(request.to_dict(spider=spider))] = -request.priority
            if len(batch) == BATCH:
                server.zadd(keys.queue, batch)
                batch = {}
        if batch:
            server.zadd(keys.queue, batch)

    try:
        seen_bytes = measure(server, fill_dupefilter)
        queue_bytes = measure(server, fill_queue)
        sample = picklecompat.dumps(next(article_requests(spider, 1)).to_dict(spider=spider))
    finally:
        reset(server, keys)
    n = args.count
    print(f"Redis {server.info('server')['redis_version']}, {n:,} URLs")
    print(f"serialized request: {len(sample)} bytes (pickle, as scrapy-redis stores it)\n")
    print("| structure | bytes per URL | MB per million URLs |")
    print("|---|---:|---:|")
    rows = (
        ("duplicate filter (set of SHA-1 hex)", seen_bytes),
        ("request queue (sorted set of pickles)", queue_bytes),
        ("both (every URL seen and still queued)", seen_bytes + queue_bytes),
    )
    for name, total in rows:
        print(f"| {name} | {total / n:.0f} | {total / n * 1e6 / 2**20:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
