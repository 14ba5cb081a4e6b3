"""``scrapy crawl source -a name=KEY [-a max_articles=N]``: crawl one publisher of the catalogue.

The source's start URLs, allowed domains, JavaScript need and politeness overrides come
from its definition (:mod:`newscrawl.sources`).
"""

from __future__ import annotations

from typing import Any

from newscrawl.spiders.base import DiscoverySpider, optional_int
from scrapy.exceptions import NotConfigured


class SourceSpider(DiscoverySpider):
    name = "source"

    def __init__(
        self, name: str | None = None, max_articles: str | int | None = None, **kwargs: Any
    ) -> None:
        if not name:
            raise NotConfigured("give -a name=KEY (a publisher key: `newscrawl publishers`)")
        self.source_key = name
        super().__init__(**kwargs)
        self.name = "source"
        self.max_articles = optional_int(max_articles, "max_articles")
        self.lock_key = f"source:{name}"

    def setup_sources(self) -> None:
        super().setup_sources()
        found = {s.name: s for s in self.sources}.get(self.source_key)
        if found is None:
            known = ", ".join(sorted(s.name for s in self.sources)) or "none"
            raise NotConfigured(f"unknown source {self.source_key!r} (defined: {known})")
        self.source = found
        self.start_urls = list(found.start_urls)
        self.allowed_domains = list(found.allowed_domains)
