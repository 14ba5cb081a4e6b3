"""``newscrawl crawl`` argument handling (the crawls themselves are in test_e2e_store.py)."""

from __future__ import annotations

import pytest

from newscrawl.cli import main

SOURCES = """
[[source]]
name = "a"
start_urls = ["https://a.example/rss"]
"""


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["crawl"], "give source names or --all"),
        (["crawl", "a", "--all"], "give source names or --all"),
        (["crawl", "b"], "unknown sources: b"),
        (["crawl", "a", "-s", "NOEQUALS"], "-s wants NAME=VALUE"),
    ],
)
def test_bad_arguments_exit_2_with_a_reason(tmp_path, capsys, argv, message) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(SOURCES)
    assert main([*argv, "--sources", str(sources)]) == 2
    assert message in capsys.readouterr().err


def test_broken_sources_file(tmp_path, capsys) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text("[[source]]\nname = 'a'\n")
    assert main(["crawl", "--all", "--sources", str(sources)]) == 2
    assert "start_urls must be a non-empty list" in capsys.readouterr().err
