"""The frontier (``NEWSCRAWL_FRONTIER_SIZE``): found article pages wait in the spider, not in
Scrapy's scheduler, and every one of them is still fetched once and stored. The crawls of a
generated site run in the test process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests import reactorkit
from tests.crawlkit import generated_site

pytestmark = pytest.mark.slow

ARTICLES = 100  # a sitemap 12 times the frontier


@pytest.fixture
def site(tmp_path) -> Iterator[tuple[str, Path]]:
    log = tmp_path / "requests.tsv"
    with generated_site(ARTICLES, log) as base:
        yield base, log


def crawl(reactor: Any, base: str, tmp_path: Path, **settings: object) -> dict[str, Any]:
    """A news crawl of the site's sitemap in this process; its stats."""
    crawled = reactorkit.crawl(
        reactor, "news", {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'news.db'}",
            "NEWSCRAWL_ALLOWED_PRIVATE_HOSTS": "127.0.0.1",
            "NEWSCRAWL_LOCK_DIR": str(tmp_path / "locks"),
            "STORE_SPOOL_DIR": str(tmp_path / "spool"),
            "NEWSCRAWL_RENDER_JS": False,
            "NEWSCRAWL_EXTRACT_WORKERS": 0,
            "HTTPCACHE_ENABLED": False,
            "AUTOTHROTTLE_ENABLED": False,
            **settings,
        },
        start_urls=f"{base}/sitemap.xml",
    )  # fmt: skip
    assert crawled.returncode == 0, crawled.log[-3000:]
    return crawled.stats


def article_fetches(log: Path) -> list[str]:
    paths = [line.split("\t")[2] for line in log.read_text().splitlines() if "\t" in line]
    return [p for p in paths if p.startswith("/news/") and p.endswith(".html")]


def stored(tmp_path: Path) -> int:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'news.db'}")
    with engine.connect() as connection:
        count = connection.scalar(sa.text("SELECT count(*) FROM articles"))
    engine.dispose()
    return count


def test_a_small_frontier_holds_pages_back_and_loses_none(reactor, site, tmp_path) -> None:
    base, log = site
    stats = crawl(reactor, base, tmp_path, NEWSCRAWL_FRONTIER_SIZE=8)
    assert stored(tmp_path) == ARTICLES
    fetched = article_fetches(log)
    assert len(fetched) == len(set(fetched)) == ARTICLES
    # most of the sitemap waited in the frontier instead of Scrapy's queue; none was left
    assert stats["newscrawl/discover/frontier/held_peak"] >= ARTICLES * 0.8
    assert not [key for key in stats if "frontier/left" in key]


def test_frontier_off_schedules_everything_at_once(reactor, site, tmp_path) -> None:
    base, _ = site
    stats = crawl(reactor, base, tmp_path, NEWSCRAWL_FRONTIER_SIZE=0)
    assert stored(tmp_path) == ARTICLES
    assert not [key for key in stats if "frontier/held_peak" in key]
