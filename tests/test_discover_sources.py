"""sources.toml: validation, lookup by URL, and the repository's own file."""

from __future__ import annotations

import pytest

from newscrawl.sources import SourceError, load_sources, parse_sources, source_for_url

GOOD = """
[[source]]
name = "bbc"
kind = "publisher"
start_urls = ["https://feeds.bbci.co.uk/news/rss.xml"]
allowed_domains = ["bbc.co.uk", "bbc.com"]
politeness = { DOWNLOAD_DELAY = 2 }

[[source]]
name = "bbc-sport"
start_urls = ["https://www.bbc.co.uk/sport"]
allowed_domains = ["sport.bbc.co.uk"]
enabled = false
"""


def test_parse_and_lookup() -> None:
    sources = parse_sources(GOOD)
    assert sources["bbc"].politeness == {"DOWNLOAD_DELAY": 2}
    assert sources["bbc-sport"].kind == "publisher" and not sources["bbc-sport"].enabled
    found = source_for_url(sources.values(), "https://sport.bbc.co.uk/football/123")
    assert found is not None and found.name == "bbc-sport"  # the most specific domain wins
    found = source_for_url(sources.values(), "https://www.bbc.com/news/x")
    assert found is not None and found.name == "bbc"
    assert source_for_url(sources.values(), "https://notbbc.com/") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[source]]\nname = "a"\nstart_urls = []', "non-empty list"),
        ('[[source]]\nname = "a"\nstart_urls = ["ftp://x.example/"]', "not an http"),
        ('[[source]]\nname = "a"\nstart_urls = ["https://x.example/"]\nfoo = 1', "unknown keys"),
        (
            '[[source]]\nname = "a"\nstart_urls = ["https://x.example/"]\n'
            "politeness = { ITEM_PIPELINES = {} }",
            "politeness cannot set",
        ),
        (
            '[[source]]\nname = "a"\nstart_urls = ["https://x.example/"]\n' * 2,
            "defined twice",
        ),
        ("[[source]\n", "not valid TOML"),
    ],
)
def test_bad_sources_are_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        parse_sources(text)


def test_repository_sources_file_loads() -> None:
    sources = load_sources()
    assert {"independent", "apnews", "inkl"} <= set(sources)
    assert sources["inkl"].kind == "aggregator" and sources["inkl"].needs_js


def test_missing_file(tmp_path) -> None:
    with pytest.raises(SourceError, match="cannot read"):
        load_sources(tmp_path / "nope.toml")
