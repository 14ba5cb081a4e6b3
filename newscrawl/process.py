"""One fetched page, one outcome: everything a crawl does with an HTML page, in one function.

:func:`process_page` parses the page once and decides what it is: unparsable, an app shell
(to render in a browser), a listing (its links) or an article. An article is extracted
(:mod:`newscrawl.extract`), given the fields a crawl knows (source, fetch time), normalized
(:mod:`newscrawl.normalize`), its canonical URL chosen and its de-duplication keys prepared
(:mod:`newscrawl.dedupe.prepare`): finished, ready to store.

The spiders run it in the crawler's thread (``NEWSCRAWL_EXTRACT_WORKERS=0``) or in extraction
worker processes (:class:`PageProcessor`, :mod:`newscrawl.extract.pool`) and get the same
outcome either way; ``newscrawl extract`` runs it on saved pages, so what a user sees from a
page is what a crawl stores. It takes and returns only picklable values and no Scrapy
objects. The item pipelines do none of this again: they count the outcomes an article
carries, drop what cannot be stored and store the rest.
"""

from __future__ import annotations

import codecs
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from newscrawl.article import Article
from newscrawl.dedupe.prepare import prepare
from newscrawl.dedupe.urls import choose_canonical_url
from newscrawl.discover.pages import article_verdict, is_app_shell
from newscrawl.extract.core import extract_document
from newscrawl.extract.document import Document, UnparsablePage, parse_document
from newscrawl.extract.pool import (
    GcThresholds,
    WorkerDied,
    WorkerPool,
    acquire_pool,
    release_pool,
)
from newscrawl.normalize import STAT_PREFIX, normalize_article

logger = logging.getLogger(__name__)

#: What a page is: an article (finished), a listing (its links), an app shell to render, not
#: an HTML page at all, or an article page whose extraction failed.
OutcomeKind = Literal["article", "listing", "app_shell", "unparsable", "failed"]

#: Times a page is handed to the extraction workers when they keep dying on it.
WORKER_ATTEMPTS = 3


@dataclass(slots=True)
class PageOutcome:
    """What :func:`process_page` made of a page.

    ``article``: the finished article (``kind == "article"``); its normalization outcomes to
    count are ``article.normalized``, its preparation ``article.prepared``. ``links``: a
    listing's ``<a href>`` values, as written. ``error``: why a page is unparsable or failed,
    or why an article could not be normalized (it is then stored as extracted).
    """

    kind: OutcomeKind
    article: Article | None = None
    links: list[str] = field(default_factory=list)
    error: str = ""


def process_page(
    page: str | bytes,
    url: str,
    *,
    source: str | None = None,
    rendered: bool = False,
    fetched_at: datetime | None = None,
    fast: bool = False,
) -> PageOutcome:
    """Parse ``page`` (text, or UTF-8 bytes: see :func:`page_payload`) once and process it.

    ``source``: the source crawled (set on the article when the page does not say);
    ``rendered``: the page comes from a browser already (an app shell is then a listing, not
    rendered again); ``fetched_at``: when it was downloaded; ``fast``: quicker body
    extraction, slightly lower recall.
    """
    if isinstance(page, bytes):
        page = page.decode("utf-8", errors="replace")
    try:
        doc = parse_document(page, url)
    except UnparsablePage as err:
        return PageOutcome("unparsable", error=str(err))
    return process_document(doc, source=source, rendered=rendered, fetched_at=fetched_at, fast=fast)


def process_document(
    doc: Document,
    *,
    source: str | None = None,
    rendered: bool = False,
    fetched_at: datetime | None = None,
    fast: bool = False,
) -> PageOutcome:
    """:func:`process_page` on an already parsed page (``newscrawl extract`` parses saved pages
    itself, to take a page's URL from its canonical link)."""
    if not rendered and is_app_shell(doc.tree):
        return PageOutcome("app_shell")
    if not article_verdict(doc.tree).is_article:
        return PageOutcome("listing", links=[str(href) for href in doc.tree.xpath("//a/@href")])
    try:
        article = extract_document(doc, source=source, fast=fast)
    except Exception as err:  # a bad page must not stop the crawl
        return PageOutcome("failed", error=f"extraction failed: {err!r}")
    fill_crawl_fields(article, source, fetched_at)
    return finish_article(article)


def fill_crawl_fields(article: Article, source: str | None, fetched_at: datetime | None) -> Article:
    """The fields a crawl knows and a page does not say: who was crawled, and when."""
    if article.source is None:
        host = (urlsplit(article.url).hostname or "").removeprefix("www.")
        article.source = source or host or None
    if article.fetched_at is None:
        article.fetched_at = fetched_at
    return article


