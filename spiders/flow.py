"""Flow control of the found article pages (Scrapy glue over :mod:`newscrawl.discover.frontier`).

Found pages wait in a :class:`~newscrawl.discover.frontier.Frontier`, and only
``NEWSCRAWL_FRONTIER_SIZE`` of them are requested and unanswered at a time (at most
8 x ``CONCURRENT_REQUESTS_PER_DOMAIN`` of one host). Each answer (a response, a failure, a
request Scrapy dropped) makes room for the next; when Scrapy has nothing left in flight the
frontier releases more instead of letting the spider close. Off (every page requested at
once) with a ``JOBDIR``, whose saved queue must hold every page, with
``NEWSCRAWL_FRONTIER_SIZE = 0``, and for spiders that set ``uses_frontier = False``.

Stats: ``newscrawl/discover/frontier/held_peak`` (most pages held at once) and
``newscrawl/discover/frontier/left`` (found pages never requested: the crawl stopped first).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider

from newscrawl.discover.frontier import FoundPage, Frontier
from newscrawl.discover.hosts import host_of

#: Request meta key: the host a page was released for (its answer is reported against it).
FOUND_KEY = "nc_found"


class FrontierFlow:
    """Holds found pages and releases them as answers come back.

    ``make_request`` turns a released page into its request (``found`` meta added here);
    ``enough`` says the crawl has all the articles it wants (``max_articles``): then nothing
    more is released and the held pages are forgotten.
    """

    def __init__(
        self,
        crawler: Crawler,
        frontier: Frontier,
        make_request: Callable[[FoundPage], Request],
        enough: Callable[[], bool],
    ) -> None:
        self.crawler = crawler
        self.frontier = frontier
        self.make_request = make_request
        self.enough = enough

    @classmethod
    def from_crawler(
        cls,
        crawler: Crawler,
        make_request: Callable[[FoundPage], Request],
        enough: Callable[[], bool],
    ) -> FrontierFlow | None:
        """The spider's flow control, or None when pages are requested at once."""
        settings = crawler.settings
        # a JOBDIR saves Scrapy's queue for a resumed crawl; pages held back would be lost
        size = 0 if settings.get("JOBDIR") else settings.getint("NEWSCRAWL_FRONTIER_SIZE", 512)
        if size <= 0:
            return None
        # Scrapy fetches CONCURRENT_REQUESTS_PER_DOMAIN pages of a host at a time
        per_host = 8 * settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 8)
        flow = cls(crawler, Frontier(size, per_host), make_request, enough)
        crawler.signals.connect(flow.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(flow.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(flow.spider_closed, signal=signals.spider_closed)
        return flow

    def hold(self, urls: Iterable[str], depth: int, *, offsite: bool = False) -> Iterator[Request]:
        """Keep found pages, and request those that fit in flight now."""
        self.frontier.add(urls, depth, offsite=offsite)
        self.crawler.stats.max_value("newscrawl/discover/frontier/held_peak", len(self.frontier))
        yield from self.release()

    def release(self) -> Iterator[Request]:
        """Requests for the held pages that fit in flight now."""
        if self.enough():
            self.forget()
            return
        for page in self.frontier.release():
            request = self.make_request(page)
            request.meta[FOUND_KEY] = host_of(page.url)
            yield request

    def answered(self, meta: dict[str, Any]) -> Iterator[Request]:
        """A page came back or failed: one fewer in flight, so request the next ones."""
        if meta.get(FOUND_KEY):
            self.frontier.answered(meta[FOUND_KEY])
        yield from self.release()

    def forget(self) -> None:
        """The crawl is stopping: count the found pages it will not request."""
        if len(self.frontier):
            self.crawler.stats.inc_value("newscrawl/discover/frontier/left", self.frontier.clear())

    # --- signals --------------------------------------------------------------------------
    def request_dropped(self, request: Request) -> None:
        # no new requests from here: Scrapy is inside its scheduler; the next answer or
        # the idle signal releases them
        if request.meta.get(FOUND_KEY):
            self.frontier.answered(request.meta[FOUND_KEY])

    def spider_idle(self) -> None:
        """Scrapy has nothing left in flight: request more found pages, or let it close."""
        if not len(self.frontier):
            return
        self.frontier.settled()
        requests = list(self.release())
        for request in requests:
            self.crawler.engine.crawl(request)
        if requests:
            raise DontCloseSpider

    def spider_closed(self) -> None:
        self.forget()
