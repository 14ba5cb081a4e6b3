"""Classify and extract a page in a worker process (``NEWSCRAWL_EXTRACT_WORKERS``).

Scrapy runs a crawl on one thread; parsing and extraction are most of a news crawl's CPU.
:func:`classify_page` does in one call, on one parse, what the spider's ``parse_page`` does
in-process: unparsable page, app shell, article (extracted) or listing (its links). It takes
and returns only picklable values, so a :class:`concurrent.futures.ProcessPoolExecutor` can
run it while the reactor keeps downloading.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from newscrawl.article import Article
from newscrawl.discover.pages import article_verdict, is_app_shell
from newscrawl.extract.core import extract_document
from newscrawl.extract.document import UnparsablePage, parse_document


@dataclass(slots=True)
class PageResult:
    """What a page is: ``kind`` is unparsable, app_shell, article, failed or listing."""

    kind: str
    article: Article | None = None
    hrefs: list[str] = field(default_factory=list)
    error: str = ""


def classify_page(text: str, url: str, source: str | None, rendered: bool) -> PageResult:
    """Parse ``text`` once and decide and extract as ``DiscoverySpider.parse_page`` does."""
    try:
        doc = parse_document(text, url)
    except UnparsablePage as err:
        return PageResult("unparsable", error=str(err))
    if not rendered and is_app_shell(doc.tree):
        return PageResult("app_shell")
    if article_verdict(doc.tree).is_article:
        try:
            return PageResult("article", article=extract_document(doc, source=source))
        except Exception as err:  # the same net as the in-process path
            return PageResult("failed", error=repr(err))
    return PageResult("listing", hrefs=[str(href) for href in doc.tree.xpath("//a/@href")])
