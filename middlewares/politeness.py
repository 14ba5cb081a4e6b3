"""Respect Retry-After on 429/503 and pause a host after repeated errors.

Sits just downloader-side of RetryMiddleware, so it sees each failed response or
exception before Retry schedules the next attempt; the retry (and every other request
to that host) is then parked by :class:`newscrawl.engine.scheduler.PausingScheduler` until
the pause ends. Other hosts go on. Stats: ``newscrawl/politeness/retry_after``,
``newscrawl/politeness/host_paused``; pauses are logged with host, length and reason.

A refused connection or a name that does not resolve is not an error streak: the host is
paused on the short schedule of :mod:`newscrawl.fetch.reachability` and given up once it is spent
(``middlewares/unreachable.py``); any answer from the host resets it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from newscrawl.engine.scheduler import hold_download_slot, host_pauses
from newscrawl.middlewares.unreachable import (
    note_unreachable,
    unreachable_hosts,
    unreachable_reason_for,
)

from newscrawl.fetch.politeness import ErrorStreaks, host_key, parse_retry_after

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PolitenessSettings:
    retry_after_codes: frozenset[int]
    retry_after_max: float
    error_codes: frozenset[int]
    error_threshold: int
    error_pause: float
    error_pause_max: float

    @classmethod
    def from_settings(cls, settings: Any) -> PolitenessSettings:
        return cls(
            retry_after_codes=frozenset(
                int(c) for c in settings.getlist("NEWSCRAWL_RETRY_AFTER_CODES", [429, 503])
            ),
            retry_after_max=settings.getfloat("NEWSCRAWL_RETRY_AFTER_MAX", 600.0),
            error_codes=frozenset(int(c) for c in settings.getlist("RETRY_HTTP_CODES")),
            error_threshold=settings.getint("NEWSCRAWL_HOST_ERROR_THRESHOLD", 5),
            error_pause=settings.getfloat("NEWSCRAWL_HOST_ERROR_PAUSE", 30.0),
            error_pause_max=settings.getfloat("NEWSCRAWL_HOST_ERROR_PAUSE_MAX", 600.0),
        )


class PolitenessMiddleware:
    def __init__(self, crawler: Crawler, config: PolitenessSettings) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.config = config
        self.pauses = host_pauses(crawler)
        self.unreachable = unreachable_hosts(crawler)
        self.streaks = ErrorStreaks(
            config.error_threshold, config.error_pause, config.error_pause_max
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PolitenessMiddleware:
        return cls(crawler, PolitenessSettings.from_settings(crawler.settings))

    def _pause(self, request: Request, seconds: float, reason: str) -> None:
        key = host_key(request.url)
        if self.pauses.pause(key, seconds, reason):
            hold_download_slot(self.crawler, request, seconds)
            self.stats.inc_value("newscrawl/politeness/host_paused")
            self.stats.inc_value(f"newscrawl/politeness/host_paused/{reason}")
            logger.info("Pausing %s for %.1f s (%s)", key, seconds, reason)

    def process_response(self, request: Request, response: Response) -> Response:
        if "cached" not in response.flags:  # the host answered
            self.unreachable.success(host_key(request.url))
        if response.status in self.config.retry_after_codes:
            delay = parse_retry_after(response.headers.get(b"Retry-After"))
            if delay is not None:
                self.stats.inc_value("newscrawl/politeness/retry_after")
                self._pause(request, min(delay, self.config.retry_after_max), "retry_after")
        if response.status in self.config.error_codes:
            self._failure(request)
        elif response.status < 400:
            self.streaks.success(host_key(request.url))
        return response

    def process_exception(self, request: Request, exception: Exception) -> Request | None:
        from scrapy.exceptions import IgnoreRequest

        if isinstance(exception, IgnoreRequest):
            return None
        reason = unreachable_reason_for(request, exception)
        if reason is None:
            self._failure(request)
            return None
        if request.meta.get("newscrawl_robots"):  # robots.txt: middlewares/robots.py
            return None
        delay = note_unreachable(self.crawler, host_key(request.url), reason)
        if delay is not None:
            self._pause(request, delay, "unreachable")
        if not self.pauses.scheduler_attached:
            return None  # nowhere to wait: RetryMiddleware's attempts, as for other errors
        # The host's schedule decides, not RetryMiddleware's count: back to the scheduler,
        # where the request waits out the pause, or is dropped once the host is given up
        # (one WARNING for the host, not an error per request).
        self.stats.inc_value("newscrawl/politeness/requeued_unreachable")
        return request.replace(dont_filter=True)

    def _failure(self, request: Request) -> None:
        pause = self.streaks.failure(host_key(request.url))
        if pause is not None:
            self._pause(request, pause, "errors")

    def process_request(self, request: Request) -> Request | None:
        """A request that got past the scheduler while its host became paused (it was
        already queued in the downloader) is sent back to be parked."""
        key = host_key(request.url)
        if self.pauses.scheduler_attached and self.pauses.is_paused(key):
            self.stats.inc_value("newscrawl/politeness/requeued")
            return request.replace(dont_filter=True)
        return None
