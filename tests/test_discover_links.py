"""Link selection on a realistic section page: domains, skipped kinds, tracking variants."""

from __future__ import annotations

from newscrawl.discover.links import in_domains, is_skipped, looks_like_article, select_links

HREFS = [
    "/",
    "/news/world",
    "/news/world/europe",
    "/news/world/europe/russia-bakhmut-wagner-retreat-b2338461.html",
    "/news/world/europe/russia-bakhmut-wagner-retreat-b2338461.html?utm_source=twitter&utm_medium=social",
    "/news/world/europe/russia-bakhmut-wagner-retreat-b2338461.html#comments",
    "/author/chris-stevenson",
    "/topic/ukraine",
    "/video/bakhmut-drone-footage",
    "/gallery/in-pictures-war",
    "https://sub.independent.example/2024/05/03/some-story",
    "https://twitter.com/share?url=x",
    "javascript:void(0)",
    "mailto:news@independent.example",
    "/static/logo.svg",
]


def test_select_links_on_a_section_page() -> None:
    sel = select_links("https://independent.example/news/world", HREFS, ["independent.example"])
    assert sel.articles == [
        "https://independent.example/news/world/europe/russia-bakhmut-wagner-retreat-b2338461.html",
        "https://independent.example/news/world/europe/russia-bakhmut-wagner-retreat-b2338461.html"
        "?utm_source=twitter&utm_medium=social",
        "https://sub.independent.example/2024/05/03/some-story",
    ]
    assert sel.listings == [
        "https://independent.example/",
        "https://independent.example/news/world/europe",
    ]


def test_default_domain_is_the_page_host() -> None:
    sel = select_links("http://127.0.0.2:8000/", ["http://127.0.0.3:8000/2024/01/01/x", "/a/b"])
    assert sel.articles == [] and sel.listings == ["http://127.0.0.2:8000/a/b"]


def test_helpers() -> None:
    assert in_domains("http://127.0.0.2:9/x", ["127.0.0.2"])
    assert not in_domains("http://127.0.0.20/x", ["127.0.0.2"])
    assert is_skipped("https://n.example/news/videos/clip-of-the-day")
    assert not is_skipped("https://n.example/news/world")
    assert looks_like_article(
        "https://n.example/news/uk/rishi-sunak-storm-shadow-missiles-b2338.html"
    )
    assert not looks_like_article("https://n.example/news/uk-politics")
