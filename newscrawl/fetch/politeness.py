"""Per-host pauses: Retry-After, error streaks and unreachable robots.txt.

A paused host is not sent any request until its pause ends; the other hosts go on.
The decisions are here (pure, clock injected); ``engine/scheduler.py`` parks the
requests of paused hosts outside the engine, ``middlewares/politeness.py`` and
``middlewares/robots.py`` decide the pauses.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit


def host_key(url: str) -> str:
    """The unit that is paused: scheme-less ``host:port`` (robots.txt has the same scope).

    >>> host_key("https://News.Example:8443/a?b"), host_key("http://news.example/")
    ('news.example:8443', 'news.example')
    """
    return urlsplit(url).netloc.lower().rsplit("@", 1)[-1]


def parse_retry_after(value: str | bytes | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date).

    >>> parse_retry_after("120"), parse_retry_after(b" 3 "), parse_retry_after("soon")
    (120.0, 3.0, None)
    >>> parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now=1445412480.0)
    30.0
    >>> parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412500.0)
    0.0
    """
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


@dataclass
class HostPauses:
    """Which hosts are paused, until when (monotonic clock) and why.

    >>> clock = [100.0]
    >>> pauses = HostPauses(clock=lambda: clock[0])
    >>> pauses.pause("a.example", 30, "retry_after")
    True
    >>> pauses.pause("a.example", 10, "retry_after")  # a shorter pause never shortens one
    False
    >>> pauses.is_paused("a.example"), pauses.is_paused("b.example")
    (True, False)
    >>> clock[0] = 131.0; pauses.is_paused("a.example")
    False
    """

    clock: Callable[[], float] = time.monotonic
    until: dict[str, float] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    #: set by a scheduler able to park requests (PausingScheduler)
    scheduler_attached: bool = False

    def pause(self, key: str, seconds: float, reason: str) -> bool:
        """Pause ``key`` for ``seconds``; return True if this extended its pause."""
        end = self.clock() + seconds
        if end <= self.until.get(key, 0.0):
            return False
        self.until[key] = end
        self.reasons[key] = reason
        return True

    def is_paused(self, key: str) -> bool:
        end = self.until.get(key)
        if end is None:
            return False
        if end <= self.clock():
            del self.until[key]
            self.reasons.pop(key, None)
            return False
        return True


@dataclass
class ErrorStreaks:
    """Consecutive failures per host; after ``threshold`` of them the host is paused,
    for ``base`` seconds, doubling on each further failure up to ``cap``.

    >>> streaks = ErrorStreaks(threshold=3, base=10, cap=25)
    >>> [streaks.failure("h") for _ in range(5)]
    [None, None, 10.0, 20.0, 25.0]
    >>> streaks.success("h"); streaks.failure("h")
    """

    threshold: int = 5
    base: float = 30.0
    cap: float = 600.0
    counts: dict[str, int] = field(default_factory=dict)

    def failure(self, key: str) -> float | None:
        """Record a failure; return the pause to apply now, if any."""
        count = self.counts.get(key, 0) + 1
        self.counts[key] = count
        if count < self.threshold:
            return None
        return float(min(self.cap, self.base * 2 ** (count - self.threshold)))

    def success(self, key: str) -> None:
        self.counts.pop(key, None)
