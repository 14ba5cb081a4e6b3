"""Decode a page and parse it once: every extractor reads the same lxml tree."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from lxml import html as lxml_html
from lxml.etree import ParserError

from newscrawl.fetch.encoding import decode_html as decode_bytes

#: One parser for every page: comments and processing instructions are dropped, ids are
#: not indexed (faster), and no default doctype is added.
HTML_PARSER = lxml_html.HTMLParser(
    collect_ids=False, default_doctype=False, remove_comments=True, remove_pis=True
)

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
#: Soft hyphens, zero-width spaces/joiners and word joiners: invisible, but they split words.
INVISIBLE_CHARS = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")


class UnparsablePage(ValueError):
    """The input is not an HTML page extraction can work on (empty, binary, no tree)."""


@dataclass(slots=True)
class Document:
    """A parsed page: its tree, its URL and the base URL relative links resolve against.

    ``cache`` lets extractors share derived data (e.g. the meta table) without recomputing it.
    """

    tree: lxml_html.HtmlElement
    url: str
    base_url: str
    cache: dict[str, Any] = field(default_factory=dict)

    def absolute(self, link: str | None) -> str | None:
        """Resolve ``link`` against the page's base URL; ``None`` for empty or ``data:`` links."""
        return absolute_url(self.base_url, link)


def absolute_url(base: str, link: str | None) -> str | None:
    """Make ``link`` absolute; protocol-relative links get https.

    >>> absolute_url("https://ex.com/a/b.html", "../img/x.jpg")
    'https://ex.com/img/x.jpg'
    >>> absolute_url("https://ex.com/", "//cdn.ex.com/x.jpg")
    'https://cdn.ex.com/x.jpg'
    >>> absolute_url("https://ex.com/", "data:image/gif;base64,R0l") is None
    True
    """
    if not link:
        return None
    link = link.strip()
    if not link or link.startswith(("data:", "javascript:", "about:", "blob:")):
        return None
    if link.startswith("//"):
        return "https:" + link
    return urljoin(base, link) if base else link


def decode_html(html: str | bytes) -> str:
    """Bytes -> text, with the crawl's own rule (:func:`newscrawl.fetch.encoding.decode_html`: BOM,
    valid UTF-8, declared charsets, then Windows-1252), so ``newscrawl extract`` on a saved
    page reads what a crawl of the same bytes stores.

    >>> decode_html("Größe".encode())
    'Größe'
    >>> decode_html('<meta charset="iso-8859-1"><p>Größe'.encode("latin-1"))[-5:]
    'Größe'
    >>> decode_html("<p>Café, no charset".encode("latin-1"))  # not U+FFFD
    '<p>Café, no charset'
    """
    if isinstance(html, str):
        return html
    return decode_bytes(html)[0]


def parse_document(html: str | bytes, url: str) -> Document:
    """Decode and parse ``html`` once. Raises :class:`UnparsablePage` when there is no page."""
    text = decode_html(html)
    text = _XML_DECLARATION.sub("", text, count=1)
    if not text.strip():
        raise UnparsablePage("empty document")
    if "\x00" in text[:2048]:
        raise UnparsablePage("binary content, not HTML")
    try:
        tree = lxml_html.document_fromstring(text, parser=HTML_PARSER)
    except (ParserError, ValueError) as err:
        raise UnparsablePage(f"cannot parse HTML: {err}") from err
    if tree is None or len(tree) == 0:
        raise UnparsablePage("no HTML elements")
    base = url
    for href in tree.xpath("//head/base/@href")[:1]:
        base = absolute_url(url, href) or url
    return Document(tree=tree, url=url, base_url=base)


def text_of(element: Any) -> str:
    """Whitespace-normalized text content of an element (or a string).

    >>> text_of("  a \\n b ")
    'a b'
    >>> text_of("Ver\u00adfas\u00adsung")
    'Verfassung'
    """
    raw = element if isinstance(element, str) else element.text_content()
    if not raw.isascii():  # O(1) in CPython; the invisible characters are not ASCII
        raw = INVISIBLE_CHARS.sub("", raw)
    return " ".join(raw.split())  # str.split's whitespace is exactly regex \s
