"""Bylines -> person names + wire credits, on real bylines from the fixture pages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newscrawl.normalize.byline import normalize_authors, parse_bylines

TABLE = json.loads(
    (Path(__file__).parent / "data" / "normalize" / "bylines.json").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("row", TABLE, ids=[f"{r['source']}:{r['raw'][:30]}" for r in TABLE])
def test_real_bylines_give_people_and_agencies(row):
    byline = parse_bylines([row["raw"]], row["site_names"])
    assert byline.authors == row["authors"]
    assert byline.agencies == row["wire_credits"]


@pytest.mark.parametrize(
    ("raw", "authors", "agencies"),
    [
        ("By AP", [], ["Associated Press"]),
        ("Reuters", [], ["Reuters"]),
        ("Jane Doe | Reuters", ["Jane Doe"], ["Reuters"]),
        ("Jane Doe/AP", ["Jane Doe"], ["Associated Press"]),
        ("Associated Press", [], ["Associated Press"]),
        ("PA Media", [], ["PA Media"]),
        ("AFP", [], ["Agence France-Presse"]),
        ("CNN Wire", [], ["CNN"]),
        ("By Jane Doe and agencies", ["Jane Doe"], []),
        ("Email the author", [], []),
        ("Hours Ago", [], []),
        ("Staff", [], []),
        ("Editorial board", [], []),
        ("https://www.example.com/authors/jane-doe", [], []),
        ("jane.doe@example.com", [], []),
        ("By Jane Doe, Political Editor, in Kyiv", ["Jane Doe"], []),
        ("Words by Jane Doe @janedoe", ["Jane Doe"], []),
        ("Reporting by Jane Doe; Updated 12:05 BST", ["Jane Doe"], []),
        ("By A Person, B Person and C Person", ["A Person", "B Person", "C Person"], []),
        ("Jane Doe & John Roe", ["Jane Doe", "John Roe"], []),
        ("He said the war would end soon and everyone agreed", [], []),
        ("Jonathan Head", ["Jonathan Head"], []),  # a surname that is also a job word
        # issue 16: CJK and Hangul names with a space are names; titles after them go
        ("홍길동 기자", ["홍길동"], []),
        ("김철수기자", ["김철수"], []),
        ("山田 太郎記者", ["山田 太郎"], []),
        ("Jane Doe, Acme Media Inc.", ["Jane Doe"], []),  # an organisation is not a person
        ("Beispiel Verlag GmbH", [], []),
        ("Jane Doe, Columbia University", ["Jane Doe"], []),  # "Name, affiliation"
        ("Jane Doe, PA Political Correspondent", ["Jane Doe"], ["PA Media"]),  # agency in role
        ("Jane Doe, Reuters correspondent", ["Jane Doe"], ["Reuters"]),
        ("Updated 2:34 PM EDT, Tue May 16, 2023 By Jane Doe", ["Jane Doe"], []),
        ("Max Muster, Institut für Weltwirtschaft", ["Max Muster"], []),
    ],
)
def test_byline_rules_from_the_issue(raw, authors, agencies):
    byline = parse_bylines([raw])
    assert byline.authors == authors
    assert byline.agencies == agencies


def test_site_name_is_never_an_author():
    assert normalize_authors(["Le Figaro"], ["Le Figaro"]) == []
    assert normalize_authors(["Le Figaro"]) == [
        "Le Figaro"
    ]  # without the hint it looks like a name


def test_names_are_deduplicated_in_page_order_case_insensitively():
    raws = ["By JANE DOE and John Roe", "Jane Doe", "john roe", "Ann Poe"]
    assert normalize_authors(raws) == ["Jane Doe", "John Roe", "Ann Poe"]
