"""Item pipeline: drop articles that cannot be stored and repeats within this crawl (glue only).

Articles come prepared (canonical URL, hashes, band keys: :func:`newscrawl.process.process_page`
left ``article.prepared``); an Article from another spider is prepared here, once, and
carries its preparation on. The decisions that need the database (is this URL or text
already stored?) are made by the store pipeline inside its write transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.settings import BaseSettings

from newscrawl.article import Article
from newscrawl.dedupe.prepare import prepared_of
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
        prepared = item.prepared = prepared_of(item)
        key = (item.url, prepared.version.content_hash)
        if key in self.seen:
            self.stats.inc_value("newscrawl/dedupe/duplicate")
            raise DuplicateArticle(f"seen in this crawl: {item.url}")
        if len(self.seen) >= SEEN_LIMIT:  # bounded memory on endless crawls
            self.seen.clear()
        self.seen.add(key)
        self.stats.inc_value("newscrawl/dedupe/prepared")
        return item
