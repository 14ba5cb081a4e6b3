"""Item pipeline: validate, canonicalize and fingerprint each Article (Scrapy glue only).

The decisions that need the database (is this URL or text already stored?) are made
by the store pipeline inside its write transaction; here we drop what cannot be
stored and exact repeats within this crawl, and leave the preparation on the item.
"""

from __future__ import annotations

from dataclasses import dataclass

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.settings import BaseSettings

from newscrawl.article import Article
from newscrawl.dedupe.prepare import HINT_KEY, Prepared, prepared_of
from newscrawl.dedupe.urls import choose_canonical_url
from newscrawl.dedupe.validate import MAX_HEADLINE_CHARS, invalid_reason

#: (URL, text hash) pairs remembered for in-crawl repeats before the set is reset.
SEEN_LIMIT = 100_000


class InvalidArticle(DropItem):
    """The article cannot be stored (bad URL, NUL byte, garbage headline, nothing in it)."""


class DuplicateArticle(DropItem):
    """The same URL with the same text was already seen in this crawl."""


@dataclass(frozen=True, slots=True)
class DedupeSettings:
    max_headline_chars: int

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> DedupeSettings:
        return cls(settings.getint("DEDUPE_MAX_HEADLINE_CHARS", MAX_HEADLINE_CHARS))


class DedupePipeline:
    def __init__(self, crawler: Crawler, settings: DedupeSettings) -> None:
        self.stats = crawler.stats
        self.settings = settings
        self.seen: set[tuple[str, str | None]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler, DedupeSettings.from_settings(crawler.settings))

    def process_item(self, item: Article) -> Article:
        reason = invalid_reason(item, self.settings.max_headline_chars)
        if reason:
            self.stats.inc_value(f"newscrawl/dedupe/invalid/{reason}")
            raise InvalidArticle(f"{reason}: {item.url}")
        from_worker = isinstance(item.hints.get(HINT_KEY), Prepared)
        prepared = prepared_of(item)  # done already when an extraction worker prepared it
        key = (item.url, prepared.version.content_hash)
        if key in self.seen:
            self.stats.inc_value("newscrawl/dedupe/duplicate")
            raise DuplicateArticle(f"seen in this crawl: {item.url}")
        if len(self.seen) >= SEEN_LIMIT:  # bounded memory on endless crawls
            self.seen.clear()
        self.seen.add(key)
        if not from_worker:  # a worker chose it already (newscrawl.extract.worker)
            item.canonical_url = choose_canonical_url(item.url, item.canonical_url)
        item.hints[HINT_KEY] = prepared
        self.stats.inc_value("newscrawl/dedupe/prepared")
        return item
