"""Issue 7, item 12: random and mutated HTML never makes extraction or normalization raise.

Three Hypothesis strategies feed ``extract_article`` + ``normalize_article``:

* documents generated from a small HTML grammar (news-like tags, meta/OpenGraph tags,
  bylines, images, hostile text: control characters, NULs, bidi marks, huge numbers);
* JSON-LD blocks with arbitrary JSON in schema.org shapes (the parser's favourite
  assumptions: dicts not lists, strings not numbers);
* real publisher pages from ``tests/fixtures/fundus`` mutated byte-wise (truncated,
  slices deleted/duplicated, bytes flipped, NULs and random bytes inserted), passed
  both as bytes and as text.

The budget is bounded (``NEWSCRAWL_FUZZ_EXAMPLES`` examples per strategy, 150 by
default, no per-example deadline). ``UnparsablePage`` is extraction's documented answer for
"this is not a page" and counts as handled; any other exception fails the test.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newscrawl.extract import UnparsablePage, extract_article
from newscrawl.normalize import normalize_article

pytestmark = pytest.mark.slow  # ~30 s at the default budget

FIXTURES = Path(__file__).parent / "fixtures" / "fundus"
EXAMPLES = int(os.environ.get("NEWSCRAWL_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # CI reproducible; raise NEWSCRAWL_FUZZ_EXAMPLES to dig deeper
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _run(html: str | bytes, url: str = "https://news.example/2024/05/01/story") -> None:
    try:
        article = extract_article(html, url, source="fuzz")
    except UnparsablePage:
        return  # the documented "not a page" answer, which the spiders count as a drop
    normalized = normalize_article(article)
    json.dumps(normalized.to_dict(), ensure_ascii=False)  # the public form must serialise


# --- grammar-generated HTML ------------------------------------------------------------
nasty_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "\x00",
            "\u202e",
            "\ufeff",
            "\r\n\t",
            "By ",
            "By  and ,",
            "Reuters",
            "AP Photo/",
            "©",
            "2024-13-45T99:99:99Z",
            "1e309",
            "-0",
            "&amp;&#0;&#xD800;&#1114112;",
            "<![CDATA[x]]>",
            "<!--",
            "]]>",
            " " * 50,
            "\u3000",
            "𠮷",
        ]
    ),
)
TAGS = [
    "p",
    "div",
    "span",
    "h1",
    "h2",
    "article",
    "header",
    "figure",
    "figcaption",
    "time",
    "a",
    "address",
    "section",
    "main",
    "ul",
    "li",
    "b",
    "script",
    "style",
    "noscript",
]
ATTRS = st.sampled_from(
    [
        'class="byline"',
        'class="author"',
        'rel="author"',
        'itemprop="author"',
        'itemprop="headline"',
        'itemprop="datePublished"',
        'datetime="{t}"',
        'src="{t}"',
        'href="{t}"',
        'content="{t}"',
        'class="caption"',
        'class="credit"',
    ]
)


@st.composite
def elements(draw: st.DrawFn, depth: int = 0) -> str:
    tag = draw(st.sampled_from(TAGS))
    attrs = " ".join(a.format(t=draw(nasty_text)) for a in draw(st.lists(ATTRS, max_size=3)))
    children = []
    if depth < 4:
        children = draw(st.lists(st.one_of(nasty_text, elements(depth + 1)), max_size=4))
    closing = draw(st.sampled_from([f"</{tag}>", "", f"</{tag}"]))
    return f"<{tag} {attrs}>{''.join(children)}{closing}"


META = st.builds(
    '<meta {} content="{}">'.format,
    st.sampled_from(
        [
            'property="og:title"',
            'name="author"',
            'property="article:published_time"',
            'property="og:image"',
            'name="description"',
            'property="og:site_name"',
            'name="keywords"',
            'http-equiv="content-type"',
            'charset="{}"',
        ]
    ),
    nasty_text,
)


@st.composite
def documents(draw: st.DrawFn) -> str:
    head = "".join(draw(st.lists(META, max_size=6)))
    title = draw(nasty_text)
    body = "".join(draw(st.lists(elements(), max_size=6)))
    return f"<!DOCTYPE html><html><head><title>{title}</title>{head}</head><body>{body}"


@FUZZ
@given(documents())
def test_generated_html(html: str) -> None:
    _run(html)


# --- JSON-LD with arbitrary values -------------------------------------------------------
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | nasty_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(nasty_text, inner, max_size=4),
    max_leaves=20,
)
LD_KEYS = [
    "@type",
    "headline",
    "author",
    "name",
    "datePublished",
    "dateModified",
    "image",
    "url",
    "publisher",
    "keywords",
    "articleSection",
    "description",
    "@graph",
    "creator",
    "inLanguage",
    "mainEntityOfPage",
    "caption",
    "copyrightHolder",
]
ld_objects = st.dictionaries(st.sampled_from(LD_KEYS), json_values, max_size=8).map(
    lambda d: {"@context": "https://schema.org", "@type": "NewsArticle", **d}
)


@FUZZ
@given(st.lists(st.one_of(ld_objects, json_values), min_size=1, max_size=3))
def test_arbitrary_json_ld(blocks: list) -> None:
    scripts = "".join(
        f'<script type="application/ld+json">{json.dumps(b, allow_nan=False)}</script>'
        for b in blocks
    )
    _run(f"<html><head>{scripts}</head><body><h1>Headline</h1><p>Text.</p></body></html>")


# --- mutated real pages --------------------------------------------------------------------
def _fixture_pages(limit: int = 6) -> list[bytes]:
    pages = sorted(FIXTURES.glob("*/*.html.gz"))
    step = max(1, len(pages) // limit)
    return [gzip.decompress(p.read_bytes()) for p in pages[::step][:limit]]


PAGES = _fixture_pages()


@st.composite
def mutated_pages(draw: st.DrawFn) -> bytes:
    page = bytearray(draw(st.sampled_from(PAGES)))
    for _ in range(draw(st.integers(1, 6))):
        n = len(page)
        if n == 0:
            break
        i = draw(st.integers(0, n - 1))
        j = min(n, i + draw(st.integers(1, 4096)))
        op = draw(st.sampled_from(["truncate", "delete", "duplicate", "flip", "insert", "nul"]))
        if op == "truncate":
            del page[i:]
        elif op == "delete":
            del page[i:j]
        elif op == "duplicate":
            page[i:i] = page[i:j]
        elif op == "flip":
            page[i] ^= draw(st.integers(1, 255))
        elif op == "insert":
            page[i:i] = draw(st.binary(min_size=1, max_size=64))
        else:
            page[i:i] = b"\x00" * draw(st.integers(1, 8))
    return bytes(page)


@pytest.mark.skipif(not PAGES, reason="no fixture pages")
@FUZZ
@given(mutated_pages(), st.booleans())
def test_mutated_fixture_pages(page: bytes, as_text: bool) -> None:
    _run(page.decode("utf-8", errors="replace") if as_text else page)
