"""``NEWSCRAWL_EXTRACT_WORKERS``: a page classified and extracted in a worker process gives
what the in-process path gives."""

from __future__ import annotations

import asyncio
import json
import os
import pickle
import signal
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from newscrawl.pipelines.dedupe import DedupePipeline
from newscrawl.pipelines.normalize import NormalizePipeline
from scrapy.utils.test import get_crawler

from newscrawl.article import Article
from newscrawl.dedupe.prepare import HINT_KEY, prepare
from newscrawl.dedupe.urls import choose_canonical_url
from newscrawl.demo import newsroom as nr
from newscrawl.extract import worker
from newscrawl.extract.core import extract_document
from newscrawl.extract.document import parse_document
from newscrawl.extract.pool import (
    WINDOW,
    WorkerDied,
    WorkerError,
    acquire_pool,
    release_pool,
)
from newscrawl.extract.worker import NORMALIZED_KEY, classify_page, fill_crawl_fields
from newscrawl.normalize import normalize_article
from tests.newsroomkit import Newsroom, newsroom_fixture, run_scrapy  # noqa: F401  (fixture)

INKL = Path(__file__).parent / "fixtures" / "inkl"
PAGE = sorted(INKL.glob("*.html"))[0]
URL = "https://www.inkl.com/news/example"


def test_article_in_a_worker_equals_in_process() -> None:
    """Extracted, normalized and prepared in a spawned worker: what the spider and the
    normalize and dedupe pipelines produce in-process, and the outcomes to count."""
    html = PAGE.read_text(encoding="utf-8")
    fetched = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    extracted = fill_crawl_fields(
        extract_document(parse_document(html, URL), source="inkl"), "inkl", fetched
    )
    outcomes: Counter[str] = Counter()
    here = normalize_article(extracted, on_outcome=lambda key: outcomes.update([key]))
    prepared_here = prepare(here)
    here.canonical_url = choose_canonical_url(here.url, here.canonical_url)  # dedupe pipeline
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        result = pool.submit(classify_page, html, URL, "inkl", False, fetched).result(120)
        unfinished = pool.submit(classify_page, html, URL, "inkl", False, fetched, finish=False)
        raw = unfinished.result(timeout=120)
    assert result.kind == "article"
    assert result.article is not None
    assert result.article.to_dict() == here.to_dict()
    assert result.article.hints[NORMALIZED_KEY] == dict(outcomes)
    assert result.article.hints[HINT_KEY] == prepared_here
    assert raw.article is not None and raw.article.to_dict() == extracted.to_dict()
    assert NORMALIZED_KEY not in raw.article.hints


def test_pipelines_count_a_workers_normalization_and_reuse_its_preparation() -> None:
    crawler = get_crawler(settings_dict={})
    normalize, dedupe = (
        NormalizePipeline.from_crawler(crawler),
        DedupePipeline.from_crawler(crawler),
    )
    html = PAGE.read_text(encoding="utf-8")
    result = classify_page(html, URL, "inkl", False, datetime(2026, 11, 29, tzinfo=UTC))
    assert result.article is not None
    outcomes = dict(result.article.hints[NORMALIZED_KEY])
    prepared = result.article.hints[HINT_KEY]
    item = dedupe.process_item(normalize.process_item(result.article))
    assert item.hints[HINT_KEY] is prepared  # not prepared twice
    assert NORMALIZED_KEY not in item.hints
    stats = crawler.stats.get_stats()
    assert all(stats[key] == times for key, times in outcomes.items())
    assert stats["newscrawl/normalize/item/normalized"] == 1


def test_a_failed_normalization_leaves_the_work_to_the_pipelines(monkeypatch) -> None:
    def broken(article, **_):
        raise RuntimeError("boom")

    monkeypatch.setattr(worker, "normalize_article", broken)
    article = Article(url=URL, headline="A headline", body="Some text.")
    finished = worker.finish_article(article)
    assert finished is article
    assert NORMALIZED_KEY not in finished.hints and HINT_KEY not in finished.hints


