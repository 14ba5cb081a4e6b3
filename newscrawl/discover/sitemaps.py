"""Sitemaps, sitemap indexes and Google News sitemaps (plain or gzipped).

Scrapy's own :class:`scrapy.utils.sitemap.Sitemap` drops nested elements such as
``<news:news>``, so entries are read here with the same safe lxml settings (no entity
resolution, recover from broken XML) and the Google News publication date and title kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO

import lxml.etree
from dateutil.parser import isoparse
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import sitemap_urls_from_robots

from newscrawl.discover.kinds import GZIP_MAGIC

__all__ = [
    "Sitemap",
    "SitemapEntry",
    "decompress",
    "parse_sitemap",
    "robots_sitemaps",
]


@dataclass(frozen=True, slots=True)
class SitemapEntry:
    """A ``<url>`` (an article) or a ``<sitemap>`` (a child sitemap) of a sitemap file."""

    loc: str
    lastmod: datetime | None = None
    news_published: datetime | None = None
    news_title: str | None = None

    @property
    def updated(self) -> datetime | None:
        """The most recent date the sitemap gives for this entry."""
        dates = [d for d in (self.lastmod, self.news_published) if d is not None]
        return max(dates) if dates else None


@dataclass(slots=True)
class Sitemap:
    is_index: bool
    entries: list[SitemapEntry] = field(default_factory=list)

    def since(self, cutoff: datetime | None) -> list[SitemapEntry]:
        """Entries updated at or after ``cutoff``; undated entries are always kept."""
        if cutoff is None:
            return list(self.entries)
        return [e for e in self.entries if e.updated is None or e.updated >= cutoff]


def decompress(body: bytes, max_size: int = 0) -> bytes:
    """Gunzip a ``.xml.gz`` body (Scrapy's bounded gunzip); other bodies are returned as is.

    >>> import gzip
    >>> decompress(gzip.compress(b"<urlset/>"))
    b'<urlset/>'
    >>> decompress(b"<urlset/>")
    b'<urlset/>'
    """
    if body[:2] == GZIP_MAGIC:
        return gunzip(body, max_size=max_size)
    return body


def _date(text: str | None) -> datetime | None:
    """A W3C datetime as an aware UTC datetime (dates alone mean midnight UTC).

    >>> _date("2024-05-03")
    datetime.datetime(2024, 5, 3, 0, 0, tzinfo=datetime.timezone.utc)
    >>> _date("2024-05-03T10:00:00+02:00").isoformat()
    '2024-05-03T08:00:00+00:00'
    >>> _date("yesterday") is None
    True
    """
    if not text or not text.strip():
        return None
    try:
        value = isoparse(text.strip())
    except (ValueError, OverflowError):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _entry(elem: lxml.etree._Element) -> SitemapEntry | None:
    loc = lastmod = published = title = None
    for child in elem.iter():
        name = _local(child.tag)
        text = (child.text or "").strip()
        if name == "loc" and loc is None:
            loc = text
        elif name == "lastmod":
            lastmod = _date(text)
        elif name == "publication_date":
            published = _date(text)
        elif name == "title" and text:
            title = text
    if not loc:
        return None
    return SitemapEntry(loc, lastmod, published, title)


def parse_sitemap(body: bytes) -> Sitemap:
    """Parse a sitemap or sitemap index (decompress it first).

    >>> doc = parse_sitemap(b'''<?xml version="1.0" encoding="UTF-8"?>
    ... <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
    ...         xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
    ...   <url><loc>https://news.example/a</loc>
    ...     <news:news><news:publication><news:name>N</news:name></news:publication>
    ...       <news:publication_date>2024-05-03T10:00:00Z</news:publication_date>
    ...       <news:title>Story A</news:title></news:news></url>
    ...   <url><loc>https://news.example/b</loc><lastmod>2020-01-01</lastmod></url>
    ... </urlset>''')
    >>> doc.is_index, [(e.loc, e.news_title) for e in doc.entries]
    (False, [('https://news.example/a', 'Story A'), ('https://news.example/b', None)])
    >>> [e.loc for e in doc.since(datetime(2024, 1, 1, tzinfo=UTC))]
    ['https://news.example/a']
    """
    stream = lxml.etree.iterparse(
        BytesIO(body),
        events=("start", "end"),
        recover=True,
        resolve_entities=False,
        remove_comments=True,
        remove_pis=True,
        huge_tree=False,
        no_network=True,
    )
    is_index = False
    entries: list[SitemapEntry] = []
    try:
        for event, elem in stream:
            name = _local(elem.tag)
            if event == "start":
                if name == "sitemapindex":
                    is_index = True
                continue
            if name in {"url", "sitemap"}:
                if (entry := _entry(elem)) is not None:
                    entries.append(entry)
                elem.clear()
    except lxml.etree.XMLSyntaxError:
        pass  # keep what was read before the damage
    return Sitemap(is_index, entries)


def robots_sitemaps(robots_txt: bytes, base_url: str) -> Iterable[str]:
    """Sitemap URLs announced in a robots.txt (Scrapy's parser).

    >>> list(robots_sitemaps(b"User-agent: *\\nSitemap: /sitemap.xml\\n", "https://n.example/"))
    ['https://n.example/sitemap.xml']
    """
    return sitemap_urls_from_robots(robots_txt, base_url=base_url)
