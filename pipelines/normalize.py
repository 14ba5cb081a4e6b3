"""Item pipeline: count each Article's normalization outcomes; drop the unusable ones.

Scrapy glue only. Articles come normalized: the spiders' page processing
(:func:`newscrawl.process.process_page`, in the crawler or in an extraction worker) ran
:func:`newscrawl.normalize.normalize_article` and left its outcomes on the article
(``article.normalized``); they are counted here as stats keys
``newscrawl/normalize/<field>/<outcome>``. An Article from another spider is not normalized
here (finish it with :func:`newscrawl.process.finish_article` to store what a crawl stores).
Unusable articles are dropped with one :class:`~scrapy.exceptions.DropItem` subclass per
reason, so Scrapy's own ``item_dropped_reasons_count/<Reason>`` stats say why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.settings import BaseSettings

from newscrawl.article import Article
from newscrawl.normalize import STAT_PREFIX


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
    """Count what normalization did to each article; drop empty and too short ones."""

    def __init__(self, crawler: Crawler, settings: NormalizeSettings) -> None:
        self.stats = crawler.stats
        self.settings = settings

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, NormalizeSettings.from_settings(crawler.settings))

    def _count(self, key: str, times: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(key, times)

    def _drop(self, error: type[DropItem], reason: str, article: Article) -> None:
        self._count(f"{STAT_PREFIX}/drop/{reason}")
        raise error(f"{reason}: {article.url}")

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            self._count(f"{STAT_PREFIX}/item/not_an_article")
            return item
        for key, times in (item.normalized or {}).items():
            self._count(key, times)
        if not item.headline and not item.body:
            self._drop(EmptyArticle, "empty_article", item)
        if self.settings.min_body_chars and len(item.body or "") < self.settings.min_body_chars:
            self._drop(BodyTooShort, "body_too_short", item)
        if item.normalized is not None:
            self._count(f"{STAT_PREFIX}/item/normalized")
        return item