def test_listing_app_shell_and_unparsable() -> None:
    links = "".join(f'<li><a href="/news/{i}">Story {i}</a></li>' for i in range(5))
    listing = classify_page(f"<html><body><h1>News</h1><ul>{links}</ul></body></html>",
                            URL, None, False)  # fmt: skip
    assert listing.kind == "listing"
    assert listing.hrefs == [f"/news/{i}" for i in range(5)]
    shell = '<html><body><div id="root"></div><script src="/app.js"></script></body></html>'
    assert classify_page(shell, URL, None, False).kind == "app_shell"
    assert classify_page(shell, URL, None, True).kind == "listing"  # rendered: no second render
    assert classify_page("   ", URL, None, False).kind == "unparsable"
    assert pickle.loads(pickle.dumps(listing)) == listing


@pytest.mark.slow
def test_crawl_with_a_worker_finds_what_the_in_process_crawl_finds(newsroom, tmp_path) -> None:
    found = {}
    for workers in ("0", "1"):
        items = tmp_path / f"items-{workers}.jsonl"
        result = run_scrapy(
            ["news", "-a", f"start_urls={newsroom.url('independent')}",
             "-o", f"{items}:jsonlines"],
            newsroom=newsroom,
            workdir=tmp_path / workers,
            database_url=f"sqlite:///{tmp_path / f'news-{workers}.db'}",
            settings={"NEWSCRAWL_EXTRACT_WORKERS": workers},
        )  # fmt: skip
        assert result.returncode == 0, result.log[-3000:]
        rows = [json.loads(line) for line in items.read_text().splitlines()]
        found[workers] = {urlsplit(r["url"]).path: (r["headline"], r["body"]) for r in rows}
    assert found["1"] == found["0"]
    assert nr.SEED_PATH in found["1"]


def test_one_pool_per_process_shared_until_the_last_user_releases_it() -> None:
    async def scenario() -> None:
        first, second, other = acquire_pool(1, None), acquire_pool(1, None), acquire_pool(2, None)
        assert first is second and other is not first
        html = PAGE.read_text(encoding="utf-8")
        fetched = datetime(2026, 11, 29, tzinfo=UTC)
        result = await first.run(classify_page, html, URL, "inkl", False, fetched)
        assert result.kind == "article" and result.article is not None
        assert result.article.hints[NORMALIZED_KEY]  # normalized in the worker
        as_bytes = await first.run(classify_page, html.encode(), URL, "inkl", False, fetched)
        assert as_bytes.article.to_dict() == result.article.to_dict()
        await release_pool(second)
        assert await first.run(len, "still open") == 10
        with pytest.raises(WorkerError, match="ZeroDivisionError"):
            await first.run(divmod, 1, 0)
        assert await first.run(len, "a failed job is not a dead worker") == 33
        await release_pool(first)
        await release_pool(other)
        with pytest.raises(RuntimeError, match="shut down"):  # the last user shut it down
            await first.run(len, "closed")
        again = acquire_pool(1, None)
        assert again is not first
        await release_pool(again)

    asyncio.run(scenario())


def test_a_dead_worker_fails_only_its_jobs_and_is_replaced() -> None:
    async def scenario() -> None:
        pool = acquire_pool(2, None)
        try:
            pids = set(await asyncio.gather(*(pool.run(os.getpid) for _ in range(20))))
            assert len(pids) == 2 and os.getpid() not in pids
            victim = min(pids)
            # enough for both workers to hold a full window, whichever one is killed
            sleeping = [asyncio.ensure_future(pool.run(time.sleep, 0.3)) for _ in range(2 * WINDOW)]
            await asyncio.sleep(0.1)
            os.kill(victim, signal.SIGKILL)
            outcomes = await asyncio.gather(*sleeping, return_exceptions=True)
            died = [o for o in outcomes if isinstance(o, WorkerDied)]
            assert 1 <= len(died) <= WINDOW  # what the dead worker held, no more
            assert all(o is None for o in outcomes if not isinstance(o, WorkerDied))
            after = set(await asyncio.gather(*(pool.run(os.getpid) for _ in range(20))))
            assert len(after) == 2 and victim not in after
            assert pool.replaced == 1
        finally:
            await release_pool(pool)

    asyncio.run(scenario())
