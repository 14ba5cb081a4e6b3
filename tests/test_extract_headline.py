"""Which of a page's titles is its headline: the shown kicker + title heading, and a
publisher's declared ``headline_from``."""

from __future__ import annotations

import json

from newscrawl.extract import extract_article


def page(heading: str, og_title: str, ld_headline: str, teaser: str = "") -> str:
    ld = json.dumps({"@type": "NewsArticle", "headline": ld_headline})
    return (
        f'<html><head><meta property="og:title" content="{og_title}">'
        f'<script type="application/ld+json">{ld}</script></head>'
        f"<body><article>{heading}<p>{'Body text of the article. ' * 20}</p></article>"
        f"{teaser}</body></html>"
    )


def test_a_declared_title_that_is_the_shown_kicker_and_title_is_the_headline() -> None:
    html = page(
        "<h2><span>Streik im Nahverkehr</span><span>Busse und Bahnen stehen still</span></h2>",
        "Streik im Nahverkehr: Busse und Bahnen stehen still",
        "Streik: Nahverkehr in der Region steht still",
    )
    article = extract_article(html, "https://news.example/a")
    assert article.headline == "Streik im Nahverkehr: Busse und Bahnen stehen still"


def test_a_kicker_in_the_h1_before_the_title_text() -> None:
    html = page(
        "<h1><span>Nationale Demo</span>Tausende ziehen durch die Stadt</h1>",
        "Nationale Demo / Tausende ziehen durch die Stadt",
        "Tausende ziehen durch die Stadt",
    )
    article = extract_article(html, "https://news.example/a")
    assert article.headline == "Nationale Demo / Tausende ziehen durch die Stadt"


def test_a_teaser_or_a_title_the_page_does_not_show_changes_nothing() -> None:
    teaser = "<h2><span>Mehr</span><span>Ein anderer Artikel</span></h2>"
    html = page(
        "<h1>Busse und Bahnen stehen still</h1>",
        "Warum heute nichts fährt: Busse und Bahnen stehen still",
        "Busse und Bahnen stehen still",
        teaser,
    )
    assert extract_article(html, "https://news.example/a").headline == (
        "Busse und Bahnen stehen still"
    )


def test_a_publishers_headline_from_picks_its_source() -> None:
    # techcrunch.toml: headline_from = "og:title" (the site's straight quotes)
    html = page(
        "<h1>Strava unveils \u2018family\u2019 plan</h1>",
        "Strava unveils 'family' plan | TechCrunch",
        "Strava unveils \u2018family\u2019 plan",
    )
    assert extract_article(html, "https://techcrunch.com/2024/05/16/strava/").headline == (
        "Strava unveils 'family' plan"
    )
    assert extract_article(html, "https://news.example/strava").headline == (
        "Strava unveils \u2018family\u2019 plan"
    )
