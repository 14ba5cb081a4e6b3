"""The crawl loop shared by the ``news``, ``source`` and ``news_distributed`` spiders (glue only).

A start URL is fetched and read (:mod:`newscrawl.discover.starts`): a feed or a sitemap
yields article requests, an HTML page is processed (:func:`newscrawl.process.process_page`):
an article becomes an item, a listing's links are followed (depth-limited, within the
allowed domains), an app shell is rendered. What a page *is* is decided there; this module
only turns those answers into requests and items. The other concerns are components:

- one run at a time per source and database: :mod:`newscrawl.extensions.run_lock`
  (the spider names its ``lock_key``);
- pages processed in the crawler or in extraction workers: :mod:`newscrawl.spiders.processing`;
- found article pages held back and released as answers come: :mod:`newscrawl.spiders.flow`;
- JavaScript rendering: :mod:`newscrawl.spiders.rendering`;
- failed requests counted and logged: :mod:`newscrawl.spiders.failures`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import scrapy
from newscrawl.spiders.failures import FailureAccounting, describe_failure, failed_request
from newscrawl.spiders.flow import FrontierFlow
from newscrawl.spiders.processing import page_processor
from newscrawl.spiders.rendering import Rendering
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, NotConfigured
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from newscrawl.archive.location import set_warc_location
from newscrawl.archive.write import warc_meta
from newscrawl.article import Article
from newscrawl.discover.frontier import FoundPage
from newscrawl.discover.incremental import SeenUrls
from newscrawl.discover.links import select_links
from newscrawl.discover.starts import read_start
from newscrawl.process import PageOutcome, PageProcessor
from newscrawl.run.locks import CrawlLocked, lock_path
from newscrawl.sources import Source, load_sources, source_for_url

logger = logging.getLogger(__name__)

#: Prefix of the discovery stats.
DISCOVER = "newscrawl/discover/"

PRIORITY_ARTICLE = 20
PRIORITY_DISCOVERY = 10
PRIORITY_LISTING = 0

#: Start URLs, feeds and sitemaps are kept in the HTTP cache only to be revalidated (ETag /
#: Last-Modified, 304 Not Modified). ``max-age=0`` (what a browser's reload sends) stops a
#: heuristically "fresh" copy from being used without asking the server; ``no-cache`` would
#: too, but Scrapy's RFC2616Policy then sends no validators.
REVALIDATE = {"Cache-Control": "max-age=0"}


@dataclass(frozen=True, slots=True)
class DiscoverySettings:
    """The settings the spiders read, once."""

    database_url: str
    follow_originals: bool
    recrawl_hours: float
    listing_depth: int
    sources_file: str | None
    maxsize: int
    sitemap_max_age_days: float

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DiscoverySettings:
        s = crawler.settings
        return cls(
            database_url=s.get("DATABASE_URL", "sqlite:///news.db"),
            follow_originals=s.getbool("FOLLOW_ORIGINALS", True),
            recrawl_hours=s.getfloat("NEWSCRAWL_RECRAWL_WINDOW_HOURS", 24.0),
            listing_depth=s.getint("NEWSCRAWL_LISTING_DEPTH", 2),
            sources_file=s.get("NEWSCRAWL_SOURCES_FILE") or None,
            maxsize=s.getint("DOWNLOAD_MAXSIZE", 0),
            sitemap_max_age_days=s.getfloat("NEWSCRAWL_SITEMAP_MAX_AGE_DAYS", 0.0),
        )


class DiscoverySpider(scrapy.Spider):
    """Base of the project's spiders: subclasses set ``start_urls``, ``allowed_domains``,
    ``source`` (a :class:`Source` or None) and ``lock_key``."""

    start_urls: list[str]
    allowed_domains: list[str] | None
    source: Source | None = None
    sources: list[Source]
    max_articles: int | None = None
    articles_emitted: int = 0
    lock_key: str = ""
    conf: DiscoverySettings
    pages: PageProcessor
    rendering: Rendering
    failures: FailureAccounting
    #: Hold found article pages back (:mod:`newscrawl.spiders.flow`; off where every request
    #: must reach a shared queue at once, as in a distributed crawl).
    uses_frontier: bool = True
    flow: FrontierFlow | None = None
    seen: SeenUrls | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> DiscoverySpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.conf = DiscoverySettings.from_crawler(crawler)
        spider.setup_sources()
        if spider.source is not None and spider.source.politeness:
            crawler.settings.setdict(dict(spider.source.politeness), priority="spider")
        spider.pages = page_processor(crawler)
        spider.rendering = Rendering.from_crawler(crawler)
        spider.failures = FailureAccounting(crawler)
        if spider.uses_frontier:
            spider.flow = FrontierFlow.from_crawler(
                crawler, spider._found_request, spider._enough_articles
            )
        crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        return spider

    def setup_sources(self) -> None:
        try:
            self.sources = list(load_sources(self.conf.sources_file).values())
        except ValueError as err:
            if self.conf.sources_file:
                raise
            logger.debug("no sources file: %s", err)
            self.sources = []

    def _closed(self) -> None:
        if self.seen is not None:
            self.seen.close()

    # --- helpers --------------------------------------------------------------------------
    def _inc(self, key: str, n: int = 1) -> None:
        self.crawler.stats.inc_value(f"{DISCOVER}{key}", n)

    @property
    def needs_js(self) -> bool:
        return bool(self.source and self.source.needs_js)

    def source_name(self, url: str) -> str | None:
        """The source an article URL belongs to: the defined source covering it, else ours."""
        if self.source is not None and self.source.covers(url):
            return self.source.name
        found = source_for_url(self.sources, url)
        return found.name if found else None

    def _enough_articles(self) -> bool:
        return self.max_articles is not None and self.articles_emitted >= self.max_articles

    def _page_request(
        self,
        url: str,
        meta: dict[str, Any],
        priority: int = PRIORITY_ARTICLE,
        dont_filter: bool = False,
    ) -> Request:
        """A request for an HTML page (article, listing or app shell to render)."""
        return Request(
            url,
            callback=self.parse_page,
            errback=self.page_failed,
            priority=priority,
            meta=meta,
            dont_filter=dont_filter,
        )

    def _page_meta(self, depth: int) -> dict[str, Any]:
        meta: dict[str, Any] = {"nc_role": "page", "nc_depth": depth, "dont_cache": True}
        if self.needs_js and self.rendering.available:
            meta.update(self.rendering.meta())
        return meta

    def _article_request(self, url: str, depth: int, offsite: bool) -> Request:
        meta = self._page_meta(depth)
        if offsite:
            meta["allow_offsite"] = True
        return self._page_request(url, meta)

    def _found_request(self, page: FoundPage) -> Request:
        return self._article_request(page.url, page.depth, page.offsite)

    def article_requests(
        self, urls: Sequence[str], *, depth: int = 0, offsite: bool = False
    ) -> Iterator[Request]:
        """Requests for pages that probably are articles, except those seen recently; with
        a frontier the pages wait there, released as answers come back."""
        assert self.seen is not None
        fresh = self.seen.unseen(urls)
        self._inc("article/skipped_seen", len(urls) - len(fresh))
        if self.flow is not None:
            yield from self.flow.hold(fresh, depth, offsite=offsite)
            return
        for url in fresh:
            if self._enough_articles():
                return
            yield self._article_request(url, depth, offsite)

    def _answered(self, meta: dict[str, Any]) -> Iterator[Request]:
        """A page came back or failed: the frontier's next pages."""
        if self.flow is not None:
            yield from self.flow.answered(meta)

    # --- the crawl ------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Request]:
        self.articles_emitted = 0
        self.seen = SeenUrls.open(self.conf.database_url, self.conf.recrawl_hours)
        if self.source is not None:  # lands in crawl_runs.stats
            self.crawler.stats.set_value("newscrawl/source", self.source.name)
        for url in self.start_urls:
            yield Request(
                url,
                callback=self.parse_start,
                errback=self.start_failed,
                priority=PRIORITY_DISCOVERY,
                meta={"nc_role": "start", "nc_depth": 0},
                headers=REVALIDATE,
                dont_filter=True,
            )

    async def parse_start(self, response: Response) -> AsyncIterator[Request | Article]:
        """A start URL, a robots.txt, a feed or a sitemap: what it leads to."""
        ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        answer = read_start(
            response.url,
            response.body,
            ctype,
            maxsize=self.conf.maxsize,
            sitemap_cutoff=self._sitemap_cutoff(),
        )
        for key, count in answer.counts.items():
            self._inc(key, count)
        if answer.kind == "html" and isinstance(response, TextResponse):
            async for output in self.parse_page(response):
                yield output
            return
        if answer.kind in ("html", "other"):
            logger.info("not a feed, sitemap or HTML page: %s (%s)", response.url, ctype)
        for request in self._follow_discovery(answer.follow):
            yield request
        for request in self.article_requests(answer.articles):
            yield request

    def _sitemap_cutoff(self) -> datetime | None:
        days = self.conf.sitemap_max_age_days
        return datetime.now(UTC) - timedelta(days=days) if days > 0 else None

    def _follow_discovery(self, urls: Iterable[str]) -> Iterator[Request]:
        for url in urls:
            yield Request(
                url,
                callback=self.parse_start,
                errback=self.page_failed,
                priority=PRIORITY_DISCOVERY,
                meta={"nc_role": "discovery", "nc_depth": 0},
                headers=REVALIDATE,
            )

    async def parse_page(self, response: Response) -> AsyncIterator[Request | Article]:
        """An HTML page, processed in the crawler or an extraction worker
        (:func:`newscrawl.process.process_page`): its article, its links, or its render."""
        for request in self._answered(response.meta):
            yield request
        if not isinstance(response, TextResponse):
            self._inc("page/not_text")
            return
        if self._enough_articles():
            raise CloseSpider("max_articles")
        outcome = await self.pages.process(
            response.url,
            response.text,
            body=response.body,
            encoding=response.encoding,
            source=self.source_name(response.url),
            rendered=response.meta.get("nc_rendered", False),
            fetched_at=datetime.now(UTC),
        )
        if outcome is not None:  # None: it killed its worker every time (counted)
            for output in self._follow_outcome(response, outcome):
                yield output

    def _follow_outcome(
        self, response: TextResponse, outcome: PageOutcome
    ) -> Iterator[Request | Article]:
        """The requests and items a processed page leads to."""
        if outcome.kind == "article" and outcome.article is not None:
            if outcome.error:  # stored as extracted
                logger.error("%s: %s", response.url, outcome.error)
            yield from self._emit_article(response, outcome.article)
        elif outcome.kind == "listing":
            self._inc("page/listing")
            yield from self._listing_requests(response, outcome.links)
        elif outcome.kind == "app_shell":
            yield from self.rendering.app_shell(
                response, lambda meta: self._page_request(response.url, meta, dont_filter=True)
            )
        elif outcome.kind == "unparsable":
            logger.info("not an HTML page: %s (%s)", response.url, outcome.error)
            self._inc("page/unparsable")
        else:
            logger.warning("%s: %s", response.url, outcome.error)
            self.crawler.stats.inc_value("newscrawl/extract/failed")

    def _emit_article(
        self, response: TextResponse, article: Article
    ) -> Iterator[Request | Article]:
        if self._enough_articles():
            raise CloseSpider("max_articles")  # others in flight reached it meanwhile
        self.articles_emitted += 1
        self._inc("article/extracted")
        location = warc_meta(response.meta)  # NEWSCRAWL_WARC_DIR: where its record is
        if location is not None:
            set_warc_location(article, *location)
        yield article
        original = article.hints.get("original_url")
        if original and self.conf.follow_originals and original != response.url:
            self._inc("originals/followed")
            yield from self.article_requests([original], offsite=True)

    def _listing_requests(self, response: TextResponse, hrefs: list[str]) -> Iterator[Request]:
        depth = response.meta.get("nc_depth", 0)
        if depth >= self.conf.listing_depth:
            return
        # no allowed domains: the page's own host (select_links' rule)
        selection = select_links(response.url, hrefs, self.allowed_domains or ())
        yield from self.article_requests(selection.articles, depth=depth + 1)
        for url in selection.listings:
            yield self._page_request(url, self._page_meta(depth + 1), PRIORITY_LISTING)

    # --- failures -------------------------------------------------------------------------
    def start_failed(self, failure: Failure) -> None:
        self.failures.start_failed(failure, len(self.start_urls))

    def page_failed(self, failure: Failure) -> Iterator[Request]:
        self.failures.page_failed(failure)
        yield from self._answered(failed_request(failure).meta)


def split_urls(value: str | Iterable[str] | None) -> list[str]:
    """``-a start_urls=A,B`` (or a list) as a list of URLs.

    >>> split_urls("https://a.example/rss, https://b.example/sitemap.xml")
    ['https://a.example/rss', 'https://b.example/sitemap.xml']
    """
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [u.strip() for u in items if u and u.strip()]


def optional_int(value: Any, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise NotConfigured(f"{name} must be an integer, not {value!r}") from None
    if number < 1:
        raise NotConfigured(f"{name} must be at least 1")
    return number


__all__ = [
    "CrawlLocked",  # re-exported: its home is newscrawl.run.locks
    "DiscoverySpider",
    "describe_failure",  # re-exported: its home is newscrawl.spiders.failures
    "lock_path",
    "optional_int",
    "split_urls",
]
