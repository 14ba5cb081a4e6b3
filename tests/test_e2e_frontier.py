"""The frontier (``NEWSCRAWL_FRONTIER_SIZE``): found article pages wait in the spider, not in
Scrapy's scheduler, and every one of them is still fetched once and stored."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.crawlkit import ROOT, generated_site, generated_site_crawl

pytestmark = pytest.mark.slow

ARTICLES = 300


@pytest.fixture
def site(tmp_path) -> Iterator[tuple[str, Path]]:
    log = tmp_path / "requests.tsv"
    with generated_site(ARTICLES, log) as base:
        yield base, log


def crawl(base: str, tmp_path: Path, **settings: object) -> str:
    command = generated_site_crawl(base, tmp_path, tmp_path / "news.db", **settings)
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stderr


def article_fetches(log: Path) -> list[str]:
    paths = [line.split("\t")[2] for line in log.read_text().splitlines() if "\t" in line]
    return [p for p in paths if p.startswith("/news/") and p.endswith(".html")]


def stored(tmp_path: Path) -> int:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'news.db'}")
    with engine.connect() as connection:
        count = connection.scalar(sa.text("SELECT count(*) FROM articles"))
    engine.dispose()
    return count


def test_a_small_frontier_holds_pages_back_and_loses_none(site, tmp_path) -> None:
    base, log = site
    output = crawl(base, tmp_path, NEWSCRAWL_FRONTIER_SIZE=8)
    assert stored(tmp_path) == ARTICLES
    fetched = article_fetches(log)
    assert len(fetched) == len(set(fetched)) == ARTICLES
    # most of the sitemap waited in the frontier instead of Scrapy's queue; none was left
    assert _held_peak(output) >= 250
    assert "frontier/left" not in output


def _held_peak(output: str) -> int:
    key = "'newscrawl/discover/frontier/held_peak': "
    start = output.index(key) + len(key)
    return int(output[start : output.index(",", start)].rstrip("}"))


def test_frontier_off_schedules_everything_at_once(site, tmp_path) -> None:
    base, _ = site
    output = crawl(base, tmp_path, NEWSCRAWL_FRONTIER_SIZE=0)
    assert stored(tmp_path) == ARTICLES
    assert "frontier/held_peak" not in output
