"""Property tests: every normalizer takes any Unicode string without raising, and is idempotent."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newscrawl.article import Article, Image
from newscrawl.normalize import normalize_article
from newscrawl.normalize.byline import parse_bylines
from newscrawl.normalize.credits import find_body_credits
from newscrawl.normalize.headline import normalize_headline
from newscrawl.normalize.images import clean_credit, normalize_image, split_caption
from newscrawl.normalize.text import clean_text

# Any Unicode, plus strings built from the pieces the normalizers look for, so that the
# interesting branches (labels, separators, agencies, parentheses) are reached often.
PIECES = st.sampled_from(
    [
        " ",
        "  ",
        "\u00a0",
        "\u200b",
        "&amp;",
        "&#8211;",
        "\n\n",
        "|",
        " | ",
        " - ",
        " – ",
        ":",
        "(",
        ")",
        "/",
        ",",
        " and ",
        "By ",
        "von ",
        "Photo: ",
        "Foto:",
        "©",
        "Copyright ",
        "(Reuters)",
        "AP",
        "AFP",
        "dpa",
        "Getty Images",
        "Reuters",
        "Associated Press",
        " contributed to this report",
        "With ",
        "Quelle: ",
        "KYIV, May 12 (Reuters) - ",
        "Jane",
        "Doe",
        "JANE DOE",
        "O'REGAN",
        "Staff",
        "Editor",
        "BBC News",
        "The Independent",
        "12:30",
        "May 5, 2024",
        "Updated",
        "x",
        ".",
        "é",
        "e\u0301",
        "ǅ",
        "ß",
        "İ",
        "牛镛",
    ]
)
TEXT = st.one_of(st.text(), st.lists(PIECES, max_size=12).map("".join))
SITE_NAMES = st.lists(
    st.one_of(TEXT, st.sampled_from(["BBC News", "The Independent", "inkl"])), max_size=3
)
CHECKS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@CHECKS
@given(TEXT)
def test_clean_text(text):
    once = clean_text(text)
    assert clean_text(once) == once


@CHECKS
@given(TEXT, SITE_NAMES)
def test_headline(text, names):
    once = normalize_headline(text, names)
    assert normalize_headline(once, names) == once
    if clean_text(text):
        assert once  # never empty when there was a headline


@CHECKS
@given(st.lists(TEXT, max_size=3), SITE_NAMES)
def test_bylines(raws, names):
    once = parse_bylines(raws, names)
    again = parse_bylines(once.authors, names)
    assert again.authors == once.authors
    assert again.agencies == []  # agencies never hide among the authors


@CHECKS
@given(TEXT)
def test_caption_split(text):
    caption, credit = split_caption(text)
    assert split_caption(caption) == (caption, None)
    assert caption is None or credit is None or caption != credit
    assert clean_credit(credit) == credit


@CHECKS
@given(TEXT, st.one_of(st.none(), TEXT))
def test_image(caption, credit):
    once = normalize_image(Image(url="https://e.com/a.jpg", caption=caption, credit=credit))
    assert normalize_image(once) == once


@CHECKS
@given(st.lists(TEXT, max_size=6), st.lists(st.sampled_from(["Reuters", "dpa"]), max_size=1))
def test_body_credits(paragraphs, self_agencies):
    once = find_body_credits("\n\n".join(paragraphs), self_agencies)
    again = find_body_credits(once.body, self_agencies)
    assert again.body == once.body
    assert again.removed == []


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    headline=TEXT,
    authors=st.lists(TEXT, max_size=2),
    paragraphs=st.lists(TEXT, max_size=5),
    caption=TEXT,
    names=SITE_NAMES,
)
def test_whole_article(headline, authors, paragraphs, caption, names):
    article = Article(
        url="https://www.example.com/news/a",
        headline=headline,
        authors=authors,
        body="\n\n".join(paragraphs),
        images=[Image(url="/a.jpg", caption=caption)],
        hints={"site_names": names},
    )
    once = normalize_article(article)
    assert normalize_article(once).to_dict() == once.to_dict()
