"""``scrapy crawl`` that exits non-zero when the crawl failed (for cron and systemd).

Scrapy's own command exits 1 only when the crawler could not start; this one also fails a
run that logged errors, dropped too many items or was flagged by the spider
(:func:`newscrawl.outcome.failure_reasons`), and refuses at once a ``JOBDIR`` that another
crawl is using (:mod:`newscrawl.jobdir`).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from filelock import FileLock
from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from newscrawl.jobdir import JobDirLocked, acquire
from newscrawl.outcome import failure_reasons

logger = logging.getLogger(__name__)


def _hold_jobdir(value: str | None) -> FileLock | None:
    """Lock ``JOBDIR`` before the spiders are even imported: a second crawl on a busy
    ``JOBDIR`` exits 1 in about the time Python takes to start (``extensions.jobdir`` checks
    again for crawls not started by this command, and takes this lock over)."""
    if not value:
        return None
    try:
        return acquire(Path(value), hand_over=True)
    except JobDirLocked as err:
        print(f"ERROR: {err}; not starting", file=sys.stderr, flush=True)
        raise SystemExit(1) from None


class Command(ScrapyCrawlCommand):
    _crawler: Any = None

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        self._jobdir_lock = _hold_jobdir(self.settings.get("JOBDIR"))

    def _create_crawler(self, spname: str) -> Any:
        self._crawler = super()._create_crawler(spname)
        return self._crawler

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        super().run(args, opts)
        if self.exitcode or self._crawler is None or self._crawler.stats is None:
            return
        reasons = failure_reasons(
            self._crawler.stats.get_stats(),
            max_drop_share=self._crawler.settings.getfloat("NEWSCRAWL_MAX_DROP_SHARE", 0.5),
        )
        if reasons:
            logger.error("crawl failed: %s", "; ".join(reasons))
            self.exitcode = 1
