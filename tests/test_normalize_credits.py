"""Wire credits from datelines, trailers, organisations, copyright; citations are not credits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newscrawl.normalize.agencies import agency_for_host, lookup, mentions, registry
from newscrawl.normalize.credits import (
    credits_from_copyright,
    credits_from_organisations,
    find_body_credits,
)

TABLE = json.loads(
    (Path(__file__).parent / "data" / "normalize" / "body_credits.json").read_text(encoding="utf-8")
)
FILLER = ("The government said on Friday it would review it.", "No further details were given.")


@pytest.mark.parametrize("row", TABLE, ids=[f"{r['source']}:{r['paragraph'][:25]}" for r in TABLE])
def test_body_credit_lines(row):
    paragraphs = (
        [row["paragraph"], *FILLER] if row["position"] == "first" else [*FILLER, row["paragraph"]]
    )
    found = find_body_credits("\n\n".join(paragraphs), row["self_agencies"])
    assert list(dict.fromkeys(name for _, name in found.credits)) == row["wire_credits"]
    assert (row["paragraph"] not in (found.body or "")) == row["removed"]
    for filler in FILLER:
        assert filler in found.body


def test_registry_has_the_agencies_the_issue_lists():
    text = {"Reuters", "Associated Press", "Agence France-Presse", "PA Media", "Bloomberg", "dpa"}
    text |= {"ANSA", "EFE", "Xinhua", "UPI", "Kyodo", "Yonhap", "Anadolu", "AAP"}
    text |= {"The Canadian Press", "ANI", "PTI", "IANS", "TASS", "Interfax"}
    photo = {"Getty Images", "EPA", "Shutterstock", "Alamy"}
    kinds = {a.name: a.kind for a in registry().agencies}
    assert {n for n in text if kinds.get(n) == "text"} == text
    assert {n for n in photo if kinds.get(n) == "photo"} == photo


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("AP", "Associated Press"),
        ("The Associated Press", "Associated Press"),
        ("Press Association", "PA Media"),
        ("PA", "PA Media"),
        ("Agence France Presse", "Agence France-Presse"),
        ("Deutsche Presse-Agentur", "dpa"),
        ("Canadian Press", "The Canadian Press"),
        ("Press Trust of India", "PTI"),
        ("ITAR-TASS", "TASS"),
    ],
)
def test_aliases(alias, name):
    assert lookup(alias).name == name


def test_short_acronyms_match_only_as_printed():
    assert lookup("ap") is None
    assert lookup("pa") is None
    assert mentions("the pa system and an ap exam") == []


def test_agency_sites_are_recognised_by_host():
    assert agency_for_host("apnews.com").name == "Associated Press"
    assert agency_for_host("www.reuters.com").name == "Reuters"
    assert agency_for_host("www.independent.co.uk") is None


def test_organisations_and_copyright_lines():
    assert credits_from_organisations(["Deutsche Presse-Agentur", "MM-Redaktion"]) == ["dpa"]
    assert credits_from_organisations(["Getty Images"]) == []  # a photo agency credits no text
    assert credits_from_copyright(["Copyright 2023 The Associated Press"]) == ["Associated Press"]
    assert credits_from_copyright(["© 2024 Example Media Ltd"]) == []
