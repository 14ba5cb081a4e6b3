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


@pytest.mark.parametrize("way", ["--sources", "-s", "environment"])
def test_every_way_of_giving_the_catalogue_chooses_from_it(tmp_path, monkeypatch, capsys, way):
    """--sources PATH, -s NEWSCRAWL_SOURCES_FILE=PATH and $NEWSCRAWL_SOURCES_FILE name the
    catalogue the publishers are chosen from, not only the one the crawls read."""
    from newscrawl.cli import build_parser
    from newscrawl.cli.crawl import chosen_sources

    sources = tmp_path / "sources.toml"
    sources.write_text(SOURCES)
    monkeypatch.delenv("NEWSCRAWL_SOURCES_FILE", raising=False)
    given = {"--sources": ["--sources", str(sources)],
             "-s": ["-s", f"NEWSCRAWL_SOURCES_FILE={sources}"]}.get(way, [])  # fmt: skip
    if way == "environment":
        monkeypatch.setenv("NEWSCRAWL_SOURCES_FILE", str(sources))
    args = build_parser().parse_args(["crawl", "--all", *given])
    assert chosen_sources(args) == ["a"]
    assert main(["crawl", "apnews", *given]) == 2
    assert "unknown sources: apnews (defined: a, b)" in capsys.readouterr().err


def test_sources_wins_over_the_setting_given_with_s(tmp_path) -> None:
    from newscrawl.cli import build_parser
    from newscrawl.cli.crawl import chosen_sources

    sources = tmp_path / "sources.toml"
    sources.write_text(SOURCES)
    other = tmp_path / "other.toml"
    other.write_text(SOURCES.replace("[publisher.a]", "[publisher.z]"))
    argv = ["crawl", "--all", "-s", f"NEWSCRAWL_SOURCES_FILE={other}", "--sources", str(sources)]
    assert chosen_sources(build_parser().parse_args(argv)) == ["a"]
