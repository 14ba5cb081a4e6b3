"""Headlines: the site name goes, the headline's own punctuation stays (real <title> tags)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newscrawl.normalize.headline import host_names, normalize_headline

TABLE = json.loads(
    (Path(__file__).parent / "data" / "normalize" / "headlines.json").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("row", TABLE, ids=[r["source"] for r in TABLE])
def test_title_tags_become_the_publishers_headline(row):
    names = [*row["site_names"], *host_names(row["host"])]
    assert normalize_headline(row["title"], names) == row["headline"]


def test_never_empty_when_the_page_had_a_headline():
    assert normalize_headline("The Guardian", ["The Guardian"]) == "The Guardian"
    assert normalize_headline(" | BBC News", ["BBC News"]) == "| BBC News"
    assert normalize_headline("   ", ["x"]) is None
    assert normalize_headline(None) is None


def test_entities_invisible_characters_and_nfc():
    raw = "Caf\u0065\u0301 owner&#8217;s \u200bstory&nbsp;&amp;  more"
    assert normalize_headline(raw) == "Café owner’s story & more"


def test_no_fixed_list_of_sites():
    # Without being told the site's name nothing is stripped, however familiar it looks,
    # except a short tail after a pipe, which never belongs to a headline (issue 16).
    assert normalize_headline("Storm hits coast - BBC News") == "Storm hits coast - BBC News"
    assert normalize_headline("Storm hits coast | BBC News") == "Storm hits coast"
    assert normalize_headline("Storm hits coast | BBC News", ["BBC"]) == "Storm hits coast"
