"""``crawl_runs`` says what each crawl crawled: its source and its start URLs.

Real crawls of the loopback newsroom (``scrapy crawl source`` and ``scrapy crawl news``),
then ``newscrawl stats`` as a user runs it: two runs that crawled different things no
longer look the same.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlalchemy import select
from sqlalchemy.pool import NullPool

from newscrawl.sources import load_sources
from newscrawl.store import Store
from newscrawl.store.engine import create_engine
from newscrawl.store.runs import crawl_run_from_stats
from newscrawl.store.schema import crawl_runs
from tests.newsroomkit import newsroom_fixture, run_scrapy  # noqa: F401  (fixture)


@pytest.mark.slow
def test_runs_record_their_source_and_start_urls_and_stats_shows_them(newsroom, tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'news.db'}"
    starts = [newsroom.url("apnews", "/"), newsroom.url("standard", "/")]
    for args in (
        ["source", "-a", "name=independent"],
        ["news", "-a", "start_urls=" + ",".join(starts), "-a", "max_articles=1"],
    ):
        result = run_scrapy(args, newsroom=newsroom, workdir=tmp_path / args[0], database_url=url,
                            settings={"NEWSCRAWL_RENDER_JS": "False"})  # fmt: skip
        assert result.returncode == 0, result.log[-3000:]
    independent = list(load_sources(str(newsroom.sources))["independent"].start_urls)

    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        query = select(crawl_runs.c.spider, crawl_runs.c.source, crawl_runs.c.start_urls)
        rows = [tuple(r) for r in connection.execute(query.order_by(crawl_runs.c.id))]
    engine.dispose()
    assert rows == [("source", "independent", independent), ("news", None, starts)]

    def stats(*extra: str) -> str:
        command = [sys.executable, "-m", "newscrawl", "stats", "--database-url", url, *extra]
        done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    text = stats()
    assert "source independent" in text
    assert f"news {starts[0]} (+1)" in text
    runs = json.loads(stats("--json"))["last_runs"]
    assert {(r["source"], tuple(r["start_urls"])) for r in runs} == {
        ("independent", tuple(independent)), (None, tuple(starts))}  # fmt: skip


def test_start_urls_are_stored_without_a_password(store: Store) -> None:
    run = crawl_run_from_stats("news", {}, start_urls=["https://user:s3cret@example.com/feed"])
    store.record_crawl_run(run)
    with store.engine.connect() as connection:
        stored = connection.scalar(select(crawl_runs.c.start_urls))
    assert stored == ["https://user:***@example.com/feed"]
