"""Hostile or broken input: extraction returns an Article or raises UnparsablePage, nothing else."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from newscrawl.extract import UnparsablePage, extract_article
from tests import funduskit

URL = "https://news.example.com/a"
PAGE = funduskit.html(funduskit.page_named("at/DerStandard_2024_05_03.html.gz"))
FRAGMENTS = st.sampled_from(
    [
        "<html>",
        "<body>",
        "<p>",
        "</p>",
        "<figure><img srcset=',,, 12w, x 9x'>",
        "<figcaption>",
        '<script type="application/ld+json">',
        '{"@graph": [{"@type": ["NewsArticle"], "author": {"@id": "#a"}}]}',
        '{"@type": "NewsArticle", "datePublished": "31/02/2024", "image": [{}]}',
        "</script>",
        '<meta property="og:title" content="&amp;quot;x">',
        '<meta name="author" content="">',
        "<time datetime='not a date'>",
        "<h1>Title</h1>",
        "<base href='::::'>",
        "<a href='javascript:alert(1)'>",
        "\x00",
        "Some words of text, not many.",
    ]
)


def _extract(data: str | bytes) -> None:
    try:
        article = extract_article(data, URL)
    except UnparsablePage:
        return
    assert article.url == URL
    assert article.body is None or "\n\n\n" not in article.body


@settings(max_examples=80, deadline=None)
@given(st.lists(FRAGMENTS, max_size=30).map("".join))
def test_tag_soup_never_raises_anything_but_unparsable(html):
    _extract(html)


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise_anything_but_unparsable(data):
    _extract(data)


@settings(max_examples=8, deadline=None)
@given(st.integers(min_value=0, max_value=len(PAGE)))
def test_truncated_real_page(cut):
    _extract(PAGE[:cut])


def test_deeply_nested_markup():
    _extract("<div>" * 5000 + "<p>Deep text here.</p>" + "</div>" * 5000)
