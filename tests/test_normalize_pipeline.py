"""The normalize item pipeline inside a real Scrapy crawler: settings, stats keys, drops.

Articles reach it normalized by the page processing (:func:`newscrawl.process.finish_article`);
it counts what normalization did and drops what is unusable."""

from __future__ import annotations

import pytest
from newscrawl.pipelines.normalize import BodyTooShort, EmptyArticle, NormalizePipeline
from scrapy.pipelines import ItemPipelineManager
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from newscrawl.article import Article
from newscrawl.process import finish_article


def finished(article: Article) -> Article:
    outcome = finish_article(article)
    assert outcome.article is not None
    return outcome.article


def crawler_with(**settings):
    project = get_project_settings()
    return get_crawler(
        settings_dict={"ITEM_PIPELINES": project.getdict("ITEM_PIPELINES"), **settings}
    )


def test_project_settings_load_the_pipeline():
    manager = ItemPipelineManager.from_crawler(crawler_with())
    assert any(isinstance(p, NormalizePipeline) for p in manager.middlewares)


def test_every_outcome_is_a_namespaced_stat():
    crawler = crawler_with()
    pipeline = NormalizePipeline.from_crawler(crawler)
    item = finished(
        Article(
            url="https://www.example.com/world/a",
            headline="Storm hits coast | Example News",
            authors=["By JANE DOE and Staff"],
            body="LONDON (Reuters) - A storm hit.\n\nA flooded street (AP)\n\nIt rained.",
            hints={"site_names": ["Example News"]},
        )
    )
    out = pipeline.process_item(item)
    stats = crawler.stats.get_stats()
    assert out.headline == "Storm hits coast"
    assert out.authors == ["Jane Doe"]
    assert out.wire_credits == ["Reuters"]
    assert stats["newscrawl/normalize/headline/site_name_stripped"] == 1
    assert stats["newscrawl/normalize/authors/found"] == 1
    assert stats["newscrawl/normalize/authors/rejected"] == 1
    assert stats["newscrawl/normalize/wire_credits/dateline"] == 1
    assert stats["newscrawl/normalize/item/normalized"] == 1
    assert all(key.startswith("newscrawl/normalize/") for key in stats)


def test_empty_article_is_dropped_with_its_own_reason():
    crawler = crawler_with()
    pipeline = NormalizePipeline.from_crawler(crawler)
    with pytest.raises(EmptyArticle):
        pipeline.process_item(
            finished(Article(url="https://www.example.com/empty", headline=" \u200b "))
        )
    assert crawler.stats.get_value("newscrawl/normalize/drop/empty_article") == 1
    assert crawler.stats.get_value("newscrawl/normalize/headline/missing") == 1


def test_minimum_body_length_is_read_from_settings():
    crawler = crawler_with(NEWSCRAWL_NORMALIZE_MIN_BODY_CHARS=50)
    pipeline = NormalizePipeline.from_crawler(crawler)
    assert pipeline.settings.min_body_chars == 50
    with pytest.raises(BodyTooShort):
        pipeline.process_item(Article(url="https://e.com/a", headline="Hi", body="Too short."))
    assert crawler.stats.get_value("newscrawl/normalize/drop/body_too_short") == 1
    kept = pipeline.process_item(Article(url="https://e.com/b", headline="Hi", body="x" * 60))
    assert kept.body == "x" * 60


def test_other_items_pass_through_counted():
    crawler = crawler_with()
    pipeline = NormalizePipeline.from_crawler(crawler)
    item = {"url": "https://e.com/a"}
    assert pipeline.process_item(item) is item
    assert crawler.stats.get_value("newscrawl/normalize/item/not_an_article") == 1
