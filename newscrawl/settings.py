"""Scrapy settings for newscrawl, grouped by concern.

Every component reads its own settings once, in ``from_crawler``. Values here are
defaults: override them with ``-s NAME=VALUE``, a spider's ``custom_settings`` or a
source's politeness overrides.
"""

from __future__ import annotations

import os

BOT_NAME = "newscrawl"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# --- Storage ---------------------------------------------------------------------
# SQLite by default (embedded, no server); any SQLAlchemy URL works, e.g.
# postgresql+psycopg://user@host/db. The environment variable wins over the default
# but not over an explicit ``-s DATABASE_URL=...``.
DATABASE_URL = os.environ.get("NEWSCRAWL_DATABASE_URL", "sqlite:///news.db")

# --- Security ----------------------------------------------------------------------
# Hosts or IPs on private or loopback networks that may be fetched. Empty by default:
# every private, loopback and link-local address is refused.
NEWSCRAWL_ALLOWED_PRIVATE_HOSTS: list[str] = [
    h.strip() for h in os.environ.get("NEWSCRAWL_ALLOWED_PRIVATE_HOSTS", "").split(",") if h.strip()
]

# --- Politeness --------------------------------------------------------------------
USER_AGENT = "newscrawl/0.1 (+https://github.com/newscrawl/newscrawl)"
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]

# Only plain web schemes: no file://, data:, ftp:// or s3:// downloads.
DOWNLOAD_HANDLERS: dict[str, str | None] = {"file": None, "data": None, "ftp": None, "s3": None}

# --- Hostile input (security helpers; see README "Security") ------------------------
# The SSRF guard runs first, before robots.txt and redirects are handled, and the
# connect-time resolver re-checks the address actually used (DNS rebinding).
DOWNLOADER_MIDDLEWARES: dict[str, int | None] = {
    "middlewares.ssrf.SSRFGuardMiddleware": 40,
}
TWISTED_DNS_RESOLVER = "middlewares.ssrf.GuardedResolver"
# --- Pipeline order: normalize -> dedupe -> store ------------------------------------
ITEM_PIPELINES: dict[str, int] = {
    "pipelines.normalize.NormalizePipeline": 100,
}

# --- Engine ---------------------------------------------------------------------------
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
