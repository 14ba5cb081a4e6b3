"""Hosts that cannot be reached at all: a refused connection, a name that does not resolve.

This is not a robots.txt 5xx. A server that answers 5xx (or 429, or times out) is there and
RFC 9309 asks a crawler to wait for it, so ``middlewares/robots.py`` keeps such a host
uncrawled and retries robots.txt for up to ~15 minutes. A refused connection, an unknown name
or no route means nothing is listening: waiting that long would hold a cron run (and every
source after it in ``newscrawl crawl --all``) for nothing. Such a host gets retries with
backoff for a short total (``NEWSCRAWL_HOST_UNREACHABLE_TIMEOUT``, counted from its first
failure; any answer resets it), then it is given up: its queued requests are dropped and the
crawl goes on with the other hosts.

The rule is here (pure, clock injected); ``middlewares/unreachable.py`` applies it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

#: Download exception class names (Scrapy >= 2.19 wraps Twisted's; older versions and other
#: download handlers raise Twisted's or the standard library's) -> why the host is unreachable.
UNREACHABLE_ERRORS: dict[str, str] = {
    "DownloadConnectionRefusedError": "connection_refused",
    "ConnectionRefusedError": "connection_refused",
    "CannotResolveHostError": "dns",
    "DNSLookupError": "dns",
    "UnknownHostError": "dns",
    "gaierror": "dns",
    "NoRouteError": "no_route",
}

#: Default total, in seconds, before an unreachable host is given up.
DEFAULT_TIMEOUT = 60.0


def unreachable_reason(exc: BaseException) -> str | None:
    """Why ``exc`` means the host cannot be reached at all, or None (e.g. a timeout or a
    lost connection: something answered, the host gets the usual retries and pauses).

    >>> import socket
    >>> unreachable_reason(ConnectionRefusedError()), unreachable_reason(socket.gaierror())
    ('connection_refused', 'dns')
    >>> unreachable_reason(TimeoutError()) is None, unreachable_reason(ValueError()) is None
    (True, True)
    """
    for cls in type(exc).__mro__:
        if cls.__name__ in UNREACHABLE_ERRORS:
            return UNREACHABLE_ERRORS[cls.__name__]
    return None


def retry_delay(failures: int, elapsed: float, total: float) -> float | None:
    """Seconds to wait before the next attempt on a host after its ``failures``-th failure
    in a row, ``elapsed`` seconds after the first; None once ``total`` is spent (give up).

    The first wait is an eighth of ``total`` (at most 5 s) and doubles; the last is cut so
    that the final attempt comes at ``total``: with 60 s, attempts at 0, 5, 15, 35 and 60 s.

    >>> [retry_delay(n, e, 60.0) for n, e in ((1, 0), (2, 5), (3, 15), (4, 35), (5, 60))]
    [5.0, 10.0, 20.0, 25.0, None]
    >>> retry_delay(1, 0.0, 0.0) is None  # 0: give up at the first failure
    True
    """
    remaining = total - elapsed
    if remaining <= 0:
        return None
    first = min(5.0, total / 8)
    return min(first * 2 ** (failures - 1), remaining)


@dataclass
class HostFailures:
    """One host's failures to be reached, in a row."""

    first_at: float
    attempts: int = 0
    reason: str = ""


@dataclass
class UnreachableHosts:
    """Per host: failures in a row since the first, and the hosts given up.

    >>> clock = [0.0]
    >>> hosts = UnreachableHosts(total=10.0, clock=lambda: clock[0])
    >>> hosts.failure("a.example:81", "connection_refused")
    1.25
    >>> clock[0] = 10.0; hosts.failure("a.example:81", "connection_refused") is None
    True
    >>> hosts.is_given_up("a.example:81"), hosts.given_up["a.example:81"].attempts
    (True, 2)
    >>> hosts.failure("b.example", "dns"); hosts.success("b.example"); hosts.failing
    1.25
    {}
    """

    total: float = DEFAULT_TIMEOUT
    clock: Callable[[], float] = time.monotonic
    failing: dict[str, HostFailures] = field(default_factory=dict)
    given_up: dict[str, HostFailures] = field(default_factory=dict)

    def failure(self, key: str, reason: str) -> float | None:
        """Record a failure to reach ``key``; return the wait before its next attempt,
        or None when this failure gives the host up (once; later calls return None too)."""
        if key in self.given_up:
            return None
        now = self.clock()
        record = self.failing.setdefault(key, HostFailures(first_at=now))
        record.attempts += 1
        record.reason = reason
        delay = retry_delay(record.attempts, now - record.first_at, self.total)
        if delay is None:
            self.given_up[key] = self.failing.pop(key)
        return delay

    def success(self, key: str) -> None:
        """The host answered (any HTTP status): its count starts again."""
        self.failing.pop(key, None)

    def is_given_up(self, key: str) -> bool:
        return key in self.given_up

    def elapsed(self, key: str) -> float:
        """Seconds from the first failure of a failing or given-up host to now."""
        record = self.failing.get(key) or self.given_up.get(key)
        return 0.0 if record is None else self.clock() - record.first_at
