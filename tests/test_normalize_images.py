"""Images: caption/credit split on real captions, absolute URLs, junk filtered, one per picture."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newscrawl.article import Image
from newscrawl.normalize.images import (
    absolute_url,
    clean_credit,
    normalize_image,
    normalize_images,
    split_caption,
)

TABLE = json.loads(
    (Path(__file__).parent / "data" / "normalize" / "captions.json").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("row", TABLE, ids=[f"{r['source']}:{r['printed'][:25]}" for r in TABLE])
def test_real_captions_split_into_caption_and_credit(row):
    caption, credit = split_caption(row["printed"])
    assert (caption, credit) == (row["caption"], row["credit"])
    assert caption is None or credit is None or caption != credit


@pytest.mark.parametrize(
    ("printed", "caption", "credit"),
    [
        ("Flooded streets in Valencia (Reuters)", "Flooded streets in Valencia", "Reuters"),
        (
            "Flooded streets in Valencia. Photo: Jane Doe/AP",
            "Flooded streets in Valencia.",
            "Jane Doe/AP",
        ),
        ("Flooded streets. Credit: Getty Images", "Flooded streets.", "Getty Images"),
        ("Flooded streets © AFP", "Flooded streets", "AFP"),
        ("Flooded streets (Picture: PA)", "Flooded streets", "PA"),
        ("Getty Images", None, "Getty Images"),
        ("Police spoke to Reuters on Friday", "Police spoke to Reuters on Friday", None),
        ("Mr Smith (left) and Ms Jones", "Mr Smith (left) and Ms Jones", None),
        ("Soldiers on patrol in Gjadër (Albania)", "Soldiers on patrol in Gjadër (Albania)", None),
        ("Soldiers on patrol. (Jane Doe)", "Soldiers on patrol.", "Jane Doe"),
        ("A quiet street. Supplied", "A quiet street.", "Supplied"),
        (
            "Andy Murray reacts during his match REUTERS/Mike Segar",
            "Andy Murray reacts during his match",
            "REUTERS/Mike Segar",
        ),
        ("Prices rose, and/or fell", "Prices rose, and/or fell", None),
    ],
)
def test_credit_forms_from_the_issue(printed, caption, credit):
    assert split_caption(printed) == (caption, credit)


def test_existing_credit_is_kept_and_stripped_from_the_caption():
    image = normalize_image(
        Image(url="https://x.com/a.jpg", caption="Tank (Reuters)", credit="Reuters")
    )
    assert (image.caption, image.credit) == ("Tank", "Reuters")
    image = normalize_image(Image(url="https://x.com/a.jpg", caption="AP", credit="(AP)"))
    assert (image.caption, image.credit) == (None, "AP")


def test_credit_label_and_parentheses_removed():
    assert clean_credit("(Photo: Jane Doe/AP)") == "Jane Doe/AP"
    assert clean_credit("Florion Goga (REUTERS)") == "Florion Goga (REUTERS)"


@pytest.mark.parametrize(
    ("url", "base", "expected"),
    [
        (
            "/img/a.jpg",
            "https://news.example.com/world/story",
            "https://news.example.com/img/a.jpg",
        ),
        ("//cdn.example.com/a.jpg", None, "https://cdn.example.com/a.jpg"),
        ("a.jpg 400w, b.jpg 1200w, c.jpg 800w", "https://e.com/x/", "https://e.com/x/b.jpg"),
        ("javascript:void(0)", "https://e.com/", None),
        ("", "https://e.com/", None),
    ],
)
def test_absolute_urls(url, base, expected):
    assert absolute_url(url, base) == expected


def test_junk_is_dropped_and_renditions_merge_lead_first():
    images = [
        Image(url="https://cdn.e.com/photos/2023/05/bakhmut-tank-1200x800.jpg?w=1200", width=1200),
        Image(url="https://e.com/pixel.gif", width=1, height=1),
        Image(url="https://e.com/static/logo.png"),
        Image(url="https://secure.gravatar.com/avatar/abc?s=96"),
        Image(url="https://e.com/authors/jane-doe.jpg"),
        Image(url="https://e.com/icons/share.svg"),
        Image(url="https://e.com/a.png", width=40, height=40),
        Image(url="/photos/2023/05/inline-ruins.jpg", caption="Ruins (AP)"),
        Image(
            url="https://cdn.e.com/photos/2023/05/bakhmut-tank-600x400.jpg?w=600",
            caption="A tank near Bakhmut (Reuters)",
            width=600,
        ),
    ]
    result = normalize_images(images, "https://e.com/news/story")
    assert [(i.url, i.caption, i.credit) for i in result.images] == [
        (
            "https://cdn.e.com/photos/2023/05/bakhmut-tank-1200x800.jpg?w=1200",
            "A tank near Bakhmut",
            "Reuters",
        ),
        ("https://e.com/photos/2023/05/inline-ruins.jpg", "Ruins", "AP"),
    ]
    assert result.outcomes["junk"] == 6
    assert result.outcomes["duplicate"] == 1
    assert result.outcomes["kept"] == 2


def test_writer_portraits_go_but_large_news_photos_of_people_stay():
    small = Image(url="https://e.com/img/author/jane-doe.jpg", width=200)
    large = Image(url="https://e.com/uploads/2024/05/Headshot_Ryan-Breslow.webp", width=1024)
    result = normalize_images([small, large])
    assert [i.url for i in result.images] == [large.url]


def test_a_whole_caption_taken_for_a_credit_is_split_and_bylines_are_no_credits():
    image = normalize_image(
        Image(
            url="https://ex.com/a.jpg",
            credit="Trump as Jesus: the president has since deleted this picture. "
            "(Quelle: Truth Social)",
        )
    )
    assert (image.caption, image.credit) == (
        "Trump as Jesus: the president has since deleted this picture.",
        "Truth Social",
    )
    for not_a_credit in ("By Associated Press", "Von Juliane Rohr", "2:43 min"):
        assert (
            normalize_image(Image(url="https://ex.com/a.jpg", credit=not_a_credit)).credit is None
        )
