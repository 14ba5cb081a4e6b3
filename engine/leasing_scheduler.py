"""The scrapy-redis scheduler, made safe for a cluster of workers that may die.

Differences from ``scrapy_redis.scheduler.Scheduler`` (which it subclasses, so the
queue, serializer and duplicate filter are scrapy-redis' own):

- keys come from ``NEWSCRAWL_REDIS_PREFIX`` (see :mod:`newscrawl.distributed.keys`);
- the queue and duplicate filter are never flushed by a worker (one worker closing
  must not wipe the cluster's state; ``newscrawl seed --reset`` does that);
- pops are leases (:mod:`newscrawl.distributed.leases`). A lease is acknowledged only
  once its request is done and what it produced is safe from a SIGKILL of this worker
  (:mod:`newscrawl.distributed.acks`): the callback's output read to the end, the
  requests it yielded pushed to Redis, its articles committed or spooled (the store's
  ``items_durable`` signal), dropped or failed in a pipeline. A request that reaches no
  callback is done when it fails (its errback, or the outermost downloader middleware),
  when a downloader middleware hands it back to the queue (retry, redirect), or, last,
  when the engine is idle. A worker whose heartbeat stopped has its leases pushed back
  by the survivors; a closing worker pushes back the leases it still holds;
- idle close looks at the cluster: a worker closes once the queue, the seed list and
  the leases of every other worker that is not idle itself (an idle worker's leases only
  wait for its store) have been empty for ``MAX_IDLE_TIME_BEFORE_CLOSE``
  seconds (0 = never close), measured from when the cluster went quiet — not, as in
  scrapy-redis 0.9.1, from the last time the seed list was non-empty. While an idle
  worker still holds leases, the wait is at least one heartbeat TTL: had it been
  killed, its leases are adopted before anyone closes.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any
from weakref import WeakKeyDictionary

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.settings import BaseSettings
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall

from newscrawl.distributed.acks import LeaseWork, is_marked, mark_item, take_mark
from newscrawl.distributed.keys import DistributedConfig
from newscrawl.distributed.leases import LeaseBook, lease_id
from newscrawl.run.signals import items_durable

logger = logging.getLogger(__name__)

#: ``Request.meta`` key holding the lease id of a request popped from Redis.
LEASE_META = "newscrawl_lease"
#: Signal sent (with ``request=``) when a leased request failed or was refused: done,
#: with nothing produced that needs to be stored.
lease_finished = object()
#: Signals of :class:`~newscrawl.spidermiddlewares.leases.LeaseOutputMiddleware`, all with
#: ``lease=``: a leased response's callback output is being read; it yielded ``output=``
#: (an item or a request); it was read to the end (or raised).
lease_output_opened = object()
lease_output = object()
lease_output_closed = object()

#: Item pipelines that send :data:`newscrawl.run.signals.items_durable`. Without one of them,
#: an item counts as safe once it went through the pipelines (``item_scraped``).
DURABLE_PIPELINES = frozenset({"newscrawl.pipelines.store.StorePipeline"})


def reports_durable(settings: BaseSettings) -> bool:
    """Whether an enabled item pipeline reports when items are durable."""
    for component in build_component_list(settings.getwithbase("ITEM_PIPELINES")):
        cls = load_object(component) if isinstance(component, str) else component
        names = {f"{k.__module__}.{k.__qualname__}" for k in getattr(cls, "__mro__", ())}
        if names & DURABLE_PIPELINES:
            return True
    return False


def lease_of(response: Any) -> str | None:
    """The lease of the request behind a response (or behind an errback's failure)."""
    request = getattr(response, "request", None)
    return request.meta.get(LEASE_META) if isinstance(request, Request) else None


class LeasingScheduler(Scheduler):
    """scrapy-redis scheduler with leases, heartbeats and cluster-wide idle close."""

    crawler: Crawler
    config: DistributedConfig
    book: LeaseBook

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeasingScheduler:
        instance = super().from_crawler(crawler)
        instance.setup(crawler)
        return instance

    def setup(self, crawler: Crawler) -> None:
        """Read the settings once and hook into the crawl's signals."""
        self.crawler = crawler
        self.config = DistributedConfig.from_settings(crawler.settings)
        self.persist = True
        self.flush_on_start = False
        self.queue_key = self.config.keys.queue
        self.dupefilter_key = self.config.keys.dupefilter
        self.book = LeaseBook(
            self.server, self.config.keys, self.config.worker_id, self.config.worker_ttl
        )
        self._outstanding: dict[str, str] = {}  # lease id -> URL: popped, not acknowledged
        self.work = LeaseWork()  # what each lease still waits for
        # requests yielded by a leased callback, until pushed to Redis -> parent lease
        self._children: WeakKeyDictionary[Request, str] = WeakKeyDictionary()
        self._acks: list[str] = []  # acknowledged, to delete from Redis on the next tick
        self.durable_items = reports_durable(crawler.settings)
        if crawler.settings.getfloat("NEWSCRAWL_LEASE_ACK_DELAY"):
            logger.warning(
                "NEWSCRAWL_LEASE_ACK_DELAY is no longer used: a lease is acknowledged once "
                "the articles of its request are stored or spooled"
            )
        self._idle_since: float | None = None
        self._loop = LoopingCall(self.tick)
        self._stop_beating = threading.Event()
        self._beater = threading.Thread(target=self._beat, name="newscrawl-heartbeat", daemon=True)
        connect = crawler.signals.connect
        connect(self._on_finished, signal=lease_finished)
        connect(self._on_spider_error, signal=signals.spider_error)
        connect(self._on_output_opened, signal=lease_output_opened)
        connect(self._on_output, signal=lease_output)
        connect(self._on_output_closed, signal=lease_output_closed)
        connect(self._on_items_durable, signal=items_durable)
        connect(self._on_item_ended, signal=signals.item_dropped)
        connect(self._on_item_ended, signal=signals.item_error)
        connect(self._on_item_scraped, signal=signals.item_scraped)
        connect(self.on_idle, signal=signals.spider_idle)

    # --- lifecycle -------------------------------------------------------------------

    def open(self, spider: Spider) -> None:
        if self.queue_cls not in (PriorityQueue, "scrapy_redis.queue.PriorityQueue"):
            raise ValueError("LeasingScheduler needs scrapy_redis.queue.PriorityQueue")
        debug = self.crawler.settings.getbool("DUPEFILTER_DEBUG")
        self.df = RFPDupeFilter(self.server, key=self.dupefilter_key, debug=debug)
        super().open(spider)
        self.book.register()
        logger.info(
            "Distributed worker %s on Redis keys %s (queue: %d requests)",
            self.config.worker_id,
            self.config.keys.pattern,
            len(self.queue),
        )
        self._loop.start(self.config.tick, now=False)
        self._beater.start()

    def close(self, reason: str) -> None:
        """Leave the cluster; give back every lease not acknowledged, whatever the reason.

        Pipelines are closed before the scheduler: the store has committed or spooled
        what it could, and those leases are acknowledged here. What is left was still in
        flight (shutdown, CloseSpider, errors) or has articles that could be neither
        stored nor spooled: those requests go back on the queue, for the other workers or
        the next run, which fetch them again.
        """
        if self._loop.running:
            self._loop.stop()
        self._stop_beating.set()
        if self._beater.is_alive():
            self._beater.join(timeout=5)
        self._flush_acks()
        held = self.book.held()
        left = [(lid, data) for lid, data in held.items() if lid in self._outstanding]
        if left:
            waiting = sum(1 for lid, _ in left if self.work.waiting(lid))
            self._inc("held_at_close", len(left))
            logger.log(
                logging.WARNING if waiting else logging.INFO,
                "%d leased requests not done at close (%d with articles not stored or "
                "spooled): they go back on the queue",
                len(left),
                waiting,
            )
            self.requeue(left)
        self.book.unregister()
        super().close(reason)

    # --- queue -----------------------------------------------------------------------

    def enqueue_request(self, request: Request) -> bool:
        # A redirect or retry copies meta: the new request gets its own lease when popped.
        lid = request.meta.pop(LEASE_META, None)
        parent = self._children.pop(request, None)
        queued = self._push(request)  # raises if Redis fails: then nothing is acknowledged
        if lid is not None and not self.work.reading(lid):
            # Not a callback's child copying meta: a downloader middleware handed the
            # leased request back (retry, redirect, pause). Now queued, its lease is done.
            self._finish(lid)
        self._settle(parent)  # a callback's child request is safe once queued (or seen)
        return queued

    def _push(self, request: Request) -> bool:
        """scrapy-redis' own ``enqueue_request``, minus the ``spider=`` argument."""
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True

    def next_request(self) -> Request | None:
        data = self.book.pop()
        if data is None:
            return None
        request = self.queue._decode_request(data)
        lid = lease_id(data)
        request.meta[LEASE_META] = lid
        self._outstanding[lid] = request.url
        self._inc("leased")
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def requeue(self, items: list[tuple[str, bytes]]) -> None:
        """Push leased requests back on the queue (bypassing the duplicate filter)."""
        pushed = []
        for lid, data in items:
            try:
                request = self.queue._decode_request(data)
            except (ValueError, AttributeError) as exc:
                logger.error("Cannot requeue a leased request (%s); dropping it", exc)
                continue
            request.meta.pop(LEASE_META, None)
            self.queue.push(request)
            pushed.append(lid)
            self._outstanding.pop(lid, None)
            self.work.forget(lid)
        self.book.ack(pushed)
        self._inc("requeued", len(pushed))
        if pushed:
            logger.info("Requeued %d leased requests", len(pushed))

    # --- acknowledgements ----------------------------------------------------------------

    def _finish(self, lid: str | None) -> None:
        """The request is done: acknowledge its lease, unless what it produced is not safe.

        A lease still busy is acknowledged by :meth:`_settle` once its last output is.
        """
        if lid in self._outstanding and not self.work.busy(lid):
            del self._outstanding[lid]
            self._acks.append(lid)

    def _settle(self, lid: str | None) -> None:
        """One output of the lease is safe (an item durable or dropped, a request queued)."""
        if lid is not None and self.work.settled(lid):
            self._finish(lid)

    def _flush_acks(self) -> None:
        """Delete the acknowledged leases from Redis (batched, once per tick)."""
        if not self._acks:
            return
        ids, self._acks = self._acks, []
        try:
            self._inc("acked", self.book.ack(ids))
        except Exception:
            self._acks[:0] = ids  # a Redis hiccup: next tick
            raise

    def _on_finished(self, request: Request, **_: Any) -> None:
        self._finish(request.meta.get(LEASE_META))

    def _on_spider_error(self, response: Any = None, **_: Any) -> None:
        # A callback raised, or a response was refused before its callback with no
        # errback to take it: nothing more will come of the request.
        self._finish(lease_of(response))

    def _on_output_opened(self, lease: str, **_: Any) -> None:
        if lease in self._outstanding:
            self.work.opened(lease)

    def _on_output(self, lease: str, output: Any, **_: Any) -> None:
        if not self.work.reading(lease):
            return  # not a lease of ours any more (acknowledged or requeued)
        if isinstance(output, Request):
            self._children[output] = lease
        else:
            mark_item(output, lease)  # non-Article items are settled by their response
        self.work.handed(lease)

    def _on_output_closed(self, lease: str, **_: Any) -> None:
        if self.work.closed(lease):
            self._finish(lease)

    def _on_items_durable(self, items: list[Any], **_: Any) -> None:
        for item in items:
            self._settle(take_mark(item))

    def _on_item_ended(self, item: Any, response: Any = None, **_: Any) -> None:
        """``item_dropped`` / ``item_error``: the item will never be stored; it is settled."""
        self._settle(take_mark(item) if is_marked(item) else lease_of(response))

    def _on_item_scraped(self, item: Any, response: Any = None, **_: Any) -> None:
        """Through every pipeline. With a store, a marked item waits to be durable."""
        if not is_marked(item):
            self._settle(lease_of(response))
        elif not self.durable_items:
            self._settle(take_mark(item))

    # --- heartbeat, reaping, idle close ----------------------------------------------------

    def _beat(self) -> None:
        """Refresh the heartbeat from a thread of its own.

        Parsing a burst of large pages can keep the reactor busy for seconds, more so on
        a loaded machine; a heartbeat on the reactor would then expire and the survivors
        would requeue a live worker's requests (fetched twice). A thread keeps beating
        while the process lives and stops with it on SIGKILL.
        """
        while not self._stop_beating.wait(self.config.tick):
            try:
                self.book.heartbeat()
            except Exception:  # a Redis hiccup: try again next time
                logger.exception("Heartbeat failed")

    def tick(self) -> None:
        """Acknowledge what is done and adopt the leases of dead workers."""
        try:
            self._flush_acks()
            adopted = self.book.adopt_dead()
            if adopted:
                logger.warning("Adopted %d leases of dead workers", len(adopted))
                self.requeue(adopted)
        except Exception:  # a Redis hiccup must not stop the heartbeat loop for good
            logger.exception("Distributed scheduler tick failed")

    def cluster_busy(self) -> bool:
        """Whether anyone may still produce work: queued, seeded or in-flight requests."""
        return (
            len(self.queue) > 0
            or self.server.llen(self.config.keys.start_urls) > 0
            or self.book.others_hold_leases()
        )

    def on_idle(self) -> None:
        """``spider_idle`` handler: close only after the cluster stayed quiet long enough."""
        # Nothing is in flight in an idle engine: a lease still open here either waits for
        # its articles to be stored (kept) or belongs to a request that ended in a way no
        # signal reported (acknowledged). The leases kept produce no more requests, so
        # this worker is marked idle: the others do not wait for them to close.
        for lid in list(self._outstanding):
            self._finish(lid)
        self.book.mark_idle()
        self.tick()
        now = time.monotonic()
        if self.cluster_busy():
            self._idle_since = None
            raise DontCloseSpider
        if self._idle_since is None:
            self._idle_since = now
        if self.config.max_idle <= 0 or now - self._idle_since < self._quiet_needed():
            raise DontCloseSpider
        logger.info("Cluster idle for %.0f s: closing this worker", now - self._idle_since)

    def _quiet_needed(self) -> float:
        """``MAX_IDLE_TIME_BEFORE_CLOSE``, or longer while an idle worker holds leases: if
        it was killed, it is found dead (and its leases adopted) only when its heartbeat
        expires, and closing before that would leave its requests to the next run."""
        if self.book.idle_others_hold_leases():
            return max(self.config.max_idle, self.config.worker_ttl + self.config.tick)
        return self.config.max_idle

    def _inc(self, name: str, count: int = 1) -> None:
        if self.stats and count:
            self.stats.inc_value(f"newscrawl/distributed/{name}", count)
