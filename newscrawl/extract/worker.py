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

import os
import signal
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from newscrawl.article import Article
from newscrawl.dedupe.prepare import HINT_KEY, prepare
from newscrawl.discover.pages import article_verdict, is_app_shell
from newscrawl.extract.core import extract_document
from newscrawl.extract.document import UnparsablePage, parse_document
from newscrawl.gctuning import tune_gc
from newscrawl.normalize import normalize_article

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


#: Seconds between a worker's checks that the crawler that started it is still alive.
WATCH_INTERVAL = 1.0


def start_worker(gc_thresholds: tuple[int, int, int] | None, crawler_pid: int) -> None:
    """Pool initializer: leave Ctrl-C to the crawler (which stops cleanly and shuts the pool
    down; a worker interrupted mid-page would break the pool), exit when the crawler is gone
    and, with everything imported, tune the collector as the crawler does."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(crawler_pid,), daemon=True).start()
    if gc_thresholds is not None:
        tune_gc(gc_thresholds)


def _exit_with(crawler_pid: int) -> None:
    """End this worker once ``crawler_pid`` has died.

    A crawler killed with SIGKILL cannot shut its pool down, and nothing else would: the
    workers wait on a queue whose other end they hold themselves, and they keep the fork
    server alive. Without this they would sit in memory for good after every killed crawl.
    """
    while True:
        time.sleep(WATCH_INTERVAL)
        try:
            os.kill(crawler_pid, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:  # alive, under another user (a recycled pid at worst)
            pass


def fill_crawl_fields(article: Article, source: str | None, fetched_at: datetime) -> Article:
    """The fields a crawl knows and a page does not say: who was crawled, and when."""
    if article.source is None:
        article.source = source or (urlsplit(article.url).hostname or "").removeprefix("www.")
    if article.fetched_at is None:
        article.fetched_at = fetched_at
    return article


def finish_article(article: Article) -> Article:
    """Normalize and prepare ``article`` as the normalize and dedupe pipelines would.

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
    try:
        prepared = prepare(normalized)
    except Exception:
        prepared = None
    normalized.hints[NORMALIZED_KEY] = dict(outcomes)
    if prepared is not None:
        normalized.hints[HINT_KEY] = prepared
    return normalized


def classify_page(
    text: str,
    url: str,
    source: str | None,
    rendered: bool,
    fetched_at: datetime | None = None,
    *,
    finish: bool = True,
) -> PageResult:
    """Parse ``text`` once and decide, extract (and, with ``finish``, normalize and
    prepare) as ``DiscoverySpider.parse_page`` and the item pipelines do."""
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
