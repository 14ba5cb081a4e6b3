"""From an Article to what storage and de-duplication work with: keys, rank, fingerprint.

A page on a domain that matches its publisher's name ranks as the publisher's original.
Otherwise, aggregator copies are recognised by the hints extraction leaves on the item:
``hints["original_url"]`` (the publisher's URL of the story, keyed on at once) or
``hints["aggregator"]`` (truthy on any aggregator page); anything else ranks as unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from newscrawl.archive.location import warc_location
from newscrawl.article import Article
from newscrawl.dedupe.fingerprint import fingerprint
from newscrawl.dedupe.merge import RANK_COPY, RANK_ORIGINAL, RANK_UNKNOWN, Version
from newscrawl.dedupe.publisher import domain_matches_publisher, publisher_key
from newscrawl.dedupe.urls import (
    canonicalize_url,
    choose_canonical_url,
    domain_label,
    is_http_url,
)
from newscrawl.publishers.names import canonical_publisher


@dataclass(slots=True)
class Prepared:
    """One fetched article ready for matching: its version, and every key it can match on."""

    url: str
    version: Version
    lookup_urls: tuple[str, ...]
    original_url: str | None
    #: The WARC file and offset the page was read from or written to (its sighting's).
    warc: tuple[str, int] | None = None


def original_url(article: Article) -> str | None:
    """The publisher's URL an aggregator copy points to, when the hints carry one."""
    value = article.hints.get("original_url")
    return value if isinstance(value, str) and is_http_url(value) else None


def rank_of(article: Article) -> int:
    """How much to trust this page's fields (see :mod:`newscrawl.dedupe.merge`).

    A page on its own publisher's domain is the original even when it names a source
    (``isBasedOn``): a paper re-running a wire story is still its own publication.
    """
    if domain_matches_publisher(article.url, article.publisher):
        return RANK_ORIGINAL
    if original_url(article) or article.hints.get("aggregator"):
        return RANK_COPY
    return RANK_UNKNOWN


def _aware(value: datetime | None) -> datetime | None:
    """Times without an offset are taken as UTC (the contract asks for offsets)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def stored_publisher(
    stated: str | None, url: str, rank: int, original: str | None, canonical: str
) -> tuple[str | None, str]:
    """The publisher's one name (:func:`canonical_publisher`) and its key; a page with no
    name but its own is keyed on its registrable domain."""
    copy = rank == RANK_COPY
    publisher = canonical_publisher(stated, url, copy=copy, original_url=original)
    key = publisher_key(publisher)
    if not key and not copy:
        key = domain_label(canonical)
    return publisher, key


def prepare(article: Article, now: datetime | None = None) -> Prepared:
    """Canonical URL, publisher (its one name: :mod:`newscrawl.publishers.names`) and key,
    rank and fingerprint of one article."""
    now = now or datetime.now(UTC)
    rank = rank_of(article)
    original = original_url(article) if rank == RANK_COPY else None
    if original:
        canonical = canonicalize_url(original)
    else:
        canonical = choose_canonical_url(article.url, article.canonical_url)
    publisher, key = stored_publisher(article.publisher, article.url, rank, original, canonical)
    prints = fingerprint(article.headline, article.body)
    seen = _aware(article.fetched_at) or now
    version = Version(
        canonical_url=canonical,
        first_seen_at=seen,
        last_seen_at=seen,
        rank=rank,
        source=article.source,
        publisher=publisher,
        publisher_key=key,
        section=article.section,
        headline=article.headline,
        description=article.description,
        body=article.body,
        language=article.language,
        published_at=_aware(article.published_at),
        modified_at=_aware(article.modified_at),
        content_hash=prints.content_hash,
        headline_key=prints.headline_key,
        bands=prints.bands,
        words=prints.words,
        tags=list(article.tags),
        authors=list(article.authors),
        credits=list(article.wire_credits),
        images=list(article.images),
    )
    lookups = dict.fromkeys([canonical, canonicalize_url(article.url)])
    return Prepared(
        url=article.url,
        version=version,
        lookup_urls=tuple(lookups),
        original_url=original,
        warc=warc_location(article),
    )


def prepared_of(article: Article) -> Prepared:
    """The preparation the article carries (:func:`newscrawl.process.finish_article` made it
    for a crawled page), or a fresh one (an article from another spider or the spool)."""
    return article.prepared if article.prepared is not None else prepare(article)
