"""What a start URL (or a feed or sitemap found from one) answered: pages to fetch next.

A robots.txt names sitemaps; a body (gzip too) is sniffed by its first element
(:mod:`newscrawl.discover.kinds`), not its URL: a feed's entries and a sitemap's recent entries
are probable articles, a sitemap index's children are more sitemaps, and an HTML page is
processed as any other page (:func:`newscrawl.process.process_page`). The spiders turn the
answer into requests; no Scrapy object here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from newscrawl.discover.feeds import parse_feed
from newscrawl.discover.kinds import PageKind, sniff_kind
from newscrawl.discover.sitemaps import decompress, parse_sitemap, robots_sitemaps

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class StartAnswer:
    """``kind``: robots, feed, sitemap, html, other or undecodable. ``articles``: probable
    article pages; ``follow``: feeds and sitemaps to read next; ``counts``: discovery stats
    (key under ``newscrawl/discover/`` -> count)."""

    kind: str
    articles: list[str] = field(default_factory=list)
    follow: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def read_start(
    url: str,
    body: bytes,
    content_type: str = "",
    *,
    maxsize: int = 0,
    sitemap_cutoff: datetime | None = None,
) -> StartAnswer:
    """What ``body``, fetched from ``url``, leads to.

    ``maxsize`` bounds a gunzipped body (``DOWNLOAD_MAXSIZE``); sitemap entries older than
    ``sitemap_cutoff`` are skipped.

    >>> rss = b'<rss version="2.0"><channel><item><link>https://n.example/a</link></item>'
    >>> answer = read_start("https://n.example/rss", rss + b"</channel></rss>")
    >>> answer.kind, answer.articles, answer.counts
    ('feed', ['https://n.example/a'], {'kind/feed': 1, 'feed/entries': 1})
    """
    if urlsplit(url).path.endswith("/robots.txt"):
        return StartAnswer("robots", follow=list(robots_sitemaps(body, url)))
    try:
        body = decompress(body, maxsize)
    except Exception as err:  # a gzip bomb or a broken archive
        logger.warning("cannot decompress %s: %s", url, err)
        return StartAnswer("undecodable", counts={"start/undecodable": 1})
    kind = sniff_kind(body, content_type)
    counts = {f"kind/{kind}": 1}
    if kind is PageKind.FEED:
        entries = parse_feed(body, url)
        counts["feed/entries"] = len(entries)
        return StartAnswer("feed", articles=[e.url for e in entries], counts=counts)
    if kind is PageKind.SITEMAP:
        sitemap = parse_sitemap(body)
        recent = sitemap.since(sitemap_cutoff)
        counts["sitemap/too_old"] = len(sitemap.entries) - len(recent)
        if sitemap.is_index:
            return StartAnswer("sitemap", follow=[e.loc for e in recent], counts=counts)
        counts["sitemap/entries"] = len(recent)
        return StartAnswer("sitemap", articles=[e.loc for e in recent], counts=counts)
    return StartAnswer(str(kind), counts=counts)
