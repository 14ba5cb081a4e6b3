"""Article URLs found but not yet handed to Scrapy: the crawl's memory stays flat.

A sitemap lists thousands of articles at once, and a request waiting in Scrapy's
scheduler costs about a kilobyte (the request, its headers and meta, its fingerprint).
The spider keeps what it found here instead, as a URL and two small fields, and asks
for only enough pages to keep the downloader busy; the rest follow as pages come back.
Hosts take turns, so one site's long sitemap does not hold back the others: Scrapy
would fetch those in parallel, each host in its own download slot.
"""

from __future__ import annotations

from collections import Counter, OrderedDict, deque
from collections.abc import Iterable
from typing import NamedTuple

from newscrawl.discover.hosts import host_of


class FoundPage(NamedTuple):
    """A page to request later: where, at what listing depth, and whether off-site."""

    url: str
    depth: int
    offsite: bool


class Frontier:
    """Found pages, released so that at most ``limit`` are requested and unanswered, and at
    most ``host_limit`` of one host (Scrapy fetches a few per host at a time anyway, and a
    host whose requests are held back, e.g. paused after a 429, must not take every place).

    The caller reports each answer (a response, a failure, a request Scrapy dropped)
    with :meth:`answered`; :meth:`release` then tops the requested pages up again.

    >>> frontier = Frontier(limit=3, host_limit=2)
    >>> frontier.add(["https://a.example/1", "https://a.example/2", "https://a.example/3"], 0)
    >>> frontier.add(["https://b.example/1"], depth=1)
    >>> [page.url for page in frontier.release()]
    ['https://a.example/1', 'https://b.example/1', 'https://a.example/2']
    >>> frontier.release(), len(frontier), frontier.requested
    ([], 1, 3)
    >>> frontier.answered("b.example"); frontier.release()
    []
    >>> frontier.answered("a.example"); [page.url for page in frontier.release()]
    ['https://a.example/3']
    """

    def __init__(self, limit: int, host_limit: int | None = None) -> None:
        self.limit = limit
        self.host_limit = host_limit or limit
        #: Pages requested and not answered yet, in all and per host.
        self.requested = 0
        self._requested_by_host: Counter[str] = Counter()
        self._by_host: OrderedDict[str, deque[FoundPage]] = OrderedDict()
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def add(self, urls: Iterable[str], depth: int, *, offsite: bool = False) -> None:
        for url in urls:
            self._by_host.setdefault(host_of(url), deque()).append(FoundPage(url, depth, offsite))
            self._size += 1

    def release(self) -> list[FoundPage]:
        """Pages to request now: one host after the other, within both limits."""
        pages: list[FoundPage] = []
        passed = 0  # hosts in a row that could not take another page
        while self._by_host and self.requested < self.limit and passed < len(self._by_host):
            host, queue = next(iter(self._by_host.items()))
            if self._requested_by_host[host] >= self.host_limit:
                self._by_host.move_to_end(host)
                passed += 1
                continue
            passed = 0
            pages.append(queue.popleft())
            self.requested += 1
            self._requested_by_host[host] += 1
            self._size -= 1
            if queue:
                self._by_host.move_to_end(host)
            else:
                del self._by_host[host]
        return pages

    def answered(self, host: str) -> None:
        """A page of ``host`` that was requested came back (or failed, or was dropped)."""
        if self._requested_by_host[host] > 0:
            self._requested_by_host[host] -= 1
            self.requested -= 1

    def settled(self) -> None:
        """Nothing is in flight any more (Scrapy is idle): forget any unreported answers."""
        self.requested = 0
        self._requested_by_host.clear()

    def clear(self) -> int:
        """Forget every found page (the crawl is stopping); returns how many there were."""
        dropped, self._size = self._size, 0
        self._by_host.clear()
        return dropped
