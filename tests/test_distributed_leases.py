"""Leases on the real Redis: atomic pop-and-lease, adoption of a dead worker's leases."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
import redis

from newscrawl.distributed.keys import RedisKeys
from newscrawl.distributed.leases import LeaseBook, lease_id
from newscrawl.distributed.seeding import reset

pytestmark = pytest.mark.redis


@pytest.fixture
def keys() -> Iterator[RedisKeys]:
    """A unique key prefix per test, deleted afterwards."""
    keys = RedisKeys(f"test-leases-{uuid.uuid4().hex[:10]}")
    yield keys
    reset(redis.Redis(), keys)


@pytest.fixture
def server() -> redis.Redis:
    return redis.Redis()


def fill_queue(server: redis.Redis, keys: RedisKeys, items: dict[bytes, int]) -> None:
    """Requests as scrapy-redis' PriorityQueue stores them: score = -priority."""
    server.zadd(keys.queue, {data: -priority for data, priority in items.items()})


def me_and_other(server: redis.Redis, keys: RedisKeys, items: dict[bytes, int]
                 ) -> tuple[LeaseBook, LeaseBook]:  # fmt: skip
    """Two registered workers, ``me`` and ``other``, over a queue holding ``items``."""
    fill_queue(server, keys, items)
    me = LeaseBook(server, keys, "me", ttl=30)
    other = LeaseBook(server, keys, "other", ttl=30)
    me.register()
    other.register()
    return me, other


def test_pop_moves_the_highest_priority_request_into_the_lease_hash(server, keys):
    fill_queue(server, keys, {b"low": 0, b"high": 20, b"mid": 10})
    book = LeaseBook(server, keys, "w1", ttl=30)
    book.register()

    assert book.pop() == b"high"
    assert book.pop() == b"mid"
    assert server.zrange(keys.queue, 0, -1) == [b"low"]
    assert book.held() == {lease_id(b"high"): b"high", lease_id(b"mid"): b"mid"}

    assert book.ack([lease_id(b"high")]) == 1
    assert book.held() == {lease_id(b"mid"): b"mid"}


def test_pop_on_an_empty_queue_leases_nothing(server, keys):
    book = LeaseBook(server, keys, "w1", ttl=30)
    assert book.pop() is None
    assert book.held() == {}


def test_a_dead_workers_leases_are_adopted_by_exactly_one_survivor(server, keys):
    fill_queue(server, keys, {b"a": 1, b"b": 2, b"c": 3})
    dead = LeaseBook(server, keys, "dead", ttl=0.2)
    dead.register()
    dead.pop(), dead.pop()
    first = LeaseBook(server, keys, "first", ttl=30)
    second = LeaseBook(server, keys, "second", ttl=30)
    first.register(), second.register()

    assert first.adopt_dead() == []  # heartbeat still alive: nothing to take
    time.sleep(0.35)  # the dead worker's heartbeat expires

    adopted = first.adopt_dead()
    assert sorted(data for _, data in adopted) == [b"b", b"c"]
    assert second.adopt_dead() == []
    # Adopted leases live in the adopter's hash until requeued, so a crash of the
    # adopter in between loses nothing either.
    assert set(first.held().values()) == {b"b", b"c"}
    assert server.exists(keys.leases("dead")) == 0
    assert server.smembers(keys.workers) == {b"first", b"second"}


def test_others_hold_leases_ignores_this_worker(server, keys):
    me, other = me_and_other(server, keys, {b"a": 1, b"b": 1})

    me.pop()
    assert not me.others_hold_leases()
    other.pop()
    assert me.others_hold_leases()
    other.unregister()
    assert not me.others_hold_leases()
    assert server.smembers(keys.workers) == {b"me"}


def test_an_idle_workers_leases_do_not_keep_the_others_waiting(server, keys):
    """An idle worker's leases only wait for its store (the database may be down for
    long): the others may close. Its next pop makes it busy again, atomically."""
    me, other = me_and_other(server, keys, {b"a": 1, b"b": 1})
    other.pop()
    assert me.others_hold_leases()

    other.mark_idle()
    assert not me.others_hold_leases()
    assert other.pop() == b"b"  # working again
    assert me.others_hold_leases()

    other.mark_idle()
    other.unregister()
    assert server.smembers(keys.idle) == set()


def test_adopting_a_dead_idle_worker_clears_its_idle_mark(server, keys):
    fill_queue(server, keys, {b"a": 1})
    dead = LeaseBook(server, keys, "dead", ttl=0.2)
    dead.register()
    dead.pop()
    dead.mark_idle()
    me = LeaseBook(server, keys, "me", ttl=30)
    me.register()
    time.sleep(0.35)

    assert [data for _, data in me.adopt_dead()] == [b"a"]
    assert server.smembers(keys.idle) == set()


def test_a_crawl_of_news_distributed_installs_the_lease_middlewares():
    """``scrapy crawl`` (and ``newscrawl crawl --distributed``) create the crawler, then hand
    it to ``CrawlerProcess.crawl``, which (Scrapy 2.19) copies the process settings over
    the crawler's again: the lease middlewares must survive that."""
    from newscrawl.middlewares.leases import LeaseFinishMiddleware
    from newscrawl.spidermiddlewares.leases import LeaseOutputMiddleware
    from newscrawl.spiders.news_distributed import NewsDistributedSpider
    from scrapy.crawler import Crawler
    from scrapy.utils.conf import build_component_list

    from newscrawl.run.crawls import project_settings

    settings = project_settings({})
    crawler = Crawler(NewsDistributedSpider, settings)  # applies the spider's settings
    crawler.settings.update(settings)  # what CrawlerProcess.crawl(crawler) does next
    downloader = build_component_list(crawler.settings.getwithbase("DOWNLOADER_MIDDLEWARES"))
    spider = build_component_list(crawler.settings.getwithbase("SPIDER_MIDDLEWARES"))
    assert downloader[0] is LeaseFinishMiddleware
    assert spider[0] is LeaseOutputMiddleware


def test_an_idle_worker_holding_leases_is_seen_until_it_lets_them_go(server, keys):
    """A worker about to close waits a heartbeat TTL for such a worker: killed while
    idle, it would otherwise take its leases out of this run."""
    me, other = me_and_other(server, keys, {b"a": 1})
    me.mark_idle()
    assert not me.idle_others_hold_leases()

    other.pop()
    other.mark_idle()
    assert me.idle_others_hold_leases() and not me.others_hold_leases()
    other.ack([lease_id(b"a")])
    assert not me.idle_others_hold_leases()
