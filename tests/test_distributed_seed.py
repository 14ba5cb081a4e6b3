"""``newscrawl seed`` against the real Redis: seeds, status and reset."""

from __future__ import annotations

import json
import uuid

import pytest
import redis

from newscrawl.cli import main
from newscrawl.distributed.keys import RedisKeys

pytestmark = pytest.mark.redis


@pytest.fixture
def prefix():
    prefix = f"test-seed-{uuid.uuid4().hex[:10]}"
    yield prefix
    main(["seed", "--prefix", prefix, "--reset"])


def test_seed_pushes_urls_and_sources_in_order(prefix, capsys):
    assert main(["seed", "--prefix", prefix, "https://a.example/rss", "--source", "inkl"]) == 0
    raw = redis.Redis().lrange(RedisKeys(prefix).start_urls, 0, -1)
    assert [json.loads(x) for x in raw] == [{"url": "https://a.example/rss"}, {"source": "inkl"}]
    assert "pushed 2 seeds" in capsys.readouterr().out


def test_status_and_reset(prefix, capsys):
    keys = RedisKeys(prefix)
    server = redis.Redis()
    server.sadd(keys.dupefilter, "fp1", "fp2")
    server.zadd(keys.queue, {b"req": 0})
    main(["seed", "--prefix", prefix, "https://a.example/sitemap.xml"])
    capsys.readouterr()

    main(["seed", "--prefix", prefix, "--status"])
    assert "1 seeds, 1 queued requests, 2 seen, 0 workers, 0 leased" in capsys.readouterr().out

    main(["seed", "--prefix", prefix, "--reset"])
    assert server.keys(f"{keys.tag}:*") == []


def test_invalid_prefix_is_refused(capsys):
    assert main(["seed", "--prefix", "bad%prefix", "https://a.example/"]) == 2
    assert "invalid Redis key prefix 'bad%prefix'" in capsys.readouterr().err
