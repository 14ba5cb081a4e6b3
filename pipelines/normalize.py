"""Item pipeline: run :func:`newscrawl.normalize.normalize_article` over each Article.

Scrapy glue only: the cleaning itself lives in ``newscrawl/normalize/``. An article
normalized in an extraction worker (``NEWSCRAWL_EXTRACT_WORKERS``) carries its outcomes in
its hints; they are counted here and the article is not normalized twice. Every outcome is a
stats key ``newscrawl/normalize/<field>/<outcome>``; unusable articles are dropped with one
:class:`~scrapy.exceptions.DropItem` subclass per reason, so Scrapy's own
``item_dropped_reasons_count/<Reason>`` stats say why.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.settings import BaseSettings

from newscrawl.article import Article
from newscrawl.extract.worker import NORMALIZED_KEY
from newscrawl.normalize import STAT_PREFIX, normalize_article

logger = logging.getLogger(__name__)


class EmptyArticle(DropItem):
    """Neither a headline nor a body survived normalization: nothing to store."""


class BodyTooShort(DropItem):
    """The body is shorter than ``NEWSCRAWL_NORMALIZE_MIN_BODY_CHARS``."""


@dataclass(frozen=True, slots=True)
class NormalizeSettings:
    """What the pipeline reads from the settings, once."""

    #: Drop articles whose body has fewer characters than this (0: keep any body).
    min_body_chars: int = 0

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> NormalizeSettings:
        return cls(min_body_chars=settings.getint("NEWSCRAWL_NORMALIZE_MIN_BODY_CHARS", 0))


class NormalizePipeline:
    """Normalize headline, authors, wire credits, body and images; count and drop."""

    def __init__(self, crawler: Crawler, settings: NormalizeSettings) -> None:
        self.stats = crawler.stats
        self.settings = settings

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, NormalizeSettings.from_settings(crawler.settings))

    def _count(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)

    def _drop(self, error: type[DropItem], reason: str, article: Article) -> None:
        self._count(f"{STAT_PREFIX}/drop/{reason}")
        raise error(f"{reason}: {article.url}")

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            self._count(f"{STAT_PREFIX}/item/not_an_article")
            return item
        done = item.hints.pop(NORMALIZED_KEY, None)
        if done is not None:  # normalized in an extraction worker: count what it did
            for key, times in done.items():
                if self.stats is not None:
                    self.stats.inc_value(key, times)
            article = item
        else:
            try:
                article = normalize_article(item, on_outcome=self._count)
            except Exception as exc:  # a bad page must not stop the crawl
                self._count(f"{STAT_PREFIX}/error/{type(exc).__name__}")
                logger.exception("normalization failed for %s", item.url)
                return item
        if not article.headline and not article.body:
            self._drop(EmptyArticle, "empty_article", article)
        if self.settings.min_body_chars and len(article.body or "") < self.settings.min_body_chars:
            self._drop(BodyTooShort, "body_too_short", article)
        self._count(f"{STAT_PREFIX}/item/normalized")
        return article
