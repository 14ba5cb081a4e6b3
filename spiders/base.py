"""The crawl loop shared by the ``news`` and ``source`` spiders (Scrapy glue only).

A start URL is fetched and sniffed: a feed or a sitemap yields article requests, an HTML
page is an article (extracted) or a listing (its links followed, depth-limited, within the
allowed domains). What a page *is* is decided by :mod:`newscrawl.discover`; this module
only turns those decisions into requests and items.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from filelock import FileLock, Timeout
from newscrawl.middlewares.browser_prefetch import browser_request
from newscrawl.middlewares.unreachable import HostUnreachable
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, DontCloseSpider, NotConfigured
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from newscrawl.article import Article
from newscrawl.discover.feeds import parse_feed
from newscrawl.discover.frontier import Frontier, host_of
from newscrawl.discover.incremental import SeenUrls
from newscrawl.discover.kinds import PageKind, sniff_kind
from newscrawl.discover.links import select_links
from newscrawl.discover.pages import article_verdict, is_app_shell
from newscrawl.discover.sitemaps import decompress, parse_sitemap, robots_sitemaps
from newscrawl.extract.core import extract_document
from newscrawl.extract.document import Document, UnparsablePage, parse_document
from newscrawl.extract.pool import (
    WorkerDied,
    WorkerPool,
    acquire_pool,
    release_pool,
    worker_count,
)
from newscrawl.extract.worker import (
    PageResult,
    classify_page,
    fill_crawl_fields,
    page_payload,
)
from newscrawl.run.gctuning import gc_thresholds
from newscrawl.run.outcome import FAILED_KEY
from newscrawl.run.paths import default_lock_dir
from newscrawl.sources import Source, load_sources, source_for_url

logger = logging.getLogger(__name__)

#: Times a page is handed to the extraction workers when they keep dying on it.
WORKER_ATTEMPTS = 3

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


class CrawlLocked(RuntimeError):
    """Another run of the same source into the same database holds the lock."""


@dataclass(frozen=True, slots=True)
class CrawlSettings:
    """The settings the spiders read, once."""

    database_url: str
    follow_originals: bool
    recrawl_hours: float
    listing_depth: int
    lock_dir: Path
    browser: bool
    sources_file: str | None
    maxsize: int
    sitemap_max_age_days: float
    extract_workers: int
    gc_thresholds: tuple[int, int, int] | None
    frontier_size: int
    frontier_host_size: int

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlSettings:
        s = crawler.settings
        chromium = (s.getdict("PLAYWRIGHT_LAUNCH_OPTIONS") or {}).get("executable_path")
        return cls(
            database_url=s.get("DATABASE_URL", "sqlite:///news.db"),
            follow_originals=s.getbool("FOLLOW_ORIGINALS", True),
            recrawl_hours=s.getfloat("NEWSCRAWL_RECRAWL_WINDOW_HOURS", 24.0),
            listing_depth=s.getint("NEWSCRAWL_LISTING_DEPTH", 2),
            lock_dir=Path(s.get("NEWSCRAWL_LOCK_DIR") or default_lock_dir()),
            browser=s.getbool("NEWSCRAWL_RENDER_JS", True)
            and bool(chromium and (Path(chromium).exists() or shutil.which(chromium))),
            sources_file=s.get("NEWSCRAWL_SOURCES_FILE") or None,
            maxsize=s.getint("DOWNLOAD_MAXSIZE", 0),
            sitemap_max_age_days=s.getfloat("NEWSCRAWL_SITEMAP_MAX_AGE_DAYS", 0.0),
            extract_workers=worker_count(s.get("NEWSCRAWL_EXTRACT_WORKERS", "auto")),
            gc_thresholds=gc_thresholds(s.getlist("NEWSCRAWL_GC_THRESHOLDS"))
            if s.getbool("NEWSCRAWL_GC_TUNING", True)
            else None,
            # a JOBDIR saves Scrapy's queue for a resumed crawl; pages held back would be lost
            frontier_size=0 if s.get("JOBDIR") else s.getint("NEWSCRAWL_FRONTIER_SIZE", 512),
            # Scrapy fetches CONCURRENT_REQUESTS_PER_DOMAIN pages of a host at a time
            frontier_host_size=8 * s.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 8),
        )


def lock_path(lock_dir: Path, key: str, database_url: str) -> Path:
    """One lock file per (source or start URLs, database)."""
    digest = hashlib.sha1(f"{key}\n{database_url}".encode()).hexdigest()[:16]
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in key)[:40]
    return lock_dir / f"newscrawl-{safe}-{digest}.lock"


class DiscoverySpider(scrapy.Spider):
    """Base of the project's spiders: subclasses set ``start_urls``, ``allowed_domains``,
    ``source`` (a :class:`Source` or None) and ``lock_key``."""

    start_urls: list[str]
    allowed_domains: list[str] | None
    conf: CrawlSettings
    _lock: FileLock
    source: Source | None = None
    max_articles: int | None = None
    lock_key: str = ""
    _pool: WorkerPool | None = None
    #: Hold found article pages back in a :class:`Frontier` (off where every request must
    #: reach a shared queue at once, as in a distributed crawl).
    uses_frontier: bool = True
    frontier: Frontier | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> DiscoverySpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.conf = CrawlSettings.from_crawler(crawler)
        spider.setup_sources()
        if spider.source is not None and spider.source.politeness:
            crawler.settings.setdict(dict(spider.source.politeness), priority="spider")
        spider._lock = spider._acquire_lock()
        if spider.conf.extract_workers:
            spider._pool = acquire_pool(spider.conf.extract_workers, spider.conf.gc_thresholds)
        if spider.uses_frontier and spider.conf.frontier_size > 0:
            spider.frontier = Frontier(spider.conf.frontier_size, spider.conf.frontier_host_size)
            crawler.signals.connect(spider._release_when_idle, signal=signals.spider_idle)
            crawler.signals.connect(spider._request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        return spider

    # --- set-up -------------------------------------------------------------------------
    def setup_sources(self) -> None:
        try:
            self.sources = list(load_sources(self.conf.sources_file).values())
        except ValueError as err:
            if self.conf.sources_file:
                raise
            logger.debug("no sources file: %s", err)
            self.sources = []

    def _acquire_lock(self) -> FileLock:
        self.conf.lock_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(lock_path(self.conf.lock_dir, self.lock_key, self.conf.database_url))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            logger.error(
                "another crawl of %r into this database is running (lock %s); not starting",
                self.lock_key,
                lock.lock_file,
            )
            raise CrawlLocked(self.lock_key) from None
        return lock

    async def _closed(self) -> None:
        self._forget_found()
        if getattr(self, "seen", None) is not None:
            self.seen.close()
        try:
            if self._pool is not None:
                await release_pool(self._pool)
        finally:
            self._lock.release()

    # --- helpers --------------------------------------------------------------------------
    def _inc(self, key: str, n: int = 1) -> None:
        self.crawler.stats.inc_value(f"{DISCOVER}{key}", n)

    @property
    def page_callback(self) -> Callable[[Response], Any]:
        """``parse_page``, or its worker-process twin when ``NEWSCRAWL_EXTRACT_WORKERS`` > 0."""
        return self.parse_page if self._pool is None else self.parse_page_in_worker

    @property
    def needs_js(self) -> bool:
        return bool(self.source and self.source.needs_js)

    def source_name(self, url: str) -> str | None:
        """The source an article URL belongs to: the defined source covering it, else ours."""
        if self.source is not None and self.source.covers(url):
            return self.source.name
        found = source_for_url(self.sources, url)
        return found.name if found else None

    def article_requests(
        self, urls: Sequence[str], *, depth: int = 0, offsite: bool = False
    ) -> Iterator[Request]:
        """Requests for pages that probably are articles, except those seen recently.

        With a frontier the pages wait there, and only enough are requested to keep
        ``NEWSCRAWL_FRONTIER_SIZE`` of them in flight.
        """
        fresh = self.seen.unseen(urls)
        self._inc("article/skipped_seen", len(urls) - len(fresh))
        if self.frontier is not None:
            self.frontier.add(fresh, depth, offsite=offsite)
            self.crawler.stats.max_value(f"{DISCOVER}frontier/held_peak", len(self.frontier))
            yield from self._release_found()
            return
        for url in fresh:
            if self._enough_articles():
                return
            yield self._page_request(url, depth=depth, offsite=offsite)

    def _enough_articles(self) -> bool:
        return self.max_articles is not None and self.articles_emitted >= self.max_articles

    def _release_found(self) -> Iterator[Request]:
        """Requests for the frontier's pages that fit in flight now."""
        if self.frontier is None:
            return
        if self._enough_articles():
            self._forget_found()
            return
        for page in self.frontier.release():
            yield self._page_request(page.url, depth=page.depth, offsite=page.offsite, found=True)

    def _forget_found(self) -> None:
        """The crawl is stopping: count the found pages it will not request."""
        if self.frontier is not None and len(self.frontier):
            self._inc("frontier/left", self.frontier.clear())

    def _page_answered(self, meta: dict[str, Any]) -> Iterator[Request]:
        """A page came back or failed: one fewer in flight, so request the next ones."""
        if self.frontier is None:
            return
        if meta.get("nc_found"):
            self.frontier.answered(meta["nc_found"])
        yield from self._release_found()

    def _request_dropped(self, request: Request) -> None:
        # no new requests from here: Scrapy is inside its scheduler; the next answer or
        # the idle signal releases them
        if self.frontier is not None and request.meta.get("nc_found"):
            self.frontier.answered(request.meta["nc_found"])

    def _release_when_idle(self) -> None:
        """Scrapy has nothing left in flight: request more found pages, or let it close."""
        if self.frontier is None or not len(self.frontier):
            return
        self.frontier.settled()
        requests = list(self._release_found())
        for request in requests:
            self.crawler.engine.crawl(request)
        if requests:
            raise DontCloseSpider

    def _page_request(self, url: str, *, depth: int, offsite: bool, found: bool = False) -> Request:
        meta: dict[str, Any] = {"nc_role": "page", "nc_depth": depth, "dont_cache": True}
        if found:  # the host it was released for, to report the answer against
            meta["nc_found"] = host_of(url)
        if offsite:
            meta["allow_offsite"] = True
        if self.needs_js and self.conf.browser:
            meta.update(self.render_meta())
        return Request(
            url,
            callback=self.page_callback,
            errback=self.page_failed,
            priority=PRIORITY_ARTICLE,
            meta=meta,
        )

    def render_meta(self) -> dict[str, Any]:
        self._inc("render/requests")
        return {
            "playwright": True,
            "nc_rendered": True,
            "playwright_page_goto_kwargs": {"wait_until": "networkidle"},
        }

    # --- the crawl ------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Request]:
        self.articles_emitted = 0
        self.start_failures = 0
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

    def parse_start(self, response: Response) -> Iterator[Request | Article]:
        """A start URL, a feed or a sitemap: sniff what it is and dispatch."""
        if urlsplit(response.url).path.endswith("/robots.txt"):
            yield from self._follow_discovery(robots_sitemaps(response.body, response.url))
            return
        try:
            body = decompress(response.body, self.conf.maxsize)
        except Exception as err:  # a gzip bomb or a broken archive
            logger.warning("cannot decompress %s: %s", response.url, err)
            self._inc("start/undecodable")
            return
        ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        kind = sniff_kind(body, ctype)
        self._inc(f"kind/{kind}")
        if kind is PageKind.FEED:
            entries = parse_feed(body, response.url)
            self._inc("feed/entries", len(entries))
            yield from self.article_requests([e.url for e in entries])
        elif kind is PageKind.SITEMAP:
            sitemap = parse_sitemap(body)
            fresh = sitemap.since(self._sitemap_cutoff())
            self._inc("sitemap/too_old", len(sitemap.entries) - len(fresh))
            if sitemap.is_index:
                yield from self._follow_discovery(e.loc for e in fresh)
            else:
                self._inc("sitemap/entries", len(fresh))
                yield from self.article_requests([e.loc for e in fresh])
        elif kind is PageKind.HTML and isinstance(response, TextResponse):
            yield from self.parse_page(response)
        else:
            logger.info("not a feed, sitemap or HTML page: %s (%s)", response.url, ctype)

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

    def parse_page(self, response: Response) -> Iterator[Request | Article]:
        """An HTML page: an article to extract, an app shell to render, or a listing."""
        yield from self._page_answered(response.meta)
        if not isinstance(response, TextResponse):
            self._inc("page/not_text")
            return
        try:  # parsed once: the same tree decides and is extracted from
            doc = parse_document(response.text, response.url)
        except UnparsablePage as err:
            logger.info("not an HTML page: %s (%s)", response.url, err)
            self._inc("page/unparsable")
            return
        tree = doc.tree
        rendered = response.meta.get("nc_rendered", False)
        if not rendered and is_app_shell(tree):
            yield from self._app_shell(response)
            return
        verdict = article_verdict(tree)
        if verdict.is_article:
            yield from self.parse_article(response, doc)
        else:
            self._inc("page/listing")
            yield from self.parse_listing(response, doc)

    async def parse_page_in_worker(self, response: Response) -> AsyncIterator[Request | Article]:
        """:meth:`parse_page` with the parse, the decision, the extraction, normalization and
        the dedupe preparation done in the worker pool
        (:func:`newscrawl.extract.worker.classify_page`)."""
        for request in self._page_answered(response.meta):
            yield request
        if not isinstance(response, TextResponse):
            self._inc("page/not_text")
            return
        if self._enough_articles():
            raise CloseSpider("max_articles")
        source = self.source_name(response.url)
        result = await self._classify_in_worker(response, source)
        if result is None:
            return
        if result.kind == "unparsable":
            logger.info("not an HTML page: %s (%s)", response.url, result.error)
            self._inc("page/unparsable")
        elif result.kind == "app_shell":
            for request in self._app_shell(response):
                yield request
        elif result.kind == "failed":
            logger.warning("extraction failed for %s: %s", response.url, result.error)
            self.crawler.stats.inc_value("newscrawl/extract/failed")
        elif result.kind == "article" and result.article is not None:
            if self._enough_articles():
                raise CloseSpider("max_articles")  # others in flight reached it meanwhile
            for out in self._emit_article(response, result.article, source):
                yield out
        else:
            self._inc("page/listing")
            for request in self._listing_requests(response, result.hrefs):
                yield request

    async def _classify_in_worker(
        self, response: TextResponse, source: str | None
    ) -> PageResult | None:
        """The worker's answer for a page; None when workers died on it every time.

        A worker that dies (killed, out of memory, crashed in C code) fails the pages it
        held; the pool replaces it and those pages are tried again, up to
        :data:`WORKER_ATTEMPTS` times, so only a page that kills its worker each time is given
        up, counted and logged.
        """
        assert self._pool is not None
        rendered = response.meta.get("nc_rendered", False)
        fetched = datetime.now(UTC)
        page = page_payload(response.text, response.body, response.encoding)
        for _attempt in range(WORKER_ATTEMPTS):
            try:
                return await self._pool.run(
                    classify_page, page, response.url, source, rendered, fetched
                )
            except WorkerDied:
                logger.warning("an extraction worker died on %s; retrying", response.url)
                self.crawler.stats.inc_value("newscrawl/extract/worker_died")
        logger.error(
            "extraction workers died %d times on %s; page given up", WORKER_ATTEMPTS, response.url
        )
        self.crawler.stats.inc_value("newscrawl/extract/worker_crashed")
        return None

    def _app_shell(self, response: TextResponse) -> Iterator[Request]:
        """An app shell: render it in the browser (from this body), or count that we cannot."""
        self._inc("page/app_shell")
        if self.conf.browser:
            meta = {
                "nc_role": response.meta.get("nc_role", "page"),
                "nc_depth": response.meta.get("nc_depth", 0),
                "dont_cache": True,
                **self.render_meta(),
            }
            request = Request(
                response.url,
                callback=self.page_callback,
                errback=self.page_failed,
                priority=PRIORITY_ARTICLE,
                meta=meta,
                dont_filter=True,
            )
            # the browser is answered from this already-checked body: no second fetch
            yield browser_request(request, response)
        else:
            logger.warning("app shell but JavaScript rendering is off: %s", response.url)
            self._inc("render/unavailable")

    def parse_article(
        self, response: TextResponse, doc: Document | None = None
    ) -> Iterator[Request | Article]:
        if self._enough_articles():
            raise CloseSpider("max_articles")
        source = self.source_name(response.url)
        try:
            if doc is None:
                doc = parse_document(response.text, response.url)
            article = extract_document(doc, source=source)
        except Exception as err:
            logger.warning("extraction failed for %s: %r", response.url, err)
            self.crawler.stats.inc_value("newscrawl/extract/failed")
            return
        yield from self._emit_article(response, article, source)

    def _emit_article(
        self, response: TextResponse, article: Article, source: str | None
    ) -> Iterator[Request | Article]:
        fill_crawl_fields(article, source, datetime.now(UTC))
        self.articles_emitted += 1
        self._inc("article/extracted")
        yield article
        original = article.hints.get("original_url")
        if original and self.conf.follow_originals and original != response.url:
            self._inc("originals/followed")
            yield from self.article_requests([original], offsite=True)

    def parse_listing(
        self, response: TextResponse, doc: Document | None = None
    ) -> Iterator[Request]:
        if doc is not None:
            hrefs = [str(href) for href in doc.tree.xpath("//a/@href")]
        else:
            hrefs = response.xpath("//a/@href").getall()
        yield from self._listing_requests(response, hrefs)

    def _listing_requests(self, response: TextResponse, hrefs: list[str]) -> Iterator[Request]:
        depth = response.meta.get("nc_depth", 0)
        if depth >= self.conf.listing_depth:
            return
        # no allowed domains: the page's own host (select_links' rule)
        selection = select_links(response.url, hrefs, self.allowed_domains or ())
        yield from self.article_requests(selection.articles, depth=depth + 1)
        for url in selection.listings:
            meta: dict[str, Any] = {"nc_role": "page", "nc_depth": depth + 1, "dont_cache": True}
            if self.needs_js and self.conf.browser:
                meta.update(self.render_meta())
            yield Request(
                url,
                callback=self.page_callback,
                errback=self.page_failed,
                priority=PRIORITY_LISTING,
                meta=meta,
            )

    # --- failures -------------------------------------------------------------------------
    def start_failed(self, failure: Failure) -> None:
        self.start_failures += 1
        self._inc("start/failed")
        url = failed_request(failure).url
        logger.error("start URL failed: %s: %s", url, describe_failure(failure))
        if self.start_failures == len(self.start_urls):
            self.crawler.stats.set_value(FAILED_KEY, "every start URL failed")

    def page_failed(self, failure: Failure) -> Iterator[Request]:
        self._inc("page/failed")
        request = failed_request(failure)
        if failure.check(HostUnreachable):  # its host was given up, in one WARNING
            logger.debug("page dropped: %s: %s", request.url, failure.getErrorMessage())
        else:
            logger.warning("page failed: %s: %s", request.url, describe_failure(failure))
        yield from self._page_answered(request.meta)


def failed_request(failure: Failure) -> Request:
    """The request an errback's failure is about: Scrapy sets ``failure.request``, an
    attribute Twisted's ``Failure`` does not declare."""
    request: Request = failure.request  # type: ignore[attr-defined]
    return request


def describe_failure(failure: Failure) -> str:
    """What went wrong with a request, for the log: the HTTP status of a non-2xx answer
    (Scrapy's own message, "Ignoring non-200 response", does not say which)."""
    if isinstance(failure.value, HttpError):
        status = failure.value.response.status
        try:
            return f"HTTP {status} {HTTPStatus(status).phrase}"
        except ValueError:
            return f"HTTP {status}"
    return failure.getErrorMessage()


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


__all__ = ["CrawlLocked", "DiscoverySpider", "describe_failure", "optional_int", "split_urls"]
