"""Tell a feed from a sitemap from an HTML page by looking at the bytes, not the URL.

Servers mislabel content types (RSS as ``text/html``, sitemaps as ``application/octet-stream``),
so the first element of the document decides; the content type only breaks ties.
"""

from __future__ import annotations

import re
from enum import StrEnum

GZIP_MAGIC = b"\x1f\x8b"


class PageKind(StrEnum):
    FEED = "feed"  # RSS, RDF, Atom or JSON Feed
    SITEMAP = "sitemap"  # urlset or sitemapindex
    HTML = "html"
    OTHER = "other"


_FIRST_ELEMENT = re.compile(rb"<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
_SKIPPABLE = re.compile(rb"\s*(<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>)", re.S | re.I)
_FEED_ROOTS = {b"rss", b"feed", b"rdf"}
_SITEMAP_ROOTS = {b"urlset", b"sitemapindex"}


def first_element(body: bytes) -> str | None:
    """The local name of the document's first element, lower-cased.

    >>> first_element(b'<?xml version="1.0"?><!-- hi --><rss version="2.0">')
    'rss'
    >>> first_element(b'\\xef\\xbb\\xbf<rdf:RDF xmlns:rdf="...">')
    'rdf'
    >>> first_element(b'{"version": "https://jsonfeed.org/version/1.1"}') is None
    True
    """
    head = body[:4096].lstrip(b"\xef\xbb\xbf")
    pos = 0
    while match := _SKIPPABLE.match(head, pos):
        if match.end() == pos:
            break
        pos = match.end()
    found = _FIRST_ELEMENT.search(head, pos)
    return found.group(2).decode().lower() if found else None


def is_json_feed(body: bytes) -> bool:
    """A JSON Feed names its spec in ``version``.

    >>> is_json_feed(b' {"version": "https://jsonfeed.org/version/1.1", "items": []}')
    True
    >>> is_json_feed(b'{"items": []}')
    False
    """
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{") and b"jsonfeed.org/version" in head


def sniff_kind(body: bytes, content_type: str | None = None) -> PageKind:
    """Classify a (decompressed) response body.

    >>> sniff_kind(b'<?xml version="1.0"?><urlset xmlns="..."><url>')
    <PageKind.SITEMAP: 'sitemap'>
    >>> sniff_kind(b'<feed xmlns="http://www.w3.org/2005/Atom">', "text/html")
    <PageKind.FEED: 'feed'>
    >>> sniff_kind(b'<!doctype html><html lang="en"><head>')
    <PageKind.HTML: 'html'>
    >>> sniff_kind(b'%PDF-1.7', "application/pdf")
    <PageKind.OTHER: 'other'>
    """
    if is_json_feed(body):
        return PageKind.FEED
    root = first_element(body)
    if root is not None:
        name = root.encode()
        if name in _FEED_ROOTS:
            return PageKind.FEED
        if name in _SITEMAP_ROOTS:
            return PageKind.SITEMAP
        if name in {b"html", b"head", b"body", b"meta", b"title", b"div", b"p"}:
            return PageKind.HTML
    ctype = (content_type or "").lower()
    if "html" in ctype:
        return PageKind.HTML
    return PageKind.OTHER
