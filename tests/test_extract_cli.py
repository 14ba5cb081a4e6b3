"""The ``newscrawl extract`` command: JSON Lines, stdin, error lines, exit codes."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from newscrawl.article import CONTRACT_FIELDS
from newscrawl.cli import main
from tests import funduskit

INKL = Path(__file__).parent / "fixtures" / "inkl"


def run(capsys, *argv: str) -> tuple[int, list[dict]]:
    code = main(["extract", *argv])
    out = capsys.readouterr().out
    return code, [json.loads(line) for line in out.splitlines()]


def test_one_json_line_per_page_with_path_and_contract_fields(capsys):
    paths = [str(INKL / "article_jsonld.html"), str(INKL / "article_lazy.html")]
    code, records = run(capsys, *paths)
    assert code == 0
    assert [r["path"] for r in records] == paths
    for record in records:
        assert set(CONTRACT_FIELDS) <= set(record)
        # without --url the page's canonical link / og:url is its URL
        assert record["url"].startswith("https://www.inkl.com/news/russia-admits")
        assert record["publisher"] == "The Independent UK"


def test_url_option_sets_the_url_of_a_single_page(capsys):
    code, (record,) = run(capsys, str(INKL / "article_lazy.html"), "--url", "https://x.test/a")
    assert code == 0
    assert record["url"] == "https://x.test/a"


def test_gzip_pages_are_read_transparently(capsys, tmp_path):
    path = tmp_path / "page.html.gz"
    path.write_bytes(gzip.compress((INKL / "article_jsonld.html").read_bytes()))
    _, (record,) = run(capsys, str(path))
    assert record["headline"].startswith("Russia admits")


def test_unreadable_pages_give_an_error_line_and_the_run_goes_on(capsys, tmp_path):
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    code, records = run(
        capsys, str(tmp_path / "missing.html"), str(empty), str(INKL / "article_lazy.html")
    )
    assert code == 1  # the good page is still extracted, but the run says two failed
    assert set(records[0]) == {"path", "error"}
    assert set(records[1]) == {"path", "error"}
    assert records[2]["headline"].startswith("Russia admits")


def test_wrong_arguments_exit_with_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["extract", "a.html", "b.html", "--url", "https://x.test/"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["extract"])
    assert exc.value.code == 2


def test_many_pages_in_one_process(capsys):
    pages = [str(page) for _name, page in funduskit.pages()[:40]]
    code, records = run(capsys, *pages)
    assert code == 0
    assert len(records) == len(pages)
    assert sum(1 for r in records if r.get("body")) >= 38


def test_command_as_a_subprocess_reads_stdin_and_writes_utf8_json_lines():
    html = (INKL / "article_jsonld.html").read_bytes()
    done = subprocess.run(
        [sys.executable, "-m", "newscrawl", "extract", "-", str(INKL / "nope.html")],
        input=html,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr  # nope.html does not exist
    assert done.stderr.decode().splitlines() == [
        f"newscrawl extract: {INKL / 'nope.html'}: cannot read: No such file or directory"
    ]
    lines = done.stdout.decode("utf-8").splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["path"] == "-"
    assert first["source"] == "inkl"
    assert "“rout”" in lines[0]  # ensure_ascii=False
    assert "error" in second


def test_a_page_saved_as_plain_text_is_extracted_like_html(capsys):
    """The seed is inkl's reader copy saved as text: blocks, no markup."""
    seed = Path(__file__).parent / "fixtures" / "seed" / "000_149e5669f9ec42fb.txt"
    url = "https://www.inkl.com/news/russia-admits-its-forces-have-fallen-back-near-bakhmut"
    code, (record,) = run(capsys, str(seed), "--url", url)
    assert code == 0
    assert record["headline"] == (
        "Russia admits its forces have fallen back near Bakhmut – as Ukraine gains ground"
    )
    assert record["wire_credits"] == ["Reuters", "Associated Press"]
    body = record["body"]
    assert body.startswith("Russia has acknowledged that some of its soldiers have fallen back")
    assert body.count("\n\n") >= 10  # paragraphs kept, not one blob
    assert "premium titles" not in body and "Start reading" not in body
    assert "\ufffd" not in body


def test_a_page_a_crawl_would_not_store_gives_an_error_line(capsys, tmp_path):
    """extract runs the crawl's own page processing: a listing or an app shell is not an
    article there, so it is not printed as one here."""
    links = "".join(f'<li><a href="/news/{i}">Story {i}</a></li>' for i in range(3))
    listing = tmp_path / "home.html"
    listing.write_text(f"<html><body><h1>News</h1><ul>{links}</ul></body></html>")
    shell = tmp_path / "app.html"
    shell.write_text('<html><body><div id="root"></div><script src="/a.js"></script></body></html>')
    code, records = run(capsys, str(listing), str(shell), str(INKL / "article_lazy.html"))
    assert code == 1
    assert records[0] == {
        "path": str(listing),
        "error": "not an article: a crawl takes it for a listing and follows its 3 links",
    }
    assert records[1]["error"].startswith("an app shell: a crawl renders it in a browser")
    assert records[2]["headline"].startswith("Russia admits")
    # what a crawl stores: the canonical URL chosen, the source and no fetch time
    assert records[2]["canonical_url"] and records[2]["fetched_at"] is None
