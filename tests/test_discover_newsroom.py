"""The newsroom server (in process): hosts, kinds of pages, validators, 404s."""

from __future__ import annotations

import gzip
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from newscrawl.demo import newsroom as nr
from newscrawl.demo.server import NewsroomServer
from newscrawl.discover.feeds import parse_feed
from newscrawl.discover.kinds import PageKind, sniff_kind
from newscrawl.discover.pages import article_verdict, is_app_shell, parse_html
from newscrawl.discover.sitemaps import parse_sitemap
from newscrawl.sources import parse_sources


@pytest.fixture(scope="module")
def server() -> Iterator[NewsroomServer]:
    running = NewsroomServer().start()
    yield running
    running.stop()


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def test_each_host_serves_its_own_site(server) -> None:
    room = server.newsroom
    status, _, body = get(room.url("apnews", nr.REAL_PAGES[1][1]))
    assert status == 200 and b"Mexico" in body
    status, _, _ = get(room.url("independent", nr.REAL_PAGES[1][1]))
    assert status == 404


def test_kinds_of_pages(server) -> None:
    room = server.newsroom
    kinds = {
        path: sniff_kind(get(room.url(site, path))[2])
        for site, path in [
            ("independent", "/news/world/rss"),
            ("apnews", "/hub/ap-top-news.atom"),
            ("standard", "/feed.json"),
            ("independent", "/sitemap.xml"),
            ("apnews", "/news-sitemap.xml"),
            ("independent", "/"),
        ]
    }
    assert kinds == {
        "/news/world/rss": PageKind.FEED,
        "/hub/ap-top-news.atom": PageKind.FEED,
        "/feed.json": PageKind.FEED,
        "/sitemap.xml": PageKind.SITEMAP,
        "/news-sitemap.xml": PageKind.SITEMAP,
        "/": PageKind.HTML,
    }
    index = parse_sitemap(get(room.url("independent", "/sitemap.xml"))[2])
    child = get(index.entries[1].loc)[2]
    assert index.is_index and child[:2] == b"\x1f\x8b"
    assert [e.loc for e in parse_sitemap(gzip.decompress(child)).entries] == [
        room.url("independent", nr.REAL_PAGES[0][1])
    ]
    feed = parse_feed(get(room.url("standard", "/feed.json"))[2], room.url("standard", "/"))
    assert len(feed) == 4


def test_article_and_non_article_pages(server) -> None:
    room = server.newsroom

    def tree(site: str, path: str):
        return parse_html(get(room.url(site, path))[2])

    assert article_verdict(tree("independent", nr.SEED_PATH)).is_article
    assert article_verdict(tree("independent", nr.SEED_AMP_PATH)).is_article
    assert article_verdict(tree("inkl", nr.SEED_INKL_PATH)).is_article
    assert not article_verdict(tree("independent", "/puzzles/crossword")).is_article
    assert not article_verdict(tree("independent", "/")).is_article
    shell = tree("standard", nr.JS_PATH)
    assert is_app_shell(shell) and not article_verdict(shell).is_article


def test_conditional_get(server) -> None:
    url = server.newsroom.url("apnews", "/hub/ap-top-news.atom")
    status, headers, _ = get(url)
    assert status == 200 and headers["ETag"]
    assert get(url, {"If-None-Match": headers["ETag"]})[0] == 304
    assert get(url, {"If-None-Match": '"stale"'})[0] == 200


def test_sources_toml_of_the_newsroom(server) -> None:
    sources = parse_sources(server.newsroom.sources_toml())
    assert sorted(sources) == ["apnews", "independent", "inkl", "standard"]
    assert sources["inkl"].kind == "aggregator"
    assert sources["independent"].allowed_domains == ("127.0.0.2",)
