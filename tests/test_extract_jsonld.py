"""JSON-LD edge cases: @graph, top-level lists, several blocks, references, broken blocks."""

from __future__ import annotations

import json

import pytest

from newscrawl.extract import extract_article

URL = "https://news.example.com/2024/05/story"


def page(*blocks: object, raw: str = "", body: str = "<p>Text.</p>") -> str:
    scripts = "".join(
        f'<script type="application/ld+json">{json.dumps(b)}</script>' for b in blocks
    )
    return f"<html><head>{scripts}{raw}</head><body><article>{body}</article></body></html>"


ARTICLE = {
    "@type": "NewsArticle",
    "headline": "Dam bursts after storm",
    "datePublished": "2024-05-03T08:15:00+02:00",
    "author": [
        {"@type": "Person", "name": "Ann Lee"},
        {"@type": "Person", "name": "Bo Ek"},
        {"@type": "Organization", "name": "Reuters"},
    ],
    "publisher": {"@type": "NewsMediaOrganization", "name": "Example News"},
    "keywords": ["Floods", "Weather"],
    "articleSection": "World",
    "inLanguage": "en-GB",
}


def test_article_inside_graph_with_other_nodes():
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "BreadcrumbList", "itemListElement": []},
            {"@type": "WebSite", "name": "Example"},
            ARTICLE,
        ],
    }
    article = extract_article(page(graph), URL)
    assert article.headline == "Dam bursts after storm"
    assert article.authors == ["Ann Lee", "Bo Ek"]
    assert article.hints["credit_organisations"] == ["Reuters"]
    assert article.published_at.isoformat() == "2024-05-03T08:15:00+02:00"
    assert article.publisher == "Example News"
    assert article.tags == ["Floods", "Weather"]
    assert article.section == "World"
    assert article.language == "en"


def test_top_level_list_and_several_blocks_pick_the_article():
    video = {"@type": "VideoObject", "name": "Clip", "uploadDate": "2020-01-01"}
    org = {"@type": "Organization", "name": "Example Group"}
    article = extract_article(page([org, video], {**ARTICLE, "@type": "ReportageNewsArticle"}), URL)
    assert article.headline == "Dam bursts after storm"
    assert article.published_at.year == 2024


def test_type_list_and_liveblog_are_articles():
    live = {**ARTICLE, "@type": ["LiveBlogPosting"], "headline": "Live: storm"}
    assert extract_article(page(live), URL).headline == "Live: storm"
    typed = {**ARTICLE, "@type": ["Article", "NewsArticle"], "headline": "Typed twice"}
    assert extract_article(page(typed), URL).headline == "Typed twice"


def test_graph_author_references_are_resolved():
    graph = {
        "@graph": [
            {**ARTICLE, "author": {"@id": "https://news.example.com/#/person/ann"}},
            {"@type": "Person", "@id": "https://news.example.com/#/person/ann", "name": "Ann Lee"},
        ]
    }
    assert extract_article(page(graph), URL).authors == ["Ann Lee"]


def test_broken_block_is_skipped_and_trailing_commas_tolerated():
    broken = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": </script>'
    lenient = (
        '<script type="application/ld+json">{"@type": "NewsArticle", '
        '"headline": "Lenient", "datePublished": "2024-01-02",}</script>'
    )
    article = extract_article(page(raw=broken + lenient), URL)
    assert article.headline == "Lenient"
    assert article.published_at.isoformat() == "2024-01-02T00:00:00+00:00"


def test_string_author_and_site_name_hints():
    data = {**ARTICLE, "author": "By Jane Roe and John Doe"}
    article = extract_article(page(data, raw='<meta property="og:site_name" content="EN">'), URL)
    assert article.authors == ["By Jane Roe and John Doe"]
    assert article.hints["bylines"] == ["By Jane Roe and John Doe"]
    assert article.hints["site_names"][:2] == ["EN", "Example News"]


def test_meta_fallbacks_without_jsonld():
    head = (
        '<meta property="og:title" content="Meta headline | Example">'
        '<meta property="og:site_name" content="Example">'
        '<meta name="parsely-author" content="Ann Lee">'
        '<meta name="sailthru.author" content="Bo Ek">'
        '<meta property="article:published_time" content="2024-05-03T06:00:00Z">'
        '<meta property="article:section" content="Politics">'
        '<meta name="copyright" content="© Example Ltd">'
        '<link rel="canonical" href="/2024/05/story?utm=x">'
    )
    article = extract_article(page(raw=head), URL)
    assert article.headline == "Meta headline"
    assert article.authors == ["Ann Lee", "Bo Ek"]
    assert article.published_at.isoformat() == "2024-05-03T06:00:00+00:00"
    assert article.section == "Politics"
    assert article.canonical_url == "https://news.example.com/2024/05/story?utm=x"
    assert article.hints["copyright"] == ["© Example Ltd"]


def test_undecodable_and_odd_inputs():
    from newscrawl.extract import UnparsablePage

    latin1 = '<meta charset="iso-8859-1"><title>Größe</title><p>Ä</p>'.encode("latin-1")
    assert extract_article(latin1, URL).headline == "Größe"
    xml_declared = '<?xml version="1.0" encoding="utf-8"?><html><h1>Déclaré</h1></html>'
    assert extract_article(xml_declared, URL).headline == "Déclaré"
    for bad in (b"", b"   ", b"\x00\x01\x02binary\x00"):
        with pytest.raises(UnparsablePage):
            extract_article(bad, URL)