def finish_article(article: Article) -> PageOutcome:
    """Normalize ``article``, prepare it for de-duplication and choose its canonical URL.

    The normalization outcomes go to ``normalized`` (stats key -> count) and the preparation
    to ``prepared`` of the returned article, for the pipelines to count and the store to use.
    An article that cannot be normalized is kept as extracted (the error counted and said);
    one that cannot be prepared cannot be stored: the outcome is ``failed``.
    """
    outcomes: Counter[str] = Counter()

    def record(key: str) -> None:
        outcomes[key] += 1

    error = ""
    try:
        article = normalize_article(article, on_outcome=record)
    except Exception as err:  # keep the article as extracted, and say why
        outcomes[f"{STAT_PREFIX}/error/{type(err).__name__}"] += 1
        error = f"normalization failed: {err!r}"
    article.normalized = dict(outcomes)
    try:
        article.prepared = prepare(article)
    except Exception as err:
        return PageOutcome("failed", error=f"preparing for de-duplication failed: {err!r}")
    article.canonical_url = choose_canonical_url(article.url, article.canonical_url)
    return PageOutcome("article", article=article, error=error)


def page_payload(text: str, body: bytes, encoding: str) -> str | bytes:
    """What to send a worker for a page: its raw bytes when they are plain UTF-8 (the worker
    decodes them to exactly ``text``), else the decoded text.

    Pickling a fresh ``str`` re-encodes it to UTF-8 (~0.1 ms for 100 KB of non-ASCII text);
    bytes are copied as they are.

    >>> page_payload("Größe", "Größe".encode(), "utf-8")
    b'Gr\\xc3\\xb6\\xc3\\x9fe'
    >>> page_payload("Größe", "Größe".encode("latin-1"), "cp1252")
    'Größe'
    """
    if encoding == "utf-8" and not body.startswith(codecs.BOM_UTF8):
        return body
    return text


class PageProcessor:
    """Runs :func:`process_page` in this thread (``workers`` 0) or in the process's extraction
    worker pool (:func:`newscrawl.extract.pool.acquire_pool`), with the same outcome.

    A worker that dies (killed, out of memory, crashed in C code) fails the pages it held;
    the pool replaces it and those pages are tried again, up to :data:`WORKER_ATTEMPTS`
    times, so only a page that kills its worker each time is given up. ``count`` receives
    ``newscrawl/extract/worker_died`` for each death and ``newscrawl/extract/worker_crashed``
    for each page given up. The pool is taken on the first page and let go of by
    :meth:`close`.
    """

    def __init__(
        self,
        workers: int,
        gc_thresholds: GcThresholds = None,
        count: Callable[[str], Any] = lambda key: None,
    ) -> None:
        self.workers = workers
        self.gc_thresholds = gc_thresholds
        self.count = count
        self._pool: WorkerPool | None = None  # taken on the first page

    async def process(
        self,
        url: str,
        text: str,
        *,
        body: bytes | None = None,
        encoding: str = "",
        **options: Any,
    ) -> PageOutcome | None:
        """The outcome of a page (``text``, and its ``body`` bytes and ``encoding`` to send a
        worker the bytes when they are UTF-8); None when workers died on it every time.
        ``options`` are :func:`process_page`'s."""
        if not self.workers:
            return process_page(text, url, **options)
        page = page_payload(text, body, encoding) if body is not None else text
        return await self.run(url, process_page, page, url, **options)

    async def run(
        self, url: str, fn: Callable[..., PageOutcome], /, *args: Any, **kwargs: Any
    ) -> PageOutcome | None:
        """``fn(*args, **kwargs)``, a page's processing by other means (an archived record
        read by the worker itself: :func:`newscrawl.archive.importing.process_record`), in
        this thread or a worker, with the same retries; ``url`` names the page in the log."""
        if not self.workers:
            return fn(*args, **kwargs)
        if self._pool is None:
            self._pool = acquire_pool(self.workers, self.gc_thresholds)
        for _attempt in range(WORKER_ATTEMPTS):
            try:
                outcome: PageOutcome = await self._pool.run(fn, *args, **kwargs)
                return outcome
            except WorkerDied:
                logger.warning("an extraction worker died on %s; retrying", url)
                self.count("newscrawl/extract/worker_died")
        logger.error("extraction workers died %d times on %s; page given up", WORKER_ATTEMPTS, url)
        self.count("newscrawl/extract/worker_crashed")
        return None

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await release_pool(pool)
