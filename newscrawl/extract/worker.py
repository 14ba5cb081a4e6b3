"""A page classified, extracted, normalized and prepared in a worker process.

``NEWSCRAWL_EXTRACT_WORKERS`` sets the number of worker processes.

Scrapy runs a crawl on one thread; parsing, extraction, normalization and fingerprinting
are most of a news crawl's CPU. :func:`classify_page` does in one call, on one parse, what
the spider's ``parse_page`` and the normalize and dedupe pipelines do in-process:
unparsable page, app shell, article (extracted, normalized and prepared for storage) or
listing (its links). It takes and returns only picklable values, so a
:class:`concurrent.futures.ProcessPoolExecutor` can run it while the reactor keeps
downloading.

The pipelines recognise the work already done from the article's hints: the normalize
pipeline counts the outcomes recorded under :data:`NORMALIZED_KEY` instead of normalizing
again, and the dedupe pipeline takes the preparation under
:data:`newscrawl.dedupe.prepare.HINT_KEY`.
"""

from __future__ import annotations

import codecs
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from newscrawl.article import Article
from newscrawl.dedupe.prepare import HINT_KEY, prepare
from newscrawl.dedupe.urls import choose_canonical_url
from newscrawl.discover.pages import article_verdict, is_app_shell
from newscrawl.extract.core import extract_document
from newscrawl.extract.document import UnparsablePage, parse_document
from newscrawl.normalize import normalize_article
from newscrawl.run.gctuning import tune_gc

#: Hint holding the normalization outcomes (stats key -> count) of an article normalized
#: in a worker; the normalize pipeline counts them and does not normalize again.
NORMALIZED_KEY = "newscrawl.normalized"


@dataclass(slots=True)
class PageResult:
    """What a page is: ``kind`` is unparsable, app_shell, article, failed or listing."""

    kind: str
    article: Article | None = None
    hrefs: list[str] = field(default_factory=list)
    error: str = ""


def start_worker(gc_thresholds: tuple[int, int, int] | None) -> None:
    """Set a worker process up: with everything imported, tune the collector as the
    crawler does."""
    if gc_thresholds is not None:
        tune_gc(gc_thresholds)


def fill_crawl_fields(article: Article, source: str | None, fetched_at: datetime) -> Article:
    """The fields a crawl knows and a page does not say: who was crawled, and when."""
    if article.source is None:
        article.source = source or (urlsplit(article.url).hostname or "").removeprefix("www.")
    if article.fetched_at is None:
        article.fetched_at = fetched_at
    return article


def finish_article(article: Article) -> Article:
    """Normalize and prepare ``article`` and choose its canonical URL, as the normalize and
    dedupe pipelines would.

    Outcomes go to the hints (:data:`NORMALIZED_KEY`). Any failure leaves the article as it
    came, so the pipelines do the work themselves and count the error where they always do.
    """
    outcomes: Counter[str] = Counter()

    def record(key: str) -> None:
        outcomes[key] += 1

    try:
        normalized = normalize_article(article, on_outcome=record)
    except Exception:
        return article
    normalized.hints[NORMALIZED_KEY] = dict(outcomes)
    try:
        prepared = prepare(normalized)
        canonical = choose_canonical_url(normalized.url, normalized.canonical_url)
    except Exception:  # the dedupe pipeline prepares it, and counts the failure
        return normalized
    normalized.hints[HINT_KEY] = prepared
    normalized.canonical_url = canonical  # what the dedupe pipeline sets, after preparing
    return normalized


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


def classify_page(
    text: str | bytes,
    url: str,
    source: str | None,
    rendered: bool,
    fetched_at: datetime | None = None,
    *,
    finish: bool = True,
) -> PageResult:
    """Parse ``text`` once and decide, extract (and, with ``finish``, normalize and
    prepare) as ``DiscoverySpider.parse_page`` and the item pipelines do. Bytes are UTF-8
    (see :func:`page_payload`)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    try:
        doc = parse_document(text, url)
    except UnparsablePage as err:
        return PageResult("unparsable", error=str(err))
    if not rendered and is_app_shell(doc.tree):
        return PageResult("app_shell")
    if article_verdict(doc.tree).is_article:
        try:
            article = extract_document(doc, source=source)
        except Exception as err:  # the same net as the in-process path
            return PageResult("failed", error=repr(err))
        fill_crawl_fields(article, source, fetched_at or datetime.now(UTC))
        return PageResult("article", article=finish_article(article) if finish else article)
    return PageResult("listing", hrefs=[str(href) for href in doc.tree.xpath("//a/@href")])
