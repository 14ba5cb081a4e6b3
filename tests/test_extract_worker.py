"""``NEWSCRAWL_EXTRACT_WORKERS``: a page classified and extracted in a worker process gives
what the in-process path gives."""

from __future__ import annotations

import json
import pickle
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from newscrawl.demo import newsroom as nr
from newscrawl.extract.core import extract_document
from newscrawl.extract.document import parse_document
from newscrawl.extract.worker import classify_page
from tests.newsroomkit import Newsroom, newsroom_fixture, run_scrapy  # noqa: F401  (fixture)

INKL = Path(__file__).parent / "fixtures" / "inkl"
PAGE = sorted(INKL.glob("*.html"))[0]
URL = "https://www.inkl.com/news/example"


def test_article_in_a_worker_equals_in_process() -> None:
    html = PAGE.read_text(encoding="utf-8")
    here = extract_document(parse_document(html, URL), source="inkl")
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        result = pool.submit(classify_page, html, URL, "inkl", False).result(timeout=120)
    assert result.kind == "article"
    assert result.article is not None
    assert result.article.to_dict() == here.to_dict()


def test_listing_app_shell_and_unparsable() -> None:
    links = "".join(f'<li><a href="/news/{i}">Story {i}</a></li>' for i in range(5))
    listing = classify_page(f"<html><body><h1>News</h1><ul>{links}</ul></body></html>",
                            URL, None, False)  # fmt: skip
    assert listing.kind == "listing"
    assert listing.hrefs == [f"/news/{i}" for i in range(5)]
    shell = '<html><body><div id="root"></div><script src="/app.js"></script></body></html>'
    assert classify_page(shell, URL, None, False).kind == "app_shell"
    assert classify_page(shell, URL, None, True).kind == "listing"  # rendered: no second render
    assert classify_page("   ", URL, None, False).kind == "unparsable"
    assert pickle.loads(pickle.dumps(listing)) == listing


@pytest.mark.slow
def test_crawl_with_a_worker_finds_what_the_in_process_crawl_finds(newsroom, tmp_path) -> None:
    found = {}
    for workers in ("0", "1"):
        items = tmp_path / f"items-{workers}.jsonl"
        result = run_scrapy(
            ["news", "-a", f"start_urls={newsroom.url('independent')}",
             "-o", f"{items}:jsonlines"],
            newsroom=newsroom,
            workdir=tmp_path / workers,
            database_url=f"sqlite:///{tmp_path / f'news-{workers}.db'}",
            settings={"NEWSCRAWL_EXTRACT_WORKERS": workers},
        )  # fmt: skip
        assert result.returncode == 0, result.log[-3000:]
        rows = [json.loads(line) for line in items.read_text().splitlines()]
        found[workers] = {urlsplit(r["url"]).path: (r["headline"], r["body"]) for r in rows}
    assert found["1"] == found["0"]
    assert nr.SEED_PATH in found["1"]
