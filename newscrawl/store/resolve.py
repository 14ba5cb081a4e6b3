"""Decide, item by item, which row each incoming article belongs to and how it changes it.

Works on the candidates read for the whole batch plus the rows the batch itself
creates, so duplicates inside one batch are caught like duplicates across runs.
Matching order: the same URL, then the same canonical URL, then the same text or
headline at the same publisher; otherwise a new row, sharing the ``story_id`` of the
same text at another publisher when there is one.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Connection

from newscrawl.dedupe.merge import Version, merge, revise
from newscrawl.dedupe.prepare import Prepared
from newscrawl.dedupe.rules import same_article, text_match
from newscrawl.store.lookup import Candidates, StoredRow, load_children


def new_story_id() -> uuid.UUID:
    """A version 7 UUID (RFC 9562): the time in milliseconds first, then 74 random bits.

    Story ids increase with time, so the ``story_id`` index grows at its end instead of
    taking every new story at a random page of a large index.

    >>> first, second = new_story_id(), new_story_id()
    >>> first.version, first.variant == uuid.RFC_4122, first.int >> 80 <= second.int >> 80
    (7, True, True)
    """
    milliseconds = time.time_ns() // 1_000_000
    random_a, random_b = secrets.randbits(12), secrets.randbits(62)
    return uuid.UUID(
        int=(milliseconds << 80) | (0x7 << 76) | (random_a << 64) | (0b10 << 62) | random_b
    )


class Outcome(StrEnum):
    """What storing one item did (the suffix of its ``newscrawl/store/<outcome>`` stat)."""

    NEW = "new"  # a new article row
    MERGED = "merged"  # another URL or copy of a stored article
    REVISED = "revised"  # the same URL with a changed body: old text kept as a revision
    UNCHANGED = "unchanged"  # the same URL and text seen again


@dataclass(slots=True)
class Sighting:
    key: int
    source: str | None
    seen_at: datetime
    content_hash: str | None
    warc: tuple[str, int] | None = None


@dataclass(slots=True)
class ItemResult:
    outcome: Outcome
    key: int
    story_linked: bool = False


@dataclass
class Resolution:
    """Everything one batch will write."""

    rows: dict[int, StoredRow] = field(default_factory=dict)
    touched: dict[int, None] = field(default_factory=dict)
    sightings: dict[str, Sighting] = field(default_factory=dict)
    revisions: list[dict] = field(default_factory=list)
    results: list[ItemResult] = field(default_factory=list)


class BatchResolver:
    """Matches a batch against stored candidates and its own earlier items."""

    def __init__(self, connection: Connection, candidates: Candidates, now: datetime) -> None:
        self.connection = connection
        self.now = now
        self.rows = candidates.rows
        self.by_url = dict(candidates.by_url)
        self.url_hash = dict(candidates.url_hash)
        self.url_seen = dict(candidates.url_seen)
        self.by_band: dict[int, set[int]] = defaultdict(set, candidates.by_band)
        self.by_canonical: dict[str, int] = {}
        self.by_hash: dict[str, set[int]] = defaultdict(set)
        self.by_headline: dict[tuple[str, str], set[int]] = defaultdict(set)
        for row in self.rows.values():
            self._index(row)
        self._next_temp = -1

    def _index(self, row: StoredRow) -> None:
        v = row.version
        self.by_canonical[v.canonical_url] = row.key
        if v.content_hash:
            self.by_hash[v.content_hash].add(row.key)
        if v.headline_key:
            self.by_headline[(v.publisher_key, v.headline_key)].add(row.key)
        for band in v.bands:
            self.by_band[band].add(row.key)

    def _text_candidates(self, item: Prepared) -> set[int]:
        v = item.version
        keys: set[int] = set()
        if v.content_hash:
            keys |= self.by_hash.get(v.content_hash, set())
        for band in v.bands:
            keys |= self.by_band.get(band, set())
        return keys

    def _url_match(self, item: Prepared) -> int | None:
        if item.url in self.by_url:
            return self.by_url[item.url]
        for url in item.lookup_urls:
            if url in self.by_canonical:
                return self.by_canonical[url]
        return None

    def _article_match(self, item: Prepared) -> int | None:
        v = item.version
        keys = self._text_candidates(item)
        if v.headline_key:
            keys |= self.by_headline.get((v.publisher_key, v.headline_key), set())
        scored = [(same_article(self.rows[k].version, v), k) for k in keys if k in self.rows]
        best = max((s for s in scored if s[0] > 0), default=None)
        return best[1] if best else None

    def _story_of(self, item: Prepared) -> uuid.UUID | None:
        keys = [k for k in self._text_candidates(item) if k in self.rows]
        scored = [(text_match(self.rows[k].version, item.version), k) for k in keys]
        best = max((s for s in scored if s[0] > 0), default=None)
        return self.rows[best[1]].story_id if best else None

    def preload(self, batch: list[Prepared]) -> None:
        """Load children of the rows the batch's URLs already point to, in bulk."""
        keys = {k for item in batch if (k := self._url_match(item)) is not None}
        load_children(self.connection, [self.rows[k] for k in keys if k in self.rows])

    def _apply(self, row: StoredRow, item: Prepared, by_same_url: bool) -> Outcome:
        load_children(self.connection, [row])
        old = row.version
        new_hash = item.version.content_hash
        url_hash = self.url_hash.get(item.url)
        changed_here = by_same_url and url_hash is not None and new_hash not in (None, url_hash)
        if changed_here and self._older_than_stored(item):
            # an archived copy (newscrawl import) older than the text stored from this URL:
            # kept as a previous version; the stored text stays
            self.revisions.append(self._revision(row.key, item.url, item.version))
            row.version = revise(item.version, old)
            return Outcome.REVISED
        if changed_here and old.content_hash == url_hash:
            self.revisions.append(self._revision(row.key, item.url, old))
            row.version = revise(old, item.version)
            return Outcome.REVISED
        row.version = merge(old, item.version)
        if by_same_url and url_hash == new_hash:
            return Outcome.UNCHANGED
        return Outcome.MERGED

    def _older_than_stored(self, item: Prepared) -> bool:
        seen = self.url_seen.get(item.url)
        return seen is not None and item.version.last_seen_at < seen

    def _revision(self, key: int, url: str, version: Version) -> dict:
        """An ``article_revisions`` row keeping ``version``'s text."""
        return {
            "article_key": key,
            "revised_at": self.now,
            "url": url,
            "headline": version.headline,
            "description": version.description,
            "body": version.body,
            "content_hash": version.content_hash,
            "modified_at": version.modified_at,
        }

    def _new_row(self, item: Prepared) -> tuple[StoredRow, bool]:
        story = self._story_of(item)
        row = StoredRow(
            key=self._next_temp,
            story_id=story or new_story_id(),
            version=item.version,
            is_new=True,
            children_loaded=True,
        )
        self._next_temp -= 1
        self.rows[row.key] = row
        return row, story is not None

    def resolve(self, batch: list[Prepared]) -> Resolution:
        self.revisions: list[dict] = []
        out = Resolution()
        self.preload(batch)
        for item in batch:
            key = self._url_match(item)
            by_same_url = key is not None and self.by_url.get(item.url) == key
            if key is None:
                key = self._article_match(item)
            linked = False
            if key is None:
                row, linked = self._new_row(item)
                outcome = Outcome.NEW
            else:
                row = self.rows[key]
                outcome = self._apply(row, item, by_same_url)
            self._index(row)
            self.by_url[item.url] = row.key
            if not self._older_than_stored(item):  # what this URL now says, and since when
                self.url_hash[item.url] = item.version.content_hash
                self.url_seen[item.url] = item.version.last_seen_at
            out.touched[row.key] = None
            out.sightings[item.url] = Sighting(
                row.key,
                item.version.source,
                item.version.last_seen_at,
                item.version.content_hash,
                item.warc,
            )
            out.results.append(ItemResult(outcome, row.key, linked))
        out.rows = {k: self.rows[k] for k in out.touched}
        out.revisions = self.revisions
        return out
