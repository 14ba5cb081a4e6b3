"""The seed page in every rendition gives the same, right Article.

The seed is inkl's reader copy of an Independent article, saved as text
(``tests/fixtures/seed/``, also ``newscrawl/demo/content/seed_inkl_independent.txt``). The
same content exists as four HTML renditions with different markup (``tests/fixtures/inkl/``,
built by its ``build_fixtures.py``): JSON-LD and ``<figure>``s; lazy ``<picture>``s without
JSON-LD; ``<div>``s with captions as ``<p>`` after each picture and the section in a
``<span class="category">``, no JSON-LD; AMP ``<amp-img>`` with comma-laden srcset URLs and
credits beside the figure. Each goes through what ``newscrawl extract`` runs (extract, then
normalize) and must give the Article the seed's words say, field by field.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from newscrawl.cli.extract import extract_path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "fixtures" / "seed" / "000_149e5669f9ec42fb.txt"
DEMO_SEED = ROOT / "newscrawl" / "demo" / "content" / "seed_inkl_independent.txt"
INKL = ROOT / "tests" / "fixtures" / "inkl"
HTML = ("article_jsonld", "article_lazy", "article_divs", "article_amp")
URL = (
    "https://www.inkl.com/news/"
    "russia-admits-its-forces-have-fallen-back-near-bakhmut-as-ukraine-gains-ground"
)
CAPTION = re.compile(r"^(?P<caption>.+) \((?P<credit>Reuters|AP)\)$")


def expected() -> dict:
    """The Article as the seed's own lines give it (written from the text, not the code)."""
    lines = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line]
    head = lines.index("Chris Stevenson") + 1
    end = lines.index("Reuters and the Associated Press contributed to this report")
    body_lines = lines[head + 2 : end]  # after the headline and the lead picture's credit
    images: list[tuple[str | None, str]] = [(None, lines[head + 1])]
    paragraphs = []
    for line in body_lines:
        match = CAPTION.match(line)
        if match:
            images.append((match["caption"], match["credit"]))
        else:
            paragraphs.append(line)
    return {
        "publisher": "The Independent UK",
        "section": "National",
        "headline": lines[head],
        "authors": ["Chris Stevenson"],
        "wire_credits": ["Reuters", "Associated Press"],
        "body": "\n\n".join(paragraphs),
        "images": images,
    }


def same_article_fields(record: dict) -> dict:
    """The fields every rendition carries (a text copy has no URLs, dates or description)."""
    out = {k: record[k] for k in ("publisher", "section", "headline", "authors", "wire_credits")}
    out["body"] = record["body"]
    out["images"] = [(i["caption"], i["credit"]) for i in record["images"]]
    return out


def test_the_seed_copies_in_the_repository_are_the_seed():
    assert SEED.read_bytes() == DEMO_SEED.read_bytes()
    want = expected()
    assert len(want["images"]) == 6 and len(want["body"].split("\n\n")) == 34


@pytest.mark.parametrize("name", HTML)
def test_every_html_rendition_gives_the_seed_article(name):
    record = extract_path(str(INKL / f"{name}.html"))
    assert same_article_fields(record) == expected()
    assert record["source"] == "inkl"
    assert all(i["url"] and i["url"].startswith("https://") for i in record["images"])
    assert len({i["url"] for i in record["images"]}) == 6


@pytest.mark.parametrize("url", [URL, None], ids=["with-url", "without-url"])
def test_the_text_gives_the_seed_article(url):
    record = extract_path(str(SEED), url=url)
    assert same_article_fields(record) == expected()
    assert all(i["url"] is None for i in record["images"])  # the copy has no pictures
    assert record["source"] == ("inkl" if url else None)


@pytest.mark.parametrize("url", [URL, None], ids=["with-url", "without-url"])
def test_sign_up_wall_and_app_promo_never_reach_the_body(url):
    body = extract_path(str(SEED), url=url)["body"]
    for junk in (
        "Sign up to read",
        "Already a member",
        "Download the app",
        "One app",
        "Fourteen days free",
        "trusted global sources",
        "Related Stories",
        "Our Picks",
        "premium titles",
        "Start reading",
    ):
        assert junk not in body
    assert body.endswith("after continued Russian attacks on Ukraine.")


def test_text_and_html_renditions_agree_with_each_other():
    records = [extract_path(str(INKL / f"{n}.html")) for n in HTML]
    records.append(extract_path(str(SEED), url=URL))
    assert all(same_article_fields(r) == same_article_fields(records[0]) for r in records)
