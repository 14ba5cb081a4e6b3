"""Seeds and housekeeping of a distributed crawl, shared by ``newscrawl seed`` and tests."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from redis import Redis

from newscrawl.distributed.keys import RedisKeys, as_text


def url_seed(url: str) -> bytes:
    """The JSON a worker reads for a start URL (scrapy-redis' own seed format).

    >>> url_seed("https://example.com/feed.xml")
    b'{"url": "https://example.com/feed.xml"}'
    """
    return json.dumps({"url": url}).encode()


def source_seed(name: str) -> bytes:
    """The JSON a worker reads for a named source.

    >>> source_seed("inkl")
    b'{"source": "inkl"}'
    """
    return json.dumps({"source": name}).encode()


def push_seeds(server: Redis, keys: RedisKeys, seeds: Iterable[bytes]) -> int:
    """Append seeds to the start list; returns the list's new length."""
    seeds = list(seeds)
    return int(server.rpush(keys.start_urls, *seeds)) if seeds else 0


def reset(server: Redis, keys: RedisKeys) -> int:
    """Delete every key of the crawl (queue, duplicate filter, seeds, leases, workers)."""
    names = list(server.scan_iter(match=keys.pattern))
    return int(server.delete(*names)) if names else 0


@dataclass(frozen=True, slots=True)
class ClusterStatus:
    """Sizes of the crawl's Redis structures, for ``newscrawl seed --status``."""

    seeds: int
    queued: int
    seen: int
    workers: int
    leased: int


def status(server: Redis, keys: RedisKeys) -> ClusterStatus:
    workers = [as_text(w) for w in server.smembers(keys.workers)]
    leased = sum(int(server.hlen(keys.leases(w))) for w in workers)
    return ClusterStatus(
        seeds=int(server.llen(keys.start_urls)),
        queued=int(server.zcard(keys.queue)),
        seen=int(server.scard(keys.dupefilter)),
        workers=len(workers),
        leased=leased,
    )
