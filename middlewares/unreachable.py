"""Give up on hosts that cannot be reached (Scrapy glue for :mod:`newscrawl.fetch.reachability`).

A refused connection or a name that does not resolve is recorded per host by
``middlewares/politeness.py`` (page requests) and ``middlewares/robots.py`` (robots.txt): the
host is paused for the next wait of the schedule, and once
``NEWSCRAWL_HOST_UNREACHABLE_TIMEOUT`` seconds have passed since its first failure without any
answer, it is given up, with one WARNING naming it. :class:`UnreachableHostMiddleware`, first
in the chain, then drops every request to it, queued or new, without a connection attempt.

Stats: ``newscrawl/host/unreachable`` (hosts given up), ``newscrawl/host/unreachable/<reason>``
(``connection_refused``, ``dns``, ``no_route``), ``newscrawl/host/unreachable_dropped``
(requests dropped).
"""

from __future__ import annotations

import logging
import weakref
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from newscrawl.engine.resolver import refused_by_policy
from scrapy.exceptions import IgnoreRequest

from newscrawl.fetch.politeness import host_key
from newscrawl.fetch.reachability import DEFAULT_TIMEOUT, UnreachableHosts, unreachable_reason

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

_REGISTRY: weakref.WeakKeyDictionary[Any, UnreachableHosts] = weakref.WeakKeyDictionary()


class HostUnreachable(IgnoreRequest):
    """The request's host was given up as unreachable."""


def unreachable_hosts(crawler: Crawler) -> UnreachableHosts:
    """The registry shared by this crawler's middlewares (built from its settings)."""
    if crawler not in _REGISTRY:
        total = crawler.settings.getfloat("NEWSCRAWL_HOST_UNREACHABLE_TIMEOUT", DEFAULT_TIMEOUT)
        _REGISTRY[crawler] = UnreachableHosts(total=max(0.0, total))
    return _REGISTRY[crawler]


def note_unreachable(crawler: Crawler, key: str, reason: str) -> float | None:
    """Record that ``key`` could not be reached; the wait before its next attempt, or None
    when it is given up (logged and counted here, once)."""
    hosts = unreachable_hosts(crawler)
    known = hosts.is_given_up(key)
    delay = hosts.failure(key, reason)
    if delay is None and not known:
        record = hosts.given_up[key]
        stats = crawler.stats
        if stats is not None:
            stats.inc_value("newscrawl/host/unreachable")
            stats.inc_value(f"newscrawl/host/unreachable/{reason}")
        logger.warning(
            "host %s unreachable (%s, %d attempts in %.0f s): given up, its requests are dropped",
            key,
            reason,
            record.attempts,
            hosts.elapsed(key),
        )
    return delay


def unreachable_reason_for(request: Request, exception: BaseException) -> str | None:
    """Why ``request``'s host cannot be reached (:func:`unreachable_reason`), or None, also
    when the "DNS failure" was the SSRF resolver refusing the name: that is final."""
    reason = unreachable_reason(exception)
    if reason == "dns" and refused_by_policy(urlsplit(request.url).hostname or ""):
        return None
    return reason


def drop_if_given_up(crawler: Crawler, request: Request) -> None:
    """Raise :class:`HostUnreachable` when the request's host was given up."""
    key = host_key(request.url)
    hosts = unreachable_hosts(crawler)
    if hosts.is_given_up(key):
        if crawler.stats is not None:
            crawler.stats.inc_value("newscrawl/host/unreachable_dropped")
        record = hosts.given_up[key]
        raise HostUnreachable(f"host {key} unreachable ({record.reason}): given up")


class UnreachableHostMiddleware:
    """Drop requests to hosts given up (before any DNS lookup or robots.txt check)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> UnreachableHostMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if request.url.startswith(("http://", "https://")):
            drop_if_given_up(self.crawler, request)
