"""Bulk reads for one batch: every row an incoming article could be the same as.

One query per kind of key (URLs, canonical URLs, exact hashes, LSH band keys,
headline keys) whatever the batch size, each served by an index, so the cost per
article does not grow with the table. Each query takes its keys as one list
parameter (:func:`newscrawl.store.inlist.one_of`), so its SQL is compiled once.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from newscrawl.article import Image
from newscrawl.dedupe.fingerprint import MIN_WORDS, words
from newscrawl.dedupe.merge import Version
from newscrawl.dedupe.prepare import Prepared
from newscrawl.store.bands import find_bands
from newscrawl.store.inlist import one_of
from newscrawl.store.schema import (
    article_authors,
    article_credits,
    articles,
    images,
    sightings,
)


@dataclass(slots=True)
class StoredRow:
    """An article row as this batch sees it (loaded from the database or created by it)."""

    key: int
    story_id: uuid.UUID
    version: Version
    is_new: bool = False
    children_loaded: bool = False
    loaded_children: tuple[list[str], list[str], list[Image]] | None = None
    loaded_hash: str | None = None
    loaded_scalars: tuple[object, ...] | None = None


@dataclass(slots=True)
class Candidates:
    """What the database already knows about a batch's keys."""

    rows: dict[int, StoredRow] = field(default_factory=dict)
    by_url: dict[str, int] = field(default_factory=dict)
    url_hash: dict[str, str | None] = field(default_factory=dict)
    #: When each URL was last fetched (``sightings.seen_at``): an archived copy older than
    #: that does not replace the text stored from it.
    url_seen: dict[str, datetime] = field(default_factory=dict)
    by_band: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))


SCALAR_COLUMNS = (
    "canonical_url",
    "source",
    "publisher",
    "publisher_key",
    "section",
    "headline",
    "description",
    "body",
    "language",
    "tags",
    "published_at",
    "modified_at",
    "content_hash",
    "headline_key",
    "first_seen_at",
    "last_seen_at",
)


def scalars_of(version: Version) -> dict[str, Any]:
    values = {name: getattr(version, name) for name in SCALAR_COLUMNS}
    values["url_rank"] = version.rank
    values["tags"] = list(version.tags) or None
    return values


def loaded_body(row: StoredRow) -> str | None:
    """The body the row had when it was read from the database (None for new rows)."""
    if row.loaded_scalars is None:
        return None
    return row.loaded_scalars[_BODY]  # type: ignore[return-value]


_BODY = SCALAR_COLUMNS.index("body")


def _chunks(values: list, size: int = 900) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def version_from_row(row: object) -> Version:
    """A stored article row as a merge-ready version (children are loaded separately)."""
    m = row._mapping  # type: ignore[attr-defined]
    return Version(
        canonical_url=m["canonical_url"],
        first_seen_at=m["first_seen_at"],
        last_seen_at=m["last_seen_at"],
        rank=m["url_rank"],
        source=m["source"],
        publisher=m["publisher"],
        publisher_key=m["publisher_key"],
        section=m["section"],
        headline=m["headline"],
        description=m["description"],
        body=m["body"],
        language=m["language"],
        published_at=m["published_at"],
        modified_at=m["modified_at"],
        content_hash=m["content_hash"],
        headline_key=m["headline_key"],
        words=len(words(m["body"])),
        tags=list(m["tags"] or []),
    )


def load_candidates(connection: Connection, batch: list[Prepared]) -> Candidates:
    """Every stored row that shares a URL, canonical URL, hash, band or headline with the batch."""
    found = Candidates()
    urls = sorted({p.url for p in batch})
    canonicals = sorted({u for p in batch for u in p.lookup_urls})
    hashes = sorted(
        {
            p.version.content_hash
            for p in batch
            if p.version.content_hash and p.version.words >= MIN_WORDS
        }
    )
    bands = sorted({b for p in batch for b in p.version.bands})
    headlines = sorted({p.version.headline_key for p in batch if p.version.headline_key})
    ids: set[int] = set()
    if urls:
        query = select(
            sightings.c.url, sightings.c.article_id, sightings.c.content_hash, sightings.c.seen_at
        )
        for url, article_id, content_hash, seen_at in connection.execute(
            query.where(one_of(connection, sightings.c.url, urls))
        ):
            found.by_url[url] = article_id
            found.url_hash[url] = content_hash
            found.url_seen[url] = seen_at
            ids.add(article_id)
    for column, values in (
        (articles.c.canonical_url, canonicals),
        (articles.c.content_hash, hashes),
        (articles.c.headline_key, headlines),
    ):
        if values:
            query = select(articles.c.id).where(one_of(connection, column, values))
            ids.update(connection.scalars(query))
    for band, article_id in find_bands(connection, bands):
        found.by_band[band].add(article_id)
        ids.add(article_id)
    if ids:
        query = select(articles).where(one_of(connection, articles.c.id, sorted(ids)))
        for row in connection.execute(query):
            version = version_from_row(row)
            found.rows[row.id] = StoredRow(
                key=row.id,
                story_id=row.story_id,
                version=version,
                loaded_hash=version.content_hash,
                loaded_scalars=tuple(scalars_of(version).values()),
            )
    # A sighting whose article is gone (deleted by hand with SQLite's foreign keys off,
    # before migration 0004's triggers) matches nothing: its URL is stored again.
    for url in [u for u, article_id in found.by_url.items() if article_id not in found.rows]:
        del found.by_url[url]
        del found.url_hash[url]
        found.url_seen.pop(url, None)
    return found


def load_children(connection: Connection, rows: list[StoredRow]) -> None:
    """Fill in authors, credits and images of rows about to be merged (three queries)."""
    pending = [r for r in rows if not r.children_loaded and not r.is_new]
    if not pending:
        return
    by_id = {r.key: r for r in pending}
    people, agencies, pictures = read_children(connection, sorted(by_id))
    for key, row in by_id.items():
        row.version.authors = people[key]
        row.version.credits = agencies[key]
        row.version.images = pictures[key]
        row.loaded_children = (list(people[key]), list(agencies[key]), list(pictures[key]))
        row.children_loaded = True


Children = tuple[dict[int, list[str]], dict[int, list[str]], dict[int, list[Image]]]


def read_children(connection: Connection, ids: list[int]) -> Children:
    """Authors (by position), credits (by agency) and images (by position) per article id.

    Three queries per chunk of ids, so the IN lists stay under every driver's limit.
    """
    people: dict[int, list[str]] = defaultdict(list)
    agencies: dict[int, list[str]] = defaultdict(list)
    pictures: dict[int, list[Image]] = defaultdict(list)
    for chunk in _chunks(ids):
        query = select(article_authors).where(article_authors.c.article_id.in_(chunk))
        for row in connection.execute(query.order_by(article_authors.c.article_id, "position")):
            people[row.article_id].append(row.name)
        query = select(article_credits).where(article_credits.c.article_id.in_(chunk))
        for row in connection.execute(query.order_by(article_credits.c.article_id, "agency")):
            agencies[row.article_id].append(row.agency)
        query = select(images).where(images.c.article_id.in_(chunk))
        for row in connection.execute(query.order_by(images.c.article_id, "position")):
            pictures[row.article_id].append(
                Image(row.url, row.caption, row.credit, row.width, row.height)
            )
    return people, agencies, pictures
