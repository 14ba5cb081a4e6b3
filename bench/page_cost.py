"""CPU per page of each stage a news crawl runs on an article page, without a crawl.

    .venv/bin/python bench/page_cost.py [--pages 300] [--repeat 3] [--fixtures]

Generates article pages with ``bench/sitegen.py`` (the pages ``crawl_throughput.py``
serves) — or, with ``--fixtures``, reads the fundus fixture pages (``tests/fixtures/fundus/``
manifest, pages in ``tests/golden/``) — and times, per page, the stages
``newscrawl.process.process_page`` runs: the one lxml parse, the app-shell and article
decisions, extraction, normalization and the dedupe preparation (canonical URL and
fingerprints). The best of ``--repeat`` passes is kept, so the figures are CPU cost, not
noise. Use it to see which stage a change made cheaper before running the whole crawl
benchmark.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sitegen import article_page  # from the script's own directory, as siteserver.py does

from newscrawl.dedupe.prepare import prepare
from newscrawl.discover.pages import article_verdict, is_app_shell
from newscrawl.extract.core import extract_document
from newscrawl.extract.document import parse_document
from newscrawl.normalize import normalize_article

ROOT = Path(__file__).resolve().parent.parent

BASE = "http://127.0.0.1:8000"


def generated_pages(count: int) -> list[tuple[str, str]]:
    """(url, html) of ``count`` generated article pages of a 5,000-article site."""
    pages = []
    for i in range(count):
        page = article_page(BASE, i, 5000)
        pages.append((f"{BASE}/news/{i}", page.body.decode()))
    return pages


def fixture_pages() -> list[tuple[str, str]]:
    """(url, html) of the fundus fixture pages (real publisher pages, gzipped)."""
    fixtures = ROOT / "tests" / "fixtures" / "fundus"
    cases = json.loads((fixtures / "manifest.json").read_text(encoding="utf-8"))["cases"]
    pages = []
    for case in sorted(cases, key=lambda c: c["html"]):  # the pages are golden pages now
        name = Path(case["html"])
        html = gzip.decompress((fixtures / case["page"]).read_bytes())
        pages.append((f"https://{name.parent.name}.example/{name.name}",
                      html.decode("utf-8", errors="replace")))  # fmt: skip
    return pages


def _time(stage: Callable[[Any], Any], inputs: list[Any]) -> tuple[float, list[Any]]:
    began = time.process_time()
    outputs = [stage(x) for x in inputs]
    return time.process_time() - began, outputs


def one_pass(pages: list[tuple[str, str]]) -> dict[str, float]:
    """Seconds of CPU per stage over all pages, stage by stage."""
    costs: dict[str, float] = {}
    costs["parse"], docs = _time(lambda p: parse_document(p[1], p[0]), pages)
    costs["app-shell check"], _ = _time(lambda d: is_app_shell(d.tree), docs)
    costs["article verdict"], _ = _time(lambda d: article_verdict(d.tree), docs)
    costs["extract"], articles = _time(lambda d: extract_document(d, source="bench"), docs)
    costs["normalize"], normalized = _time(normalize_article, articles)
    costs["dedupe prepare"], _ = _time(prepare, normalized)
    return costs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--fixtures", action="store_true", help="the fixture pages instead")
    args = parser.parse_args(argv)
    pages = fixture_pages() if args.fixtures else generated_pages(args.pages)
    size = sum(len(html) for _, html in pages) / len(pages) / 1024
    best: dict[str, float] = {}
    for _ in range(args.repeat):
        for stage, seconds in one_pass(pages).items():
            best[stage] = min(best.get(stage, seconds), seconds)
    print(f"{len(pages)} pages, {size:.0f} KB of HTML on average, best of {args.repeat}\n")
    print("| stage | CPU ms/page |\n|---|---:|")
    for stage, seconds in best.items():
        print(f"| {stage} | {1000 * seconds / len(pages):.2f} |")
    print(f"| **total** | {1000 * sum(best.values()) / len(pages):.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
