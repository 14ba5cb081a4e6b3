"""``scrapy crawl`` that exits non-zero when the crawl failed (for cron and systemd).

Scrapy's own command exits 1 only when the crawler could not start; this one also fails a
run that logged errors, dropped too many items or was flagged by the spider
(:func:`newscrawl.outcome.failure_reasons`).
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from newscrawl.outcome import failure_reasons

logger = logging.getLogger(__name__)


class Command(ScrapyCrawlCommand):
    _crawler: Any = None

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
