"""robots.txt the way RFC 9309 asks, replacing Scrapy's RobotsTxtMiddleware.

Scrapy allows everything when robots.txt cannot be fetched. Here:

* 2xx: the rules are obeyed (Protego), ``Crawl-delay`` too, up to
  ``NEWSCRAWL_ROBOTS_CRAWL_DELAY_MAX`` seconds, on the host's download slot (no jitter
  below it, AutoThrottle not allowed to lower it).
* 4xx (not 429): there are no rules, everything is allowed.
* 5xx, 429, a timeout or any other failure: the host is *unreachable*: none of its
  pages is fetched. Its requests are parked (``PausingScheduler``) and robots.txt is
  fetched again after ``NEWSCRAWL_ROBOTS_RETRY_DELAY`` seconds, doubling each time; after
  ``NEWSCRAWL_ROBOTS_MAX_ATTEMPTS`` failed fetches the host's requests are dropped.
* a refused connection or a name that does not resolve: no server at all, so not the
  RFC's long wait: robots.txt is retried on the short schedule of
  :mod:`newscrawl.fetch.reachability` and the host given up after
  ``NEWSCRAWL_HOST_UNREACHABLE_TIMEOUT`` seconds (``middlewares/unreachable.py``).

Stats: Scrapy's ``robotstxt/*`` keys plus ``newscrawl/robots/<outcome>``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from newscrawl.engine.scheduler import host_pauses
from newscrawl.middlewares.unreachable import (
    drop_if_given_up,
    note_unreachable,
    unreachable_hosts,
    unreachable_reason_for,
)
from protego import Protego
from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http.request import NO_CALLBACK

from newscrawl.fetch.politeness import host_key

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


class RobotsForbidden(IgnoreRequest):
    """Disallowed by robots.txt, or robots.txt stayed unreachable."""


@dataclass(frozen=True, slots=True)
class RobotsSettings:
    user_agent: str
    retry_delay: float
    max_attempts: int
    crawl_delay_max: float

    @classmethod
    def from_settings(cls, settings: Any) -> RobotsSettings:
        return cls(
            user_agent=settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT"),
            retry_delay=settings.getfloat("NEWSCRAWL_ROBOTS_RETRY_DELAY", 60.0),
            max_attempts=settings.getint("NEWSCRAWL_ROBOTS_MAX_ATTEMPTS", 5),
            crawl_delay_max=settings.getfloat("NEWSCRAWL_ROBOTS_CRAWL_DELAY_MAX", 10.0),
        )


@dataclass
class RobotsEntry:
    """What is known about one host's robots.txt."""

    state: str = "unavailable"  # "ok" (rules or none), "unavailable", "gave_up"
    rules: Protego | None = None
    crawl_delay: float | None = None
    failures: int = 0
    retry_at: float = 0.0


def classify_status(status: int) -> str:
    """RFC 9309: 2xx rules, 4xx no rules (allow), 5xx and 429 unreachable (disallow).

    >>> [classify_status(s) for s in (200, 404, 403, 429, 500, 503, 304)]
    ['rules', 'allow_all', 'allow_all', 'unreachable', 'unreachable', 'unreachable', 'allow_all']
    """
    if 200 <= status < 300:
        return "rules"
    if status == 429 or status >= 500:
        return "unreachable"
    return "allow_all"


