"""Merge rules: two versions of the same article become one, keeping the best of each field.

A *version* is what one URL said about an article. Its ``rank`` says how much to trust
it: the publisher's own page (2) over a page of unknown standing (1) over an
aggregator's copy (0). The merged version takes the canonical URL and the descriptive
fields of the better-ranked version, the longer body (a full text beats a truncated
copy), and the union of authors, credits, images and tags.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from newscrawl.article import Image
from newscrawl.dedupe.urls import canonicalize_url

RANK_COPY, RANK_UNKNOWN, RANK_ORIGINAL = 0, 1, 2


@dataclass(slots=True)
class Version:
    """One article's stored fields plus what de-duplication derived from them."""

    canonical_url: str
    first_seen_at: datetime
    last_seen_at: datetime
    rank: int = RANK_UNKNOWN
    source: str | None = None
    publisher: str | None = None
    publisher_key: str = ""
    section: str | None = None
    headline: str | None = None
    description: str | None = None
    body: str | None = None
    language: str | None = None
    published_at: datetime | None = None
    modified_at: datetime | None = None
    content_hash: str | None = None
    headline_key: str | None = None
    bands: tuple[int, ...] = ()
    words: int = 0
    tags: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    credits: list[str] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)


_DESCRIPTIVE = ("source", "publisher", "section", "headline", "description", "language")


def union_names(first: Iterable[str], second: Iterable[str]) -> list[str]:
    """Names of both lists in order, the first spelling of each (case-insensitive) kept.

    >>> union_names(["Jane Doe", "Reuters"], ["jane doe", "John Roe"])
    ['Jane Doe', 'Reuters', 'John Roe']
    """
    seen: set[str] = set()
    out: list[str] = []
    for name in [*first, *second]:
        key = " ".join(name.casefold().split())
        if key and key not in seen:
            seen.add(key)
            out.append(name)
    return out


def _image_key(image: Image) -> str:
    if image.url:
        return canonicalize_url(image.url)
    return f"caption:{image.caption}|{image.credit}"  # a picture known only by its caption


def union_images(first: Iterable[Image], second: Iterable[Image]) -> list[Image]:
    """Images of both lists (same URL = same image), missing caption/credit/size filled in."""
    merged: dict[str, Image] = {}
    for image in [*first, *second]:
        key = _image_key(image)
        if key not in merged:
            merged[key] = dataclasses.replace(image)
            continue
        kept = merged[key]
        for name in ("caption", "credit", "width", "height"):
            if getattr(kept, name) in (None, "") and getattr(image, name) not in (None, ""):
                setattr(kept, name, getattr(image, name))
    return list(merged.values())


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return max(x for x in (a, b) if x is not None) if (a or b) else None


def _take_body(target: Version, source: Version) -> None:
    for name in ("body", "content_hash", "bands", "words"):
        setattr(target, name, getattr(source, name))


def merge(current: Version, incoming: Version) -> Version:
    """The best of two versions of the same article (order does not matter for the result)."""
    better, other = (incoming, current) if incoming.rank > current.rank else (current, incoming)
    merged = dataclasses.replace(better)
    for name in _DESCRIPTIVE:
        if getattr(merged, name) in (None, ""):
            setattr(merged, name, getattr(other, name))
    merged.publisher_key = better.publisher_key or other.publisher_key
    if better.headline is None:
        merged.headline_key = other.headline_key
    longer = max((better, other), key=lambda v: (v.words, v is better))
    _take_body(merged, longer)
    merged.published_at = better.published_at or other.published_at
    merged.modified_at = _latest(better.modified_at, other.modified_at)
    merged.first_seen_at = min(current.first_seen_at, incoming.first_seen_at)
    merged.last_seen_at = max(current.last_seen_at, incoming.last_seen_at)
    merged.authors = union_names(better.authors, other.authors)
    merged.credits = union_names(better.credits, other.credits)
    merged.tags = union_names(better.tags, other.tags)
    merged.images = union_images(better.images, other.images)
    return merged


def revise(current: Version, incoming: Version) -> Version:
    """The page at the same URL changed (an update, a correction): its new text wins."""
    revised = merge(current, incoming)
    _take_body(revised, incoming)
    for name in ("headline", "description"):
        if getattr(incoming, name):
            setattr(revised, name, getattr(incoming, name))
    if incoming.headline:
        revised.headline_key = incoming.headline_key
    revised.modified_at = incoming.modified_at or current.modified_at
    return revised
