"""One flow (:mod:`newscrawl.process`): a page processed in an extraction worker process
(``NEWSCRAWL_EXTRACT_WORKERS``) gives exactly what it gives in the crawler's thread, and the
item pipelines only count and check what it did."""

from __future__ import annotations

import asyncio
import contextlib
import os
import pickle
import signal
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from newscrawl.pipelines.dedupe import DedupePipeline
from newscrawl.pipelines.normalize import NormalizePipeline
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from newscrawl import process
from newscrawl.article import Article
from newscrawl.dedupe.prepare import prepare
from newscrawl.demo import newsroom as nr
from newscrawl.extract.pool import (
    WINDOW,
    WorkerDied,
    WorkerError,
    acquire_pool,
    release_pool,
)
from newscrawl.process import PageOutcome, PageProcessor, process_page
from tests import funduskit
from tests.newsroomkit import Newsroom, crawl_newsroom, newsroom_fixture  # noqa: F401

INKL = Path(__file__).parent / "fixtures" / "inkl"
PAGE = sorted(INKL.glob("*.html"))[0]
URL = "https://www.inkl.com/news/example"
FETCHED = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
PAGE_SLUG = "russia-admits-its-forces-have-fallen-back-near-bakhmut-as-ukraine-gains-ground"


def fundus_pages(step: int = 4) -> list[tuple[str, bytes]]:
    """(URL, UTF-8 bytes) of every ``step``-th fundus fixture page (40 of 160 publishers'
    pages, from every country: enough layouts, a quarter of the time)."""
    return [(c["url"], funduskit.html(funduskit.page_of(c))) for c in funduskit.cases()[::step]]


def processed(workers: int, pages: list[tuple[str, bytes]]) -> list[PageOutcome | None]:
    """Every page through a :class:`PageProcessor` with ``workers`` workers, as the spider
    hands them over (text, and the UTF-8 bytes a worker is sent instead)."""

    async def scenario() -> list[PageOutcome | None]:
        processor = PageProcessor(workers)
        try:
            return await asyncio.gather(
                *(
                    processor.process(
                        url, raw.decode("utf-8"), body=raw, encoding="utf-8", fetched_at=FETCHED
                    )
                    for url, raw in pages
                )
            )
        finally:
            await processor.close()

    return asyncio.run(scenario())


def pipelines(crawler) -> tuple[NormalizePipeline, DedupePipeline]:
    return NormalizePipeline.from_crawler(crawler), DedupePipeline.from_crawler(crawler)


def pipeline_stats(outcomes: list[PageOutcome | None]) -> dict[str, int]:
    """The stats the normalize and dedupe pipelines count for these outcomes' articles."""
    crawler = get_crawler(settings_dict={})
    normalize, dedupe = (
        NormalizePipeline.from_crawler(crawler),
        DedupePipeline.from_crawler(crawler),
    )
    for outcome in outcomes:
        if outcome is None or outcome.article is None:
            continue
        with contextlib.suppress(DropItem):
            dedupe.process_item(normalize.process_item(outcome.article))
    return {k: v for k, v in crawler.stats.get_stats().items() if k.startswith("newscrawl/")}


@pytest.mark.slow
def test_fundus_pages_give_the_same_outcome_inline_and_in_a_worker() -> None:
    """Same kind, same Article (fields, hints, normalization outcomes, preparation), same
    stats from the pipelines, for fundus pages of many publishers."""
    pages = fundus_pages()
    inline, in_workers = processed(0, pages), processed(2, pages)
    assert len(inline) == len(in_workers) == len(pages) == 40
    articles = 0
    for (url, _), here, there in zip(pages, inline, in_workers, strict=True):
        assert here is not None and there is not None, url
        assert (there.kind, there.error, there.links) == (here.kind, here.error, here.links), url
        if here.article is None:
            assert there.article is None, url
            continue
        articles += 1
        assert there.article is not None, url
        assert there.article.to_dict() == here.article.to_dict(), url
        assert there.article.hints == here.article.hints, url
        assert there.article.normalized == here.article.normalized, url
        assert there.article.prepared == here.article.prepared, url
    assert articles >= 38
    stats = pipeline_stats(inline)
    assert stats == pipeline_stats(in_workers)
    assert stats["newscrawl/normalize/item/normalized"] == articles
    assert any(key.startswith("newscrawl/normalize/authors/") for key in stats)


def test_an_article_comes_finished() -> None:
    """Extracted, given its crawl fields, normalized (outcomes kept to count), its canonical
    URL chosen and prepared: what the store needs, from one call."""
    html = PAGE.read_text(encoding="utf-8")
    outcome = process_page(html, URL, source="inkl", fetched_at=FETCHED)
    assert outcome.kind == "article" and not outcome.error
    article = outcome.article
    assert article is not None
    assert article.source == "inkl" and article.fetched_at == FETCHED
    assert article.normalized and all(
        k.startswith("newscrawl/normalize/") for k in article.normalized
    )
    assert article.prepared == prepare(article)
    assert article.canonical_url == "https://www.inkl.com/news/" + PAGE_SLUG  # chosen
    assert pickle.loads(pickle.dumps(outcome)).article.prepared == article.prepared


