"""``scrapy crawl`` that exits non-zero when the crawl failed (for cron and systemd).

Scrapy's own command exits 1 only when the crawler could not start; this one also fails a
run that logged errors, dropped too many items or was flagged by the spider
(:func:`newscrawl.outcome.failure_reasons`).
"""

from __future__ import annotations

import argparse
import logging

from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from newscrawl.outcome import failure_reasons

logger = logging.getLogger(__name__)


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        super().run(args, opts)
        if self.exitcode or self.crawler_process is None:
            return
        for crawler in self.crawler_process.crawlers or list(_finished(self.crawler_process)):
            reasons = failure_reasons(
                crawler.stats.get_stats(),
                max_drop_share=crawler.settings.getfloat("NEWSCRAWL_MAX_DROP_SHARE", 0.5),
            )
            if reasons:
                logger.error("crawl failed: %s", "; ".join(reasons))
                self.exitcode = 1


def _finished(process: object) -> list:
    return list(getattr(process, "_finished_crawlers", []))
