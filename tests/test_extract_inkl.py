"""Golden tests: the inkl aggregator fixtures come out right, field by field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newscrawl.extract import extract_article

FIXTURES = Path(__file__).parent / "fixtures" / "inkl"
PAGES = ("article_jsonld", "article_lazy")
FIELDS = (
    "url",
    "canonical_url",
    "source",
    "publisher",
    "section",
    "headline",
    "description",
    "authors",
    "language",
    "published_at",
    "modified_at",
    "body",
    "images",
)


def load(name: str) -> tuple[bytes, dict]:
    html = (FIXTURES / f"{name}.html").read_bytes()
    expected = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return html, expected


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("field", FIELDS)
def test_every_field_matches_the_expected_values(name, field):
    html, expected = load(name)
    got = extract_article(html, expected["url"]).to_dict()
    assert got[field] == expected[field]


@pytest.mark.parametrize("name", PAGES)
def test_original_article_link_is_handed_to_the_spiders(name):
    html, expected = load(name)
    article = extract_article(html, expected["url"])
    assert article.hints.get("original_url") == expected["original_url"]


@pytest.mark.parametrize("name", PAGES)
def test_body_has_no_captions_promos_or_wall(name):
    html, expected = load(name)
    body = extract_article(html, expected["url"]).body
    for junk in (
        "(Reuters)\n",
        "(AP)",
        "Sign up to read",
        "Related Stories",
        "Our Picks",
        "Download the app",
        "Get all your news in one place",
        "Fourteen days free",
        "Chris Stevenson",
    ):
        assert junk not in body
    assert body.endswith("Reuters and the Associated Press contributed to this report")
    assert "\n\n" in body and "\n\n\n" not in body


@pytest.mark.parametrize("name", PAGES)
def test_page_is_recognised_as_inkl_wherever_it_was_saved(name):
    html, expected = load(name)
    article = extract_article(html, (FIXTURES / f"{name}.html").as_uri())
    assert article.source == "inkl"
    assert article.publisher == "The Independent UK"
    assert article.body == expected["body"]


def test_hints_carry_raw_bylines_and_site_names():
    html, expected = load("article_jsonld")
    hints = extract_article(html, expected["url"]).hints
    assert hints["bylines"] == ["Chris Stevenson"]
    assert "inkl" in hints["site_names"]
    assert "The Independent UK" in hints["credit_organisations"]
    assert hints["aggregator"] == "inkl"


def test_source_argument_wins_over_the_site_definition():
    html, expected = load("article_jsonld")
    assert extract_article(html, expected["url"], source="custom").source == "custom"


def test_generic_path_still_works_when_inkl_changes_its_markup():
    html, expected = load("article_jsonld")
    renamed = (
        html.decode()
        .replace("article-body", "story-text")
        .replace("publisher-name", "pub")
        .replace("article-section", "sec")
    )
    article = extract_article(renamed, expected["url"])
    assert article.body == expected["body"]
    assert article.publisher == "The Independent UK"
    assert article.section == "National"


def test_no_original_url_hint_when_the_page_links_none():
    html = (
        "<html><head><meta property='og:site_name' content='inkl'></head>"
        "<body><p>x</p></body></html>"
    )
    article = extract_article(html, "https://www.inkl.com/news/x")
    assert "original_url" not in article.hints
    assert article.source == "inkl"
