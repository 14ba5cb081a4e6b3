"""Browser memory over a long rendered crawl: does chromium grow with the pages it rendered?

Crawls N app-shell pages of the test mockserver (each needs its script run: only a browser
sees its headline) with the project's settings and Debian's chromium, in a subprocess
(``tests/crawlkit.py``), and samples the summed PSS of the chromium processes when about a
quarter and about all of the pages were rendered. A browser that leaks pages grows with
them; one that closes each page stays near its early figure. Prints pages opened/closed,
both figures and the crawl's peak memory. (The test suite checks that every page is closed
on a short crawl, tests/test_reliability_playwright.py; this measures the memory.)

    .venv/bin/python bench/browser_memory.py --pages 200
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.crawlkit import descendants_running, pss_kb, run_crawl
from tests.mockserver import MockServer
from tests.test_reliability_playwright import Watcher, rendered_titles


def chromium_pss_mb() -> float:
    pids = descendants_running(os.getpid(), b"chromium")
    return sum(pss_kb(pid) for pid in pids) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    args = parser.parse_args()
    pages = args.pages
    early, late = max(1, pages // 4), max(2, pages - pages // 20)
    with MockServer() as server:
        urls = [server.url(f"/app/{n}") for n in range(1, pages + 1)]
        settings = {"NEWSCRAWL_ALLOWED_PRIVATE_HOSTS": [server.hostport()]}
        with Watcher(server, {early: chromium_pss_mb, late: chromium_pss_mb}) as watcher:
            result = run_crawl(urls, playwright=True, settings=settings, timeout=1800)
    (at_early, mb_early), (at_late, mb_late) = watcher.done[early], watcher.done[late]
    print(
        f"pages rendered {len(rendered_titles(result))}/{pages}, opened "
        f"{result.stat('playwright/page_count')}, closed "
        f"{result.stat('playwright/page_count/closed')}, max concurrent "
        f"{result.stat('playwright/page_count/max_concurrent')}\n"
        f"chromium PSS {mb_early:.0f} MB at {at_early} pages, {mb_late:.0f} MB at {at_late} "
        f"pages ({mb_late / mb_early:.2f}x)\ncrawler+browser peak {result.tree_peak_rss_mb:.0f} "
        f"MB, crawler peak RSS {result.peak_rss_mb:.0f} MB; {result.seconds:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
