"""``scrapy crawl news -a start_urls=URL[,URL…] [-a max_articles=N] [-a allowed_domains=D,…]``

One generic spider for any start URL: a feed (RSS, Atom, JSON Feed), a sitemap, sitemap
index or Google News sitemap (gzip too), a robots.txt (its sitemaps), a home or section page,
an aggregator listing or an article page. Links are followed within ``allowed_domains``
(default: the start URLs' hosts); an aggregator copy's original is followed too
(``FOLLOW_ORIGINALS``).
"""

from __future__ import annotations

from typing import Any

from newscrawl.spiders.base import DiscoverySpider, optional_int, split_urls
from scrapy.exceptions import NotConfigured

from newscrawl.discover.hosts import domains_of
from newscrawl.sources import SourceError, check_start_url


class NewsSpider(DiscoverySpider):
    name = "news"

    def __init__(
        self,
        start_urls: str | None = None,
        max_articles: str | int | None = None,
        allowed_domains: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.start_urls = split_urls(start_urls)
        if not self.start_urls:
            raise NotConfigured("give -a start_urls=URL[,URL...]")
        try:
            self.start_urls = [check_start_url(url) for url in self.start_urls]
        except SourceError as err:
            raise NotConfigured(f"start_urls: {err}") from None
        self.max_articles = optional_int(max_articles, "max_articles")
        self.allowed_domains = split_urls(allowed_domains) or domains_of(self.start_urls)
        self.lock_key = "news:" + ",".join(sorted(self.start_urls))

    def setup_sources(self) -> None:
        super().setup_sources()
        # A start URL on a defined source's domain crawls as that source (JS, name).
        hosts = [s for s in self.sources if all(s.covers(u) for u in self.start_urls)]
        self.source = hosts[0] if len(hosts) == 1 else None
