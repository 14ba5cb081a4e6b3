"""Keep libraries' start-up chatter out of a crawl's log.

Alembic logs seven INFO lines each time a crawl checks the schema (plugins set up, "Context
impl SQLiteImpl", "Will assume non-transactional DDL"), with nothing the reader needs. Its
loggers are set to WARNING unless ``LOG_LEVEL`` is ``DEBUG``; migrations that really run are
still reported by the store. The extension does nothing else and is not kept.
"""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

#: Loggers quieted to WARNING below LOG_LEVEL DEBUG.
CHATTY_LOGGERS = ("alembic",)


class QuietLibraryLogs:
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> QuietLibraryLogs:
        level = logging.getLevelName(str(crawler.settings.get("LOG_LEVEL", "INFO")).upper())
        if not (isinstance(level, int) and level <= logging.DEBUG):
            for name in CHATTY_LOGGERS:
                logging.getLogger(name).setLevel(logging.WARNING)
        raise NotConfigured  # no message: nothing to report
