"""Item pipeline: run newscrawl.normalize over each Article (Scrapy glue only)."""

from __future__ import annotations

from newscrawl.article import Article
from newscrawl.normalize import normalize_article


class NormalizePipeline:
    def process_item(self, item: Article) -> Article:
        return normalize_article(item)
