"""normalize_article end to end: the inkl seed page extracted and normalized, and stats keys."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from newscrawl.article import Article, Image
from newscrawl.extract import extract_article
from newscrawl.normalize import normalize_article

INKL = Path(__file__).parent / "fixtures" / "inkl"
SEED = Path(__file__).parent / "fixtures" / "seed" / "000_149e5669f9ec42fb.txt"
PAGES = ("article_jsonld", "article_lazy")
CAPTIONS = [
    ("A Ukrainian tank on its way to Bakhmut", "Reuters"),
    ("Ukraine announced they had retaken around 2km of territory south of Bakhmut this week", "AP"),
    ("Yevgeny Prigozhin, the owner of the Wagner Group military company", "AP"),
    (
        "Ukraine’s president Volodymyr Zelensky said he met with the top military commanders "
        "on Friday",
        "AP",
    ),
    (
        "Ukrainian officials have played down the suggestion that their offensive is already "
        "underway",
        "Reuters",
    ),
]


def normalized(name: str) -> tuple[Article, Counter[str]]:
    expected = json.loads((INKL / f"{name}.json").read_text(encoding="utf-8"))
    article = extract_article((INKL / f"{name}.html").read_bytes(), expected["url"])
    keys: Counter[str] = Counter()
    return normalize_article(article, on_outcome=lambda key: keys.update([key])), keys


@pytest.mark.parametrize("name", PAGES)
def test_seed_page_comes_out_normalized(name):
    article, _ = normalized(name)
    assert article.authors == ["Chris Stevenson"]
    assert article.publisher == "The Independent UK"
    assert article.section == "National"
    assert article.wire_credits == ["Reuters", "Associated Press"]
    assert article.headline == (
        "Russia admits its forces have fallen back near Bakhmut – as Ukraine gains ground"
    )
    lead, *inline = article.images
    assert (lead.caption, lead.credit) == (None, "Reuters")
    assert [(i.caption, i.credit) for i in inline] == CAPTIONS


@pytest.mark.parametrize("name", PAGES)
def test_seed_body_has_no_boilerplate_captions_or_credit_line(name):
    article, _ = normalized(name)
    body = article.body
    seed = SEED.read_text(encoding="utf-8")
    assert body.startswith("Russia has acknowledged that some of its soldiers")
    assert body.endswith("after continued Russian attacks on Ukraine.")
    assert "contributed to this report" not in body
    paragraphs = body.split("\n\n")
    for caption, credit in CAPTIONS:
        assert f"{caption} ({credit})" in seed  # real seed captions
        assert caption not in paragraphs
        assert f"{caption} ({credit})" not in body
    for junk in ("Sign up to read", "Related Stories", "Download the app", "Our Picks"):
        assert junk not in body
    # Citations stay in the story.
    assert "Berdyansk told Reuters." in body


@pytest.mark.parametrize("name", PAGES)
def test_seed_stats_keys(name):
    _, keys = normalized(name)
    assert keys["newscrawl/normalize/wire_credits/trailer"] == 2
    assert keys["newscrawl/normalize/body/credit_line_removed"] == 1
    assert keys["newscrawl/normalize/images/credit_from_caption"] == 5
    assert keys["newscrawl/normalize/images/kept"] == 6
    assert keys["newscrawl/normalize/authors/found"] == 1


def test_agency_site_does_not_credit_itself():
    article = Article(
        url="https://apnews.com/article/mexico-economy",
        publisher="AP News",
        headline="Mexico’s economy grew 1.1% in 1st quarter | AP News",
        authors=["By FABIOLA SÁNCHEZ"],
        body="MEXICO CITY (AP) — Mexico’s economy grew.\n\nMore.\n\n"
        "Copyright 2023 The Associated Press. All Rights Reserved.",
    )
    keys: list[str] = []
    out = normalize_article(article, on_outcome=keys.append)
    assert out.wire_credits == []
    assert out.authors == ["Fabiola Sánchez"]
    assert out.headline == "Mexico’s economy grew 1.1% in 1st quarter"
    assert out.body == "MEXICO CITY (AP) — Mexico’s economy grew.\n\nMore."
    assert "newscrawl/normalize/wire_credits/self_credit_ignored" in keys


def test_credits_from_every_source_in_order_without_duplicates():
    article = Article(
        url="https://www.example.com/a",
        authors=["Jane Doe | Reuters"],
        body="PARIS (AFP) - It rained.\n\nMore rain.\n\nWith dpa",
        hints={
            "credit_organisations": ["Associated Press", "Agence France-Presse"],
            "copyright": "Copyright 2024 Bloomberg L.P.",
            "bylines": ["Jane Doe | Reuters"],
        },
    )
    out = normalize_article(article)
    assert out.authors == ["Jane Doe"]
    assert out.wire_credits == [
        "Reuters",
        "Agence France-Presse",
        "dpa",
        "Associated Press",
        "Bloomberg",
    ]


def test_captions_printed_in_the_body_are_removed_and_input_is_untouched():
    article = Article(
        url="https://www.example.com/a",
        headline="Floods",
        body="Water rose overnight.\n\nA flooded street (Reuters)\n\nResidents left.",
        images=[Image(url="/f.jpg", caption="A flooded street (Reuters)")],
    )
    out = normalize_article(article)
    assert out.body == "Water rose overnight.\n\nResidents left."
    assert out.images == [
        Image(url="https://www.example.com/f.jpg", caption="A flooded street", credit="Reuters")
    ]
    assert article.images[0].caption == "A flooded street (Reuters)"
    assert normalize_article(out).to_dict() == out.to_dict()  # idempotent as a whole


def test_lead_photo_credit_left_under_the_headline_is_not_a_wire_credit():
    article = Article(
        url="https://www.example.com/a",
        headline="Floods",
        body="Reuters\n\nWater rose overnight.\n\nResidents left.",
        images=[Image(url="/lead.jpg", credit="Reuters")],
    )
    out = normalize_article(article)
    assert out.body == "Water rose overnight.\n\nResidents left."
    assert out.wire_credits == []
    # The same line at the end of the story is a trailer credit.
    article.body = "Water rose overnight.\n\nResidents left.\n\nReuters"
    assert normalize_article(article).wire_credits == ["Reuters"]


def test_a_caption_printed_with_entities_in_the_body_is_removed_the_first_time():
    """Hypothesis found it: "000&amp;" became "000&" only after the caption check, so a
    second normalization removed what the first kept (not idempotent)."""
    article = Article(
        url="https://www.example.com/a",
        body="Rain.\n\nA tank &amp; a truck\n\nMore rain.",
        images=[Image(url="/a.jpg", caption="A tank & a truck")],
    )
    out = normalize_article(article)
    assert out.body == "Rain.\n\nMore rain."
    assert normalize_article(out).body == out.body


def test_wire_credits_from_byline_roles_but_not_the_site_signing_its_staff():
    """Issue 16: an agency in a byline's role is a wire credit; "Name, CNN" on CNN is not."""
    on_cnn = Article(url="https://edition.cnn.com/2023/05/16/x", hints={"site_names": ["CNN"]})
    on_cnn.authors = ["Jane Doe, CNN"]
    normalized = normalize_article(on_cnn)
    assert (normalized.authors, normalized.wire_credits) == (["Jane Doe"], [])
    elsewhere = Article(url="https://www.example.co.uk/x", hints={"site_names": ["Example"]})
    elsewhere.authors = ["Jane Doe, PA Political Correspondent"]
    normalized = normalize_article(elsewhere)
    assert (normalized.authors, normalized.wire_credits) == (["Jane Doe"], ["PA Media"])
