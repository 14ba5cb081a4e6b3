"""Golden pages: every catalogue publisher's saved pages give the values their JSON pins."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from newscrawl.cli import main
from newscrawl.golden import GOLDEN_FIELDS, GoldenPage, field_matches, golden_pages, mismatches
from newscrawl.publishers import bundled_catalogue

GOLDEN = Path(__file__).resolve().parent / "golden"
PAGES = golden_pages(GOLDEN)


@pytest.mark.parametrize("page", PAGES, ids=[p.id for p in PAGES])
def test_golden_page(page: GoldenPage) -> None:
    assert mismatches(page) == []


def test_every_catalogue_publisher_has_a_golden_page() -> None:
    catalogue = bundled_catalogue()
    pinned: dict[str, int] = {}
    for page in PAGES:
        data = page.load()
        assert page.publisher in catalogue, f"{page.id}: not a catalogue publisher"
        assert catalogue[page.publisher].country == page.country, page.id
        assert data["url"].startswith(("http://", "https://")) and data["source"], page.id
        assert set(data["pinned"]) <= set(data["expected"]) <= set(GOLDEN_FIELDS), page.id
        assert (page.page.parent / "SOURCE.md").is_file(), f"{page.id}: no SOURCE.md"
        pinned[page.publisher] = pinned.get(page.publisher, 0) + len(data["pinned"])
    missing = sorted(set(catalogue) - set(pinned))
    assert not missing, f"publishers without a golden page: {missing}"
    unproven = sorted(key for key, n in pinned.items() if n == 0)
    assert not unproven, f"publishers whose golden pages pin nothing: {unproven}"


PAGE = b"""<html lang="en"><head><title>Rain in Spain | Daily Bote</title>
<meta property="og:site_name" content="Daily Bote"><meta property="og:type" content="article">
<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Rain in Spain",
"author": {"@type": "Person", "name": "Ann Writer"}, "datePublished": "2026-11-30T08:15:00+01:00"}
</script>
<meta property="article:published_time" content="2026-11-30T08:15:00+01:00">
<meta name="author" content="Ann Writer"></head>
<body><article><h1>Rain in Spain</h1><p class="byline">By Ann Writer</p>
<p>The rain in Spain stays mainly in the plain, forecasters said on Monday morning.</p>
<p>Farmers in the plain welcomed the rain after a dry summer that had burned their crops.</p>
<p>More rain is expected on Tuesday and Wednesday across the whole of the plain.</p>
</article></body></html>"""

CATALOGUE = """\
[publisher.bote]
name = "Daily Bote"
country = "es"
languages = ["en"]
entry = [{ url = "https://bote.example/feed" }]
"""


def test_golden_add_then_refresh(tmp_path, capsys) -> None:
    page, catalogue = tmp_path / "page.html", tmp_path / "catalogue.toml"
    page.write_bytes(PAGE)
    catalogue.write_text(CATALOGUE)
    golden = tmp_path / "golden"
    common = ["--golden-dir", str(golden), "--sources", str(catalogue)]
    url = "https://bote.example/2026/11/30/rain"
    argv = ["golden", "add", str(page), "--publisher", "Daily Bote", "--url", url, "--name", "p"]
    assert main([*argv, *common]) == 0
    assert "review and correct" in capsys.readouterr().err
    saved = golden / "es" / "bote" / "p.html.gz"
    assert gzip.decompress(saved.read_bytes()) == PAGE
    assert (golden / "es" / "bote" / "SOURCE.md").is_file()
    expected_file = saved.with_name("p.json")
    data = json.loads(expected_file.read_text())
    assert data["url"] == url and data["expected"]["headline"] == "Rain in Spain"
    assert {"headline", "published_at", "body"} <= set(data["pinned"])
    [golden_page] = golden_pages(golden)
    assert mismatches(golden_page) == []

    # a person corrects a value extraction gets wrong: the page fails until it is re-pinned
    data["expected"]["headline"] = "Rain in Spain, again"
    expected_file.write_text(json.dumps(data))
    assert mismatches(golden_page)[0].startswith("headline: expected")
    assert main(["golden", "refresh", "--check", *common]) == 1
    assert "es/bote/p: -headline" in capsys.readouterr().out
    assert main(["golden", "refresh", *common]) == 0
    out, err = capsys.readouterr()
    assert "es/bote/p: -headline" in out and "1 golden pages" in err
    assert "headline" not in json.loads(expected_file.read_text())["pinned"]
    assert mismatches(golden_page) == []
    assert main(["golden", "refresh", "--check", *common]) == 0


def test_golden_add_refuses_unknown_publishers_and_bad_urls(tmp_path, capsys) -> None:
    page, catalogue = tmp_path / "page.html", tmp_path / "catalogue.toml"
    page.write_bytes(PAGE)
    catalogue.write_text(CATALOGUE)
    common = ["--golden-dir", str(tmp_path / "g"), "--sources", str(catalogue)]
    assert main(["golden", "add", str(page), "--publisher", "x", "--url", "https://x/", *common])
    assert "unknown publisher 'x'" in capsys.readouterr().err
    assert main(["golden", "add", str(page), "--publisher", "bote", "--url", "x", *common]) == 2
    assert "not an http(s) URL" in capsys.readouterr().err
    assert not (tmp_path / "g").exists()


@pytest.mark.parametrize(
    ("name", "expected", "found", "matches"),
    [
        ("headline", "Rain  in Spain", "Rain in Spain", True),
        ("authors", ["ANN WRITER", "Bo"], ["bo", "Ann Writer"], True),
        ("authors", ["Ann Writer"], ["Ann Writer", "Reuters"], False),
        ("published_at", "2026-11-30T08:15:00+01:00", "2026-11-30T07:15:00+00:00", True),
        ("published_at", "2026-11-30T08:15:00+01:00", "2026-11-30T08:15:00+00:00", False),
        ("body", "one two three four five six", "one two three four five six", True),
        ("body", "one two three four five six", "one two three four", False),
        (
            "images",
            [{"urls": ["https://i/a.jpg", "https://i/b.jpg"]}],
            [{"url": "https://i/b.jpg"}],
            True,
        ),
        ("images", [{"urls": ["https://i/a.jpg"]}], [{"url": "https://i/c.jpg"}], False),
    ],
)
def test_field_rules(name, expected, found, matches) -> None:
    assert field_matches(name, expected, {name: found}) is matches
