"""The dedupe and store pipelines in a real Scrapy crawl, on SQLite and Postgres."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import select

from newscrawl.store import Store
from newscrawl.store.schema import crawl_runs
from tests.storekit import counts

ROOT = Path(__file__).resolve().parent.parent

CRAWL = textwrap.dedent(
    """
    import sys
    import scrapy
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings
    from tests.storekit import article

    class Items(scrapy.Spider):
        name = "items"

        async def start(self):
            for i in range(40):
                yield article(i, f"https://www.independent.co.uk/news/story-{i}")
            for i in range(10):  # exact repeats in the same crawl
                yield article(i, f"https://www.independent.co.uk/news/story-{i}")
            for i in range(5):  # aggregator copies of stored stories
                yield article(i, f"https://www.inkl.com/a/{i}", source="inkl",
                              hints={"original_url": f"https://www.independent.co.uk/news/story-{i}"})
            yield article(99, "https://www.independent.co.uk/news/bad", headline="Big " * 2500)

    settings = Settings()
    settings.setmodule("newscrawl.settings")
    settings.set("DATABASE_URL", sys.argv[1])
    settings.set("STORE_BATCH_SIZE", 16)
    settings.set("STORE_SPOOL_DIR", sys.argv[2])
    settings.set("LOG_LEVEL", "WARNING")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(Items)
    process.crawl(crawler)
    process.start()
    stats = {k: v for k, v in crawler.stats.get_stats().items() if k.startswith("newscrawl/")}
    print("STATS", __import__("json").dumps(stats))
    """
)


def crawl(tmp_path: Path, database_url: str) -> subprocess.CompletedProcess:
    script = tmp_path / "crawl.py"
    script.write_text(CRAWL)
    return subprocess.run(
        [sys.executable, str(script), database_url, str(tmp_path / "spool")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )


@pytest.mark.slow
def test_crawl_stores_dedupes_and_records_the_run(tmp_path: Path, database_url: str) -> None:
    result = crawl(tmp_path, database_url)
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(x for x in result.stdout.splitlines() if x.startswith("STATS "))
    stats = json.loads(line[len("STATS ") :])
    assert stats["newscrawl/store/new"] == 40
    assert stats["newscrawl/store/merged"] == 5
    assert stats["newscrawl/dedupe/duplicate"] == 10
    assert stats["newscrawl/dedupe/invalid/headline_too_long"] == 1
    store = Store.open(database_url)
    assert counts(store)["articles"] == 40
    assert counts(store)["sightings"] == 45
    with store.engine.connect() as connection:
        run = connection.execute(select(crawl_runs)).one()
    store.close()
    assert (run.spider, run.items_stored, run.duplicates) == ("items", 45, 15)
    assert run.finish_reason == "finished"
    assert run.drops["InvalidArticle"] == 1


@pytest.mark.slow
def test_crawl_refuses_an_old_postgres_schema(tmp_path: Path, make_postgres_database) -> None:
    result = crawl(tmp_path, make_postgres_database())
    assert "newscrawl db upgrade" in result.stderr
    assert "STATS" not in result.stdout or '"newscrawl/store/new"' not in result.stdout
