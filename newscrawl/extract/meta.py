"""``<meta>`` and ``<link>`` metadata: OpenGraph, ``article:*``, Twitter, parsely, sailthru, DC.

All ``<meta>`` tags are read in one pass into a table keyed by lower-cased name or property,
so each field lookup afterwards is a dict access.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from newscrawl.extract.document import Document

_SPACES = re.compile(r"\s+")
_KEYWORD_SPLIT = re.compile(r"\s*[,;|]\s*")

MetaTable = dict[str, list[str]]


def meta_table(doc: Document) -> MetaTable:
    """Every ``<meta>`` value keyed by its lower-cased ``name``/``property``/``itemprop``."""
    cached = doc.cache.get("meta")
    if cached is not None:
        return cached
    table: MetaTable = {}
    for element in doc.tree.iter("meta"):
        content = element.get("content")
        if content is None:
            content = element.get("value")
        if content is None:
            continue
        if "&" in content:
            content = html.unescape(content)
        content = _SPACES.sub(" ", content).strip()
        if not content:
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = element.get(attr)
            if key:
                table.setdefault(key.strip().lower(), []).append(content)
    doc.cache["meta"] = table
    return table


def first(table: MetaTable, *keys: str) -> str | None:
    """The first non-empty value among ``keys``, in order of preference."""
    for key in keys:
        values = table.get(key)
        if values:
            return values[0]
    return None


def every(table: MetaTable, *keys: str) -> list[str]:
    """All values of ``keys``, in key order, without duplicates."""
    out: list[str] = []
    for key in keys:
        for value in table.get(key, ()):
            if value not in out:
                out.append(value)
    return out


def canonical_link(doc: Document) -> str | None:
    """``<link rel=canonical>`` (absolute), else og:url."""
    for link in doc.tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        if "canonical" in rel and link.get("href"):
            return doc.absolute(link.get("href"))
    return doc.absolute(first(meta_table(doc), "og:url", "twitter:url"))


def meta_authors(table: MetaTable) -> list[str]:
    """Author names from author/parsely/sailthru/DC/article:author meta (URLs are skipped)."""
    out: list[str] = []
    for value in every(
        table,
        "author",
        "article:author",
        "parsely-author",
        "sailthru.author",
        "dc.creator",
        "dcterms.creator",
        "byl",
        "twitter:creator",
    ):
        if value.startswith(("http://", "https://", "@")) or "/" in value:
            continue
        if value not in out:
            out.append(value)
    for number in range(1, 5):  # Yoast's "Written by" card: twitter:label1 + twitter:data1
        label = first(table, f"twitter:label{number}")
        data = first(table, f"twitter:data{number}")
        if label and data and _WRITTEN_BY.match(label.strip()) and data not in out:
            out.append(data)
    return out


#: Labels of a Twitter card field that holds the author.
_WRITTEN_BY = re.compile(
    r"^(written by|author|verfasst von|geschrieben von|autor|écrit par|escrito por|scritto da)$",
    re.IGNORECASE,
)


def split_keywords(values: Iterable[str]) -> list[str]:
    """Split comma/semicolon-separated keyword strings and de-duplicate.

    >>> split_keywords(["Ukraine, Russia", "Russia;War"])
    ['Ukraine', 'Russia', 'War']
    """
    out: list[str] = []
    for value in values:
        for part in _KEYWORD_SPLIT.split(value):
            part = part.strip()
            if part and part not in out:
                out.append(part)
    return out
