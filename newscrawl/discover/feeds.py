"""RSS, RDF and Atom feeds (through feedparser) and JSON Feed: the article URLs they list."""

from __future__ import annotations

import calendar
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin

import feedparser

from newscrawl.discover.kinds import is_json_feed


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One item of a feed: where the article is and when the feed says it was published."""

    url: str
    title: str | None = None
    published: datetime | None = None


def _from_struct(value: time.struct_time | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)


def _from_iso(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_json_feed(body: bytes, base_url: str) -> list[FeedEntry]:
    """Entries of a JSON Feed (https://jsonfeed.org): ``url``, else ``external_url``.

    >>> body = b'{"version": "https://jsonfeed.org/version/1.1", "items": ['
    >>> body += b'{"id": "1", "url": "/a", "title": "A", "date_published": "2024-05-03T10:00:00Z"},'
    >>> body += b'{"id": "2"}]}'
    >>> parse_json_feed(body, "https://news.example/feed.json")  # doctest: +NORMALIZE_WHITESPACE
    [FeedEntry(url='https://news.example/a', title='A',
               published=datetime.datetime(2024, 5, 3, 10, 0, tzinfo=datetime.timezone.utc))]
    """
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return []
    items = data.get("items") if isinstance(data, dict) else None
    entries = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        link = item.get("url") or item.get("external_url")
        if not isinstance(link, str) or not link.strip():
            continue
        title = item.get("title") if isinstance(item.get("title"), str) else None
        published = _from_iso(item.get("date_published")) or _from_iso(item.get("date_modified"))
        entries.append(FeedEntry(urljoin(base_url, link.strip()), title, published))
    return entries


def parse_feed(body: bytes, base_url: str) -> list[FeedEntry]:
    """Entries of an RSS/RDF/Atom or JSON feed, in feed order, relative links resolved.

    >>> rss = b'''<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
    ... <item><title>Hello</title><link>https://news.example/2024/hello</link>
    ... <pubDate>Fri, 03 May 2024 10:00:00 +0100</pubDate></item>
    ... <item><title>No link</title></item></channel></rss>'''
    >>> [(e.url, e.published.isoformat()) for e in parse_feed(rss, "https://news.example/rss")]
    [('https://news.example/2024/hello', '2024-05-03T09:00:00+00:00')]
    """
    if is_json_feed(body):
        return parse_json_feed(body, base_url)
    parsed = feedparser.parse(body, response_headers={"content-location": base_url})
    entries = []
    for entry in parsed.entries:
        link = entry.get("link")
        if not link:
            continue
        published = _from_struct(entry.get("published_parsed") or entry.get("updated_parsed"))
        entries.append(FeedEntry(urljoin(base_url, link.strip()), entry.get("title"), published))
    return entries