def test_pipelines_count_the_outcomes_and_reuse_the_preparation() -> None:
    crawler = get_crawler(settings_dict={})
    normalize, dedupe = (
        NormalizePipeline.from_crawler(crawler),
        DedupePipeline.from_crawler(crawler),
    )
    outcome = process_page(PAGE.read_text(encoding="utf-8"), URL, source="inkl", fetched_at=FETCHED)
    article = outcome.article
    assert article is not None and article.normalized
    prepared, before = article.prepared, article.to_dict()
    item = dedupe.process_item(normalize.process_item(article))
    assert item is article and item.prepared is prepared  # not normalized nor prepared twice
    assert item.to_dict() == before
    stats = crawler.stats.get_stats()
    assert all(stats[key] == times for key, times in article.normalized.items())
    assert stats["newscrawl/normalize/item/normalized"] == 1
    assert stats["newscrawl/dedupe/prepared"] == 1


def test_an_article_from_another_spider_is_stored_as_it_comes() -> None:
    """Not normalized by the pipelines (no second path): prepared once, by the dedupe
    pipeline, for the store."""
    crawler = get_crawler(settings_dict={})
    normalize, dedupe = (
        NormalizePipeline.from_crawler(crawler),
        DedupePipeline.from_crawler(crawler),
    )
    article = Article(url=URL, headline="Storm hits coast | Example News", body="It rained.")
    item = dedupe.process_item(normalize.process_item(article))
    assert item.headline == "Storm hits coast | Example News"
    assert item.prepared is not None
    assert item.prepared.version.content_hash == prepare(article).version.content_hash
    stats = crawler.stats.get_stats()
    assert "newscrawl/normalize/item/normalized" not in stats
    assert stats["newscrawl/dedupe/prepared"] == 1


def test_a_failed_normalization_keeps_the_article_as_extracted(monkeypatch) -> None:
    def broken(article, **_):
        raise RuntimeError("boom")

    monkeypatch.setattr(process, "normalize_article", broken)
    outcome = process_page(PAGE.read_text(encoding="utf-8"), URL, source="inkl")
    assert (
        outcome.kind == "article" and outcome.error == "normalization failed: RuntimeError('boom')"
    )
    assert outcome.article is not None and outcome.article.prepared is not None
    assert outcome.article.normalized == {"newscrawl/normalize/error/RuntimeError": 1}


def test_listing_app_shell_unparsable_and_failed() -> None:
    links = "".join(f'<li><a href="/news/{i}">Story {i}</a></li>' for i in range(5))
    listing = process_page(f"<html><body><h1>News</h1><ul>{links}</ul></body></html>", URL)
    assert listing.kind == "listing"
    assert listing.links == [f"/news/{i}" for i in range(5)]
    shell = '<html><body><div id="root"></div><script src="/app.js"></script></body></html>'
    assert process_page(shell, URL).kind == "app_shell"
    assert process_page(shell, URL, rendered=True).kind == "listing"  # rendered: not again
    assert process_page("   ", URL).kind == "unparsable"
    assert pickle.loads(pickle.dumps(listing)) == listing


def test_extraction_failure_is_an_outcome(monkeypatch) -> None:
    def broken(doc, **_):
        raise ValueError("bad tree")

    monkeypatch.setattr(process, "extract_document", broken)
    outcome = process_page(PAGE.read_text(encoding="utf-8"), URL)
    assert (outcome.kind, outcome.article) == ("failed", None)
    assert outcome.error == "extraction failed: ValueError('bad tree')"


@pytest.mark.slow
def test_crawl_with_a_worker_finds_what_the_in_process_crawl_finds(
    reactor, newsroom, tmp_path
) -> None:
    found = {}
    for workers in ("0", "1"):
        result, rows = crawl_newsroom(
            reactor, "news", newsroom=newsroom, workdir=tmp_path / workers,
            database_url=f"sqlite:///{tmp_path / f'news-{workers}.db'}",
            settings={"NEWSCRAWL_EXTRACT_WORKERS": workers},
            start_urls=newsroom.url("independent"),
        )  # fmt: skip
        assert result.returncode == 0, result.log[-3000:]
        found[workers] = {urlsplit(r["url"]).path: (r["headline"], r["body"]) for r in rows}
    assert found["1"] == found["0"]
    assert nr.SEED_PATH in found["1"]


def test_one_pool_per_process_shared_until_the_last_user_releases_it() -> None:
    async def scenario() -> None:
        first, second, other = acquire_pool(1, None), acquire_pool(1, None), acquire_pool(2, None)
        assert first is second and other is not first
        html = PAGE.read_text(encoding="utf-8")
        result = await first.run(process_page, html, URL, source="inkl", fetched_at=FETCHED)
        assert result.kind == "article" and result.article is not None
        assert result.article.normalized  # normalized in the worker
        as_bytes = await first.run(process_page, html.encode(), URL, source="inkl",
                                   fetched_at=FETCHED)  # fmt: skip
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


@pytest.mark.slow
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
