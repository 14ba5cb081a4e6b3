"""A Scrapy scheduler that parks the requests of paused hosts outside the engine.

Holding such requests in a downloader slot would keep them in the downloader's
``active`` set (bounded by ``CONCURRENT_REQUESTS``): enough of them would starve every
other host. Parked here, they cost nothing; they go back into the queue once their
host's pause (see :class:`newscrawl.fetch.politeness.HostPauses`) ends, and the spider is
not closed while any are parked. On close they are pushed back into the queues, so a
``JOBDIR`` keeps them; how many pending requests were saved to it (and how many could only be
held in memory, hence lost) goes to stats for ``newscrawl.extensions.jobdir``.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from scrapy.core.scheduler import Scheduler
from scrapy.utils.asyncio import call_later

from newscrawl.fetch.politeness import HostPauses, host_key

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

_REGISTRY: weakref.WeakKeyDictionary[Any, HostPauses] = weakref.WeakKeyDictionary()


def host_pauses(crawler: Crawler) -> HostPauses:
    """The pause registry shared by this crawler's scheduler and middlewares."""
    if crawler not in _REGISTRY:
        _REGISTRY[crawler] = HostPauses()
    return _REGISTRY[crawler]


def hold_download_slot(crawler: Crawler, request: Request, seconds: float) -> bool:
    """Stop the downloader slot of ``request`` from starting queued downloads for
    ``seconds``: requests already handed to the downloader when their host was paused
    would otherwise still go out. Uses the slot's own delay timer (``latercall``)."""
    try:
        engine = crawler.engine
    except (AttributeError, RuntimeError):  # Scrapy 2.19 raises before the crawl starts
        return False
    downloader = getattr(engine, "downloader", None)
    if downloader is None:
        return False
    slot = downloader.slots.get(downloader.get_slot_key(request))
    if slot is None:
        return False
    if slot.latercall is not None:
        slot.latercall.cancel()
    slot.latercall = call_later(seconds, downloader._latercall, slot)
    return True


class PausingScheduler(Scheduler):
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PausingScheduler:
        scheduler = super().from_crawler(crawler)
        scheduler.pauses = host_pauses(crawler)
        scheduler.pauses.scheduler_attached = True
        scheduler.parked = {}
        return scheduler

    pauses: HostPauses
    parked: dict[str, list[Request]]

    def _requeue(self, request: Request) -> None:
        if not self._dqpush(request):
            self._mqpush(request)

    def _release_due(self) -> None:
        for key in [k for k in self.parked if not self.pauses.is_paused(k)]:
            for request in self.parked.pop(key):
                self._requeue(request)

    def next_request(self) -> Request | None:
        self._release_due()
        while True:
            request = super().next_request()
            if request is None:
                return None
            key = host_key(request.url)
            if not self.pauses.is_paused(key):
                return request
            self.parked.setdefault(key, []).append(request)
            if self.stats is not None:
                self.stats.inc_value("newscrawl/politeness/parked")

    def has_pending_requests(self) -> bool:
        return super().has_pending_requests() or bool(self.parked)

    def __len__(self) -> int:
        return super().__len__() + sum(len(v) for v in self.parked.values())

    def close(self, reason: str) -> Any:
        for requests in self.parked.values():
            for request in requests:
                self._requeue(request)
        self.parked.clear()
        saved = len(self.dqs) if self.dqs is not None else 0
        unsaved = len(self.mqs) if self.dqs is not None else 0
        result = super().close(reason)
        if self.dqs is not None and self.stats is not None:
            # after the queues are on disk: newscrawl.extensions.jobdir marks the JOBDIR resumable
            # only when every pending request was saved (memory-only ones would be lost)
            self.stats.set_value("newscrawl/jobdir/saved_requests", saved)
            self.stats.set_value("newscrawl/jobdir/unsaved_requests", unsaved)
        return result
