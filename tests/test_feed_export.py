"""Feed exports (``scrapy crawl news … -o items.jsonl``, ``FEEDS``) hold exactly the Article
contract's fields: the crawl state an article carries (hints, normalization outcomes, the
de-duplication preparation) is not a field, so itemadapter and the exporters never see it.

The crawl runs in this process, on the session's reactor (:mod:`tests.reactorkit`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from newscrawl.spiders.news import NewsSpider

from newscrawl.article import CONTRACT_FIELDS
from tests.newsroomkit import Newsroom, newsroom_fixture  # noqa: F401  (fixture)
from tests.reactorkit import crawl


@pytest.mark.slow  # two crawls of the newsroom, as every end-to-end crawl is marked
@pytest.mark.parametrize("workers", ["0", "1"])
def test_feed_export_has_exactly_the_contract_fields(
    reactor: Any, newsroom: Newsroom, tmp_path: Path, workers: str
) -> None:
    items = tmp_path / "items.jsonl"
    crawled = crawl(
        reactor,
        NewsSpider,
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'news.db'}",
            "NEWSCRAWL_ALLOWED_PRIVATE_HOSTS": newsroom.allowed_hosts,
            "NEWSCRAWL_SOURCES_FILE": str(newsroom.sources),
            "NEWSCRAWL_LOCK_DIR": str(tmp_path / "locks"),
            "STORE_SPOOL_DIR": str(tmp_path / "spool"),
            "HTTPCACHE_ENABLED": False,
            "NEWSCRAWL_RENDER_JS": False,
            "NEWSCRAWL_EXTRACT_WORKERS": workers,
            "LOG_LEVEL": "WARNING",
            "FEEDS": {str(items): {"format": "jsonlines"}},
        },
        start_urls=newsroom.url("inkl"),
        max_articles="4",
    )
    stats = crawled.stats
    rows = [json.loads(line) for line in items.read_text().splitlines()]
    assert rows, stats
    assert stats.get("newscrawl/store/new", 0) + stats.get("newscrawl/store/merged", 0) >= 1
    for row in rows:
        assert tuple(row) == CONTRACT_FIELDS, sorted(set(row) ^ set(CONTRACT_FIELDS))
    # the state stayed on the items: aggregator copies were recognised (hints) and stored
    assert any(row["source"] == "inkl" for row in rows)
    assert stats["newscrawl/normalize/item/normalized"] == stats["item_scraped_count"]
