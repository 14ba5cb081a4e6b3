"""The scrapy-redis scheduler, made safe for a cluster of workers that may die.

Differences from ``scrapy_redis.scheduler.Scheduler`` (which it subclasses, so the
queue, serializer and duplicate filter are scrapy-redis' own):

- keys come from ``NEWSCRAWL_REDIS_PREFIX`` (see :mod:`newscrawl.distributed.keys`);
- the queue and duplicate filter are never flushed by a worker (one worker closing
  must not wipe the cluster's state; ``newscrawl seed --reset`` does that);
- pops are leases (:mod:`newscrawl.distributed.leases`): a request is acknowledged
  ``NEWSCRAWL_LEASE_ACK_DELAY`` seconds after it left the downloader (or was
  ignored before reaching it), i.e. after its item has been flushed to the database;
  a worker whose heartbeat stopped has its leases pushed back by the survivors;
- idle close looks at the cluster: a worker closes once the queue, the seed list and
  every other worker's leases have been empty for ``MAX_IDLE_TIME_BEFORE_CLOSE``
  seconds (0 = never close), measured from when the cluster went quiet — not, as in
  scrapy-redis 0.9.1, from the last time the seed list was non-empty.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall

from newscrawl.distributed.keys import DistributedConfig
from newscrawl.distributed.leases import LeaseBook, lease_id

logger = logging.getLogger(__name__)

#: ``Request.meta`` key holding the lease id of a request popped from Redis.
LEASE_META = "newscrawl_lease"
#: Signal sent (with ``request=``) when a leased request is finished with.
lease_finished = object()


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
        self._outstanding: dict[str, str] = {}  # lease id -> URL of the leased request
        self._acks: deque[tuple[float, str]] = deque()
        self._idle_since: float | None = None
        self._loop = LoopingCall(self.tick)
        self._stop_beating = threading.Event()
        self._beater = threading.Thread(target=self._beat, name="newscrawl-heartbeat", daemon=True)
        crawler.signals.connect(self._on_finished, signal=signals.request_left_downloader)
        crawler.signals.connect(self._on_finished, signal=lease_finished)
        crawler.signals.connect(self.on_idle, signal=signals.spider_idle)

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
        """Leave the cluster; give back unfinished requests unless the crawl finished.

        Pipelines are closed before the scheduler, so everything acknowledged-later has
        been flushed by now. On ``finished`` nothing is in flight; on any other reason
        (shutdown, CloseSpider, errors) the requests this worker popped but never
        finished go back on the queue for the other workers or the next run.
        """
        if self._loop.running:
            self._loop.stop()
        self._stop_beating.set()
        if self._beater.is_alive():
            self._beater.join(timeout=5)
        if reason != "finished":
            held = self.book.held()
            self.requeue([(lid, data) for lid, data in held.items() if lid in self._outstanding])
        self.book.unregister()
        super().close(reason)

    # --- queue -----------------------------------------------------------------------

    def enqueue_request(self, request: Request) -> bool:
        # A redirect or retry copies meta: the new request gets its own lease when popped.
        lid = request.meta.pop(LEASE_META, None)
        if lid is not None and self._outstanding.get(lid) == request.url:
            # A downloader middleware sent the leased request back to the scheduler (it
            # never reached the downloader): once queued again, its lease is done.
            self._finish(lid)
        # scrapy-redis' own version, minus the ``spider=`` argument Scrapy 2.13 deprecated.
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
        self.book.ack(pushed)
        self._inc("requeued", len(pushed))
        if pushed:
            logger.info("Requeued %d leased requests", len(pushed))

    # --- acknowledgements, heartbeat, reaping ------------------------------------------

    def _on_finished(self, request: Request, **_: Any) -> None:
        self._finish(request.meta.get(LEASE_META))

    def _finish(self, lid: str | None) -> None:
        """Schedule the acknowledgement of a lease, ``ack_delay`` seconds from now."""
        if lid in self._outstanding:
            del self._outstanding[lid]
            self._acks.append((time.monotonic(), lid))

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
        """Acknowledge what is due and adopt the leases of dead workers."""
        try:
            due = time.monotonic() - self.config.ack_delay
            ids = []
            while self._acks and self._acks[0][0] <= due:
                ids.append(self._acks.popleft()[1])
            self._inc("acked", self.book.ack(ids))
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
        # Nothing is in flight in an idle engine: a lease still open here belongs to a
        # request that ended in a way no signal reported. Finish it, or two idle workers
        # could wait for each other's leases forever.
        for lid in list(self._outstanding):
            self._finish(lid)
        self.tick()
        now = time.monotonic()
        if self.cluster_busy():
            self._idle_since = None
            raise DontCloseSpider
        if self._idle_since is None:
            self._idle_since = now
        if self.config.max_idle <= 0 or now - self._idle_since < self.config.max_idle:
            raise DontCloseSpider
        logger.info("Cluster idle for %.0f s: closing this worker", now - self._idle_since)

    def _inc(self, name: str, count: int = 1) -> None:
        if self.stats and count:
            self.stats.inc_value(f"newscrawl/distributed/{name}", count)