class StrictRobotsTxtMiddleware:
    DOWNLOAD_PRIORITY = 1000

    def __init__(self, crawler: Crawler, config: RobotsSettings) -> None:
        if not crawler.settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured
        self.crawler = crawler
        self.stats = crawler.stats
        self.config = config
        self.pauses = host_pauses(crawler)
        self.unreachable = unreachable_hosts(crawler)
        self.entries: dict[str, RobotsEntry] = {}
        self._fetching: dict[str, asyncio.Future[RobotsEntry]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StrictRobotsTxtMiddleware:
        return cls(crawler, RobotsSettings.from_settings(crawler.settings))

    async def process_request(self, request: Request) -> Request | None:
        if request.meta.get("dont_obey_robotstxt"):
            return None
        if not request.url.startswith(("http://", "https://")):
            return None
        key = host_key(request.url)
        entry = self.entries.get(key)
        if entry is None or (entry.state == "unavailable" and entry.retry_at <= time.monotonic()):
            entry = await self._fetch_once(key, request)
        drop_if_given_up(self.crawler, request)  # robots.txt found no server at all
        if entry.state == "gave_up":
            self.stats.inc_value("newscrawl/robots/dropped_unreachable")
            raise RobotsForbidden(f"robots.txt of {key} stayed unreachable")
        if entry.state == "unavailable":
            if not self.pauses.scheduler_attached:
                self.stats.inc_value("newscrawl/robots/dropped_unreachable")
                raise RobotsForbidden(f"robots.txt of {key} is unreachable")
            self.pauses.pause(key, max(0.0, entry.retry_at - time.monotonic()), "robots")
            self.stats.inc_value("newscrawl/robots/deferred")
            return request.replace(dont_filter=True)
        if entry.rules is not None and not entry.rules.can_fetch(
            request.url, self.config.user_agent
        ):
            self.stats.inc_value("robotstxt/forbidden")
            self.stats.inc_value("newscrawl/robots/forbidden")
            logger.debug("Forbidden by robots.txt: %s", request.url)
            raise RobotsForbidden("Forbidden by robots.txt")
        if entry.crawl_delay:
            self._apply_crawl_delay(request, entry.crawl_delay)
        return None

    async def _fetch_once(self, key: str, request: Request) -> RobotsEntry:
        """Fetch robots.txt for ``key`` once, however many requests wait for it."""
        if key in self._fetching:
            return await asyncio.shield(self._fetching[key])
        future: asyncio.Future[RobotsEntry] = asyncio.get_running_loop().create_future()
        self._fetching[key] = future
        try:
            entry = await self._fetch(key, request)
            future.set_result(entry)
            return entry
        except BaseException as exc:  # pragma: no cover - _fetch catches download errors
            future.set_exception(exc)
            raise
        finally:
            del self._fetching[key]

    async def _fetch(self, key: str, request: Request) -> RobotsEntry:
        entry = self.entries.setdefault(key, RobotsEntry())
        scheme = request.url.split(":", 1)[0]
        robots_request = Request(
            f"{scheme}://{key}/robots.txt",
            priority=self.DOWNLOAD_PRIORITY,
            meta={"dont_obey_robotstxt": True, "dont_retry": True, "newscrawl_robots": True},
            callback=NO_CALLBACK,
            dont_filter=True,
        )
        self.stats.inc_value("robotstxt/request_count")
        outcome, response = "unreachable", None
        try:
            response = await self.crawler.engine.download_async(robots_request)
        except IgnoreRequest as exc:  # e.g. refused by the SSRF guard: no rules to obey
            outcome, reason = "allow_all", type(exc).__name__
        except Exception as exc:
            reason = type(exc).__name__
            self.stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
            no_server = unreachable_reason_for(robots_request, exc)
            if no_server is not None:
                self._no_server(entry, key, no_server)
                return entry
        else:
            self.unreachable.success(key)
            self.stats.inc_value("robotstxt/response_count")
            self.stats.inc_value(f"robotstxt/response_status_count/{response.status}")
            outcome, reason = classify_status(response.status), f"HTTP {response.status}"
        if outcome == "rules" and response is not None:
            self._parse(entry, response)
        elif outcome == "allow_all":
            entry.state, entry.rules, entry.crawl_delay = "ok", None, None
        else:
            self._unreachable(entry, key, reason)
        return entry

    def _parse(self, entry: RobotsEntry, response: Response) -> None:
        rules = Protego.parse(response.body.decode("utf-8", errors="ignore"))
        delay = rules.crawl_delay(self.config.user_agent)
        entry.state, entry.rules, entry.failures = "ok", rules, 0
        entry.crawl_delay = min(float(delay), self.config.crawl_delay_max) if delay else None
        if entry.crawl_delay:
            self.stats.inc_value("newscrawl/robots/crawl_delay")

    def _unreachable(self, entry: RobotsEntry, key: str, reason: str) -> None:
        entry.failures += 1
        self.stats.inc_value("newscrawl/robots/unreachable")
        if entry.failures >= self.config.max_attempts:
            entry.state = "gave_up"
            logger.warning(
                "robots.txt of %s unreachable %d times (%s): host dropped",
                key,
                entry.failures,
                reason,
            )
            return
        wait = self.config.retry_delay * 2 ** (entry.failures - 1)
        entry.state, entry.retry_at = "unavailable", time.monotonic() + wait
        logger.warning(
            "robots.txt of %s unreachable (%s): host paused for %.1f s", key, reason, wait
        )

    def _no_server(self, entry: RobotsEntry, key: str, reason: str) -> None:
        """Nothing answered (refused, no such name): a short wait, not the RFC's."""
        self.stats.inc_value("newscrawl/robots/no_server")
        wait = note_unreachable(self.crawler, key, reason)
        if wait is None:  # given up: process_request drops the host's requests
            entry.state = "gave_up"
            return
        entry.state, entry.retry_at = "unavailable", time.monotonic() + wait
        logger.info("robots.txt of %s: %s, host paused for %.1f s", key, reason, wait)

    def _apply_crawl_delay(self, request: Request, delay: float) -> None:
        """Make the host's download slot wait ``delay`` between requests, no less."""
        request.meta["autothrottle_dont_adjust_delay"] = True
        downloader = self.crawler.engine.downloader
        slot_key = downloader.get_slot_key(request)
        slot_settings = downloader.per_slot_settings.setdefault(slot_key, {})
        slot_settings["delay"] = max(delay, slot_settings.get("delay", 0.0))
        slot_settings["jitter"] = 0.0
        slot = downloader.slots.get(slot_key)
        if slot is not None and (slot.delay < delay or slot.jitter):
            slot.delay, slot.jitter = max(slot.delay, delay), 0.0
