"""``newscrawl crawl`` argument handling (the crawls themselves are in test_e2e_store.py)."""

from __future__ import annotations

import pytest

from newscrawl.cli import main

SOURCES = """
[publisher.a]
name = "A Daily"
aliases = ["The A"]
country = "de"
languages = ["de"]
entry = [{ url = "https://a.example/rss", kind = "feed" }]

[publisher.b]
country = "fr"
languages = ["fr"]
enabled = false
entry = [{ url = "https://b.example/" }]
"""


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["crawl"], "choose publishers one way"),
        (["crawl", "a", "--all"], "choose publishers one way"),
        (["crawl", "--publisher", "a", "--country", "de"], "choose publishers one way"),
        (["crawl", "c"], "unknown sources: c"),
        (["crawl", "--publisher", "The B"], "unknown publishers: The B"),
        (["crawl", "--country", "us"], "no publisher in country 'us' (known: de, fr)"),
        (["crawl", "--country", "de", "--language", "fr"], "no publisher in language 'fr'"),
        (["crawl", "--country", "fr"], "every publisher chosen is disabled"),
        (["crawl", "a", "-s", "NOEQUALS"], "-s wants NAME=VALUE"),
    ],
)
def test_bad_arguments_exit_2_with_a_reason(tmp_path, capsys, argv, message) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(SOURCES)
    assert main([*argv, "--sources", str(sources)]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "chosen"),
    [
        (["--all"], ["a"]),
        (["b"], ["b"]),
        (["--publisher", "the a", "b"], ["a", "b"]),
        (["a", "--publisher", "A Daily"], ["a"]),
        (["--country", "DE"], ["a"]),
        (["--language", "de"], ["a"]),
    ],
)
def test_publishers_are_chosen_by_name_alias_country_or_language(tmp_path, argv, chosen) -> None:
    from newscrawl.cli import build_parser
    from newscrawl.cli.crawl import chosen_sources

    sources = tmp_path / "sources.toml"
    sources.write_text(SOURCES)
    args = build_parser().parse_args(["crawl", *argv, "--sources", str(sources)])
    assert chosen_sources(args) == chosen


def test_broken_sources_file(tmp_path, capsys) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text("[[source]]\nname = 'a'\n")
    assert main(["crawl", "--all", "--sources", str(sources)]) == 2
    assert "start_urls must be a non-empty list" in capsys.readouterr().err
