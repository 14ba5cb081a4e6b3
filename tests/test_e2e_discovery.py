"""``scrapy crawl news|source`` against the loopback newsroom: what is fetched, what is found.

Each test runs a real crawl of the ``news`` or ``source`` spider with the project settings
and checks the newsroom's request log and the items exported with ``-o`` (``FEEDS``). The
crawls run in the test process (:mod:`tests.reactorkit`); the tests about processes (a held
cron lock, JOBDIR across two runs) run ``scrapy crawl`` as a user would; an unknown
source's exit code is test_cli_errors'. Storage is exercised by ``test_e2e_store.py``; here
a throw-away SQLite file receives the items.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from filelock import FileLock

from newscrawl.demo import newsroom as nr
from tests.newsroomkit import (
    Newsroom,
    crawl_newsroom,
    newsroom_fixture,  # noqa: F401  (fixture)
    run_scrapy,
)
from tests.reactorkit import Crawled

pytestmark = pytest.mark.slow

SEED = nr.SEED_PATH
LAOS = nr.REAL_PAGES[0][1]
MEXICO, ELECTION = nr.REAL_PAGES[1][1], nr.REAL_PAGES[2][1]
CHELSEA, BLAIR = nr.REAL_PAGES[3][1], nr.REAL_PAGES[4][1]


def crawl_here(
    reactor: Any, newsroom: Newsroom, tmp_path: Path, spider: str, settings=None, **args: str
) -> tuple[Crawled, list[dict[str, Any]]]:
    """``scrapy crawl SPIDER -a NAME=VALUE…`` in this process, into a throw-away SQLite."""
    database_url = f"sqlite:///{tmp_path / 'news.db'}"
    return crawl_newsroom(reactor, spider, newsroom=newsroom, workdir=tmp_path,
                          database_url=database_url, settings=settings, **args)  # fmt: skip


def crawl(newsroom: Newsroom, tmp_path: Path, *args: str, **settings: str):
    """``scrapy crawl ARGS`` in a subprocess (for the tests about processes)."""
    items = tmp_path / "items.jsonl"
    result = run_scrapy(
        [*args, "-o", f"{items}:jsonlines"],
        newsroom=newsroom,
        workdir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'news.db'}",
        settings=settings,
    )
    found = [json.loads(line) for line in items.read_text().splitlines()] if items.exists() else []
    return result, found


def paths(urls) -> list[str]:
    return sorted(urlsplit(u).path + (f"?{urlsplit(u).query}" if urlsplit(u).query else "")
                  for u in urls)  # fmt: skip


@pytest.mark.parametrize(
    ("site", "start", "expected"),
    [
        ("independent", "/news/world/rss", [LAOS, SEED]),
        ("independent", "/sitemap.xml", [LAOS, SEED]),  # index -> news sitemap + .xml.gz
        ("independent", "/robots.txt", [LAOS, SEED]),  # robots.txt -> Sitemap: lines
        ("apnews", "/hub/ap-top-news.atom", [MEXICO, ELECTION]),
        ("apnews", "/news-sitemap.xml", [MEXICO, ELECTION]),
    ],
)
def test_feeds_and_sitemaps(reactor, newsroom, tmp_path, site, start, expected) -> None:
    mark = newsroom.mark()
    result, items = crawl_here(
        reactor, newsroom, tmp_path, "news", start_urls=newsroom.url(site, start)
    )
    assert result.returncode == 0, result.log[-3000:]
    assert paths(i["url"] for i in items) == sorted(expected), result.log[-5000:]
    fetched = [r["path"] for r in newsroom.requests_since(mark)]
    assert all(fetched.count(p) == 1 for p in expected)


def test_home_page_follows_articles_and_sections_only(reactor, newsroom, tmp_path) -> None:
    mark = newsroom.mark()
    result, items = crawl_here(
        reactor, newsroom, tmp_path, "news", start_urls=newsroom.url("independent")
    )
    assert result.returncode == 0, result.log[-3000:]
    assert paths(i["url"] for i in items) == sorted(
        [SEED, SEED + nr.TRACKING, nr.SEED_AMP_PATH, LAOS]
    )
    assert {i["source"] for i in items} == {"independent"}
    served = {(r["path"], r["status"]) for r in newsroom.requests_since(mark)}
    fetched = {p for p, _ in served}
    # tag, author, video and gallery pages are never requested
    assert not {p for p in fetched if p.split("/")[1] in {"topic", "author", "video", "gallery"}}
    assert "/puzzles/crossword" in fetched  # fetched, judged not an article, not stored
    assert (nr.MISSING_PATH, 404) in served
    assert nr.DISALLOWED_PATH not in fetched  # robots.txt Disallow
    assert {"/news/world", "/news/uk"} <= fetched


def test_aggregator_copy_and_original_are_both_fetched(reactor, newsroom, tmp_path) -> None:
    result, items = crawl_here(reactor, newsroom, tmp_path, "source", name="inkl")
    assert result.returncode == 0, result.log[-3000:]
    by_url = {paths([i["url"]])[0]: i for i in items}
    inkl = by_url[nr.SEED_INKL_PATH]
    assert inkl["source"] == "inkl"
    assert inkl["publisher"] == "The Independent UK"
    assert nr.SEED_INKL_PATH + "?utm_campaign=daily-newsletter" in by_url
    original = by_url[SEED]  # followed off the aggregator's domain (FOLLOW_ORIGINALS)
    assert original["source"] == "independent"
    assert original["headline"] == inkl["headline"]
    assert len(items) == 3


def test_follow_originals_off(reactor, newsroom, tmp_path) -> None:
    off = {"FOLLOW_ORIGINALS": "False"}
    result, items = crawl_here(reactor, newsroom, tmp_path, "source", off, name="inkl")
    assert result.returncode == 0
    assert {urlsplit(i["url"]).hostname for i in items} == {"127.0.0.1"}


def test_max_articles(reactor, newsroom, tmp_path) -> None:
    result, items = crawl_here(
        reactor, newsroom, tmp_path, "news", {"NEWSCRAWL_RENDER_JS": "False"},
        start_urls=newsroom.url("standard", "/feed.json"), max_articles="2",
    )  # fmt: skip
    assert result.returncode == 0, result.log[-3000:]
    assert len(items) == 2


def test_running_source_is_locked(newsroom, tmp_path) -> None:
    from newscrawl.spiders.base import lock_path

    database_url = f"sqlite:///{tmp_path / 'news.db'}"
    (tmp_path / "locks").mkdir()
    held = FileLock(lock_path(tmp_path / "locks", "source:apnews", database_url))
    mark = newsroom.mark()
    with held:
        result, items = crawl(newsroom, tmp_path, "source", "-a", "name=apnews")
    assert result.returncode == 1
    assert "another crawl of 'source:apnews' into this database is running" in result.log
    assert items == [] and newsroom.requests_since(mark) == []
    again, items = crawl(newsroom, tmp_path, "source", "-a", "name=apnews")  # lock released
    assert again.returncode == 0 and len(items) == 2


def test_failed_crawl_exits_non_zero(reactor, newsroom, tmp_path) -> None:
    url = newsroom.url("apnews", "/no-such-feed.xml")
    result, items = crawl_here(reactor, newsroom, tmp_path, "news", start_urls=url)
    assert result.returncode == 1, result.failures
    assert "every start URL failed" in result.log
    assert items == []


@pytest.mark.browser
def test_javascript_only_page_is_rendered_with_chromium(reactor, newsroom, tmp_path) -> None:
    mark = newsroom.mark()
    url = newsroom.url("standard", nr.JS_PATH)
    result, items = crawl_here(reactor, newsroom, tmp_path, "news", start_urls=url)
    assert result.returncode == 0, result.log[-3000:]
    assert len(items) == 1
    article = items[0]
    assert (
        article["headline"]
        == "Sweden tells 5,000,000 households 'how to survive WWIII' in war pamphlet"
    )
    assert article["authors"] == ["Noora Mykkanen"]
    assert article["publisher"] == "Evening Standard"
    assert len(article["body"]) > 3000
    fetched = [r["path"] for r in newsroom.requests_since(mark)]
    # the shell once (chromium is handed that body), then the shell's script and its data
    assert fetched.count(nr.JS_PATH) == 1
    assert "/static/app.js" in fetched and "/api/stories/b1190001.json" in fetched
    assert "Closing browser" in result.log or "Browser chromium launched" in result.log


def test_feeds_and_sitemaps_are_fetched_conditionally(reactor, newsroom, tmp_path) -> None:
    first, items = crawl_here(reactor, newsroom, tmp_path, "source", name="apnews")
    assert first.returncode == 0 and len(items) == 2
    mark = newsroom.mark()
    second, _ = crawl_here(reactor, newsroom, tmp_path, "source", name="apnews")
    assert second.returncode == 0, second.log[-3000:]
    served = {r["path"]: r for r in newsroom.requests_since(mark)}
    for path in ("/hub/ap-top-news.atom", "/news-sitemap.xml", "/"):
        assert served[path]["conditional"] and served[path]["status"] == 304, served[path]


def test_jobdir_pause_and_resume(newsroom, tmp_path) -> None:
    jobdir = tmp_path / "job"
    common = ("source", "-a", "name=standard")
    # One request at a time, so the stop leaves article requests queued on disk.
    settings = {
        "JOBDIR": str(jobdir),
        "CONCURRENT_REQUESTS": "1",
        "NEWSCRAWL_RENDER_JS": "False",
        "NEWSCRAWL_LOCK_DIR": str(tmp_path / "locks"),
    }
    first, items1 = crawl(newsroom, tmp_path / "1", *common, CLOSESPIDER_PAGECOUNT="3", **settings)
    assert first.returncode == 0, first.log[-3000:]
    assert "closespider_pagecount" in first.log
    second, items2 = crawl(newsroom, tmp_path / "2", *common, **settings)
    assert second.returncode == 0, second.log[-3000:]
    assert "Resuming crawl" in second.log, second.log[-3000:]
    urls = [i["url"] for i in items1 + items2]
    assert len(urls) == len(set(urls))  # nothing fetched twice across the pause
    assert paths(urls) == sorted([CHELSEA, BLAIR, nr.WIRE_COPY_PATH])
    assert len(items1) < 3


@pytest.mark.browser
def test_needs_js_source_renders_every_page_without_images(reactor, newsroom, tmp_path) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(
        newsroom.sources.read_text() + '\n[[source]]\nname = "apnews-js"\nkind = "publisher"\n'
        f'start_urls = ["{newsroom.url("apnews", "/news-sitemap.xml")}"]\n'
        'allowed_domains = ["127.0.0.3"]\nneeds_js = true\n'
    )
    mark = newsroom.mark()
    result, items = crawl_here(
        reactor, newsroom, tmp_path, "source", {"NEWSCRAWL_SOURCES_FILE": str(sources)},
        name="apnews-js",
    )  # fmt: skip
    assert result.returncode == 0, result.log[-3000:]
    assert paths(i["url"] for i in items) == sorted([MEXICO, ELECTION])
    assert result.stat("playwright/page_count") == 2
    assert result.stat("playwright/page_count/closed") == 2  # every page closed
    served = [r["path"] for r in newsroom.requests_since(mark)]
    assert not [p for p in served if p.startswith("/img/")]  # images are not loaded


def test_sitemap_entries_older_than_max_age_are_skipped(reactor, newsroom, tmp_path) -> None:
    mark = newsroom.mark()
    url = newsroom.url("independent", "/sitemap.xml")
    max_age = {"NEWSCRAWL_SITEMAP_MAX_AGE_DAYS": "30"}
    result, items = crawl_here(reactor, newsroom, tmp_path, "news", max_age, start_urls=url)
    assert result.returncode == 0, result.log[-3000:]
    assert items == []  # the newsroom's stories are from 2023 and 2024
    assert [r["path"] for r in newsroom.requests_since(mark)] == ["/robots.txt", "/sitemap.xml"]
    assert result.stat("newscrawl/discover/sitemap/too_old") == 2
