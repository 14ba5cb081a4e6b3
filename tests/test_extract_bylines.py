"""Bylines found in the markup when structured data names no person (issue 16)."""

from __future__ import annotations

from newscrawl.extract import extract_article
from newscrawl.normalize import normalize_article

LONG = "Text of the article that runs on for a while, " * 6


def _page(header: str, body: str = "", jsonld: str = "", teasers: str = "") -> str:
    script = f'<script type="application/ld+json">{jsonld}</script>' if jsonld else ""
    return (
        f"<html><head><title>T</title>{script}"
        '<meta property="og:site_name" content="Example Times"></head><body>'
        f"<article><h1>A headline for the test page</h1>{header}"
        f"<p>{LONG}</p>{body}<p>{LONG}</p><p>{LONG}</p>{teasers}</article></body></html>"
    )


def _authors(html: str) -> list[str]:
    article = extract_article(html, "https://example.com/news/1")
    return normalize_article(article).authors


def test_author_page_link_in_the_header_replaces_the_site_signing_itself():
    jsonld = (
        '{"@type": "NewsArticle", "author": {"@type": "Organization", "name": "Example Times"}}'
    )
    html = _page(
        '<p class="meta">von <a href="/autoren/name/jane-roe">Jane Roe</a></p>', "", jsonld
    )
    assert _authors(html) == ["Jane Roe"]


def test_author_links_in_teasers_after_the_body_are_not_bylines():
    teasers = (
        '<div class="more"><a href="/author/ann-lee">Ann Lee</a>'
        '<a href="/author/bob-ray">Bob Ray</a></div>'
    )
    html = _page("", "", "", teasers)
    assert "Ann Lee" not in _authors(html)


def test_labelled_author_in_a_fact_box():
    html = _page("", "<ul><li><strong>Autorin/Autor</strong> Roman Gonch</li></ul>")
    assert _authors(html) == ["Roman Gonch"]


def test_bold_name_paragraph_is_the_byline_and_leaves_the_body():
    jsonld = '{"@type": "NewsArticle", "author": {"@type": "Person", "name": "Ilanga D"}}'
    html = _page("<p><strong>MTHOBISI SITHOLE</strong></p>", "", jsonld)
    article = normalize_article(extract_article(html, "https://example.com/news/1"))
    assert article.authors == ["Mthobisi Sithole"]
    assert "SITHOLE" not in (article.body or "")


def test_bold_subheading_is_not_a_byline():
    html = _page("<p><strong>What happens next</strong></p>")
    assert _authors(html) == []


def test_a_single_jsonld_name_that_is_no_person_yields_to_the_byline_class():
    jsonld = '{"@type": "NewsArticle", "author": {"@type": "Person", "name": "Heryadi"}}'
    html = _page('<div class="author-2">Naufal Zuhdi</div>', "", jsonld)
    assert _authors(html) == ["Naufal Zuhdi"]


def test_twitter_card_written_by_names_the_author():
    html = _page("").replace(
        "</head>",
        '<meta name="twitter:label1" content="Written by">'
        '<meta name="twitter:data1" content="Jane Roe"></head>',
    )
    assert _authors(html) == ["Jane Roe"]


def test_data_author_attribute_in_the_header():
    html = _page('<div class="meta" data-authors="Von Johannes Knuth"></div>')
    assert _authors(html) == ["Johannes Knuth"]


def test_author_classes_in_the_header_win_over_a_teaser_rail():
    rail = "".join(
        f'<div class="item"><h3>Story {i}</h3><span class="author">Writer {name}</span></div>'
        for i, name in enumerate(("Ann Lee", "Bob Ray", "Cy Hoe"))
    )
    html = _page('<span class="author">Jane Roe</span>', "", "", rail)
    assert _authors(html) == ["Jane Roe"]


def test_header_naming_more_people_than_jsonld_wins():
    jsonld = '{"@type": "NewsArticle", "author": {"@type": "Person", "name": "Jane Roe"}}'
    header = (
        '<p>By <a href="/author/jane-roe">Jane Roe</a> and '
        '<a href="/author/john-poe">John Poe</a></p>'
    )
    assert _authors(_page(header, "", jsonld)) == ["Jane Roe", "John Poe"]


def test_person_class_in_the_header_is_a_byline_but_not_in_teasers():
    rail = '<div class="item"><h3>Story</h3><span class="person">Ann Lee</span></div>'
    html = _page(
        '<div class="person"><span class="person__name">Jane Roe</span></div>', "", "", rail
    )
    assert _authors(html) == ["Jane Roe"]
