"""Scrapy settings for newscrawl, grouped by concern.

Every component reads its own settings once, in ``from_crawler``. Values here are
defaults: override them with ``-s NAME=VALUE``, a spider's ``custom_settings`` or a
source's politeness overrides.
"""

from __future__ import annotations

import os

from newscrawl.run import paths

BOT_NAME = "newscrawl"
SPIDER_MODULES = ["newscrawl.spiders"]
NEWSPIDER_MODULE = "newscrawl.spiders"

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
    # requests to a host given up as unreachable (refused, no such name) are dropped first
    "newscrawl.middlewares.unreachable.UnreachableHostMiddleware": 30,
    "newscrawl.middlewares.ssrf.SSRFGuardMiddleware": 40,
    # browser requests: main document fetched (and checked) by Scrapy first, then rendered
    "newscrawl.middlewares.browser_prefetch.BrowserPrefetchMiddleware": 45,
    # binary-as-HTML, empty pages, DOWNLOAD_MAXSIZE for browser responses; after inflating
    "newscrawl.middlewares.hostile.HostileResponseMiddleware": 585,
    # Scrapy's own, which caps inflated size at DOWNLOAD_MAXSIZE, plus a stat for bombs
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "newscrawl.middlewares.compression.CountingHttpCompressionMiddleware": 590,
    # charset header wrong (ISO-8859-1 on UTF-8, cp1252 sent as UTF-8): fix response.text
    "newscrawl.middlewares.encoding.EncodingMiddleware": 587,
    "newscrawl.middlewares.redirects.RedirectLoopMiddleware": 610,
    # robots.txt per RFC 9309: 5xx/timeout = host not crawled until it is fetched
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "newscrawl.middlewares.robots.StrictRobotsTxtMiddleware": 100,
    # Retry-After on 429/503 and error streaks pause one host (before RetryMiddleware)
    "newscrawl.middlewares.politeness.PolitenessMiddleware": 560,
}
# Parks the requests of paused hosts outside the engine (see engine/scheduler.py).
SCHEDULER = "newscrawl.engine.scheduler.PausingScheduler"
# With -s JOBDIR=DIR: one crawl per JOBDIR (DIR.lock), resume only after a clean stop, move an
# unclean or corrupt DIR aside and start afresh (see newscrawl/run/jobdir.py).
EXTENSIONS: dict[str, int | None] = {
    # alembic's INFO chatter (7 lines per crawl) only at LOG_LEVEL DEBUG
    "newscrawl.extensions.quiet_logs.QuietLibraryLogs": 0,
    # one run of a source (or of a set of start URLs) into a database at a time (cron)
    "newscrawl.extensions.run_lock.RunLock": 50,
    "newscrawl.extensions.jobdir.JobDirGuard": 100,
    # start-up objects frozen, collector thresholds raised: 13 % of a crawl's CPU was GC
    "newscrawl.extensions.gc_tuning.GcTuning": 200,
    # -s NEWSCRAWL_WARC_DIR=DIR: every fetched response also written as WARC (off by default)
    "newscrawl.extensions.warc_writer.WarcWriterExtension": 300,
}
NEWSCRAWL_SSRF_DNS_TTL = 300.0  # seconds the SSRF guard caches a host's addresses
NEWSCRAWL_ROBOTS_RETRY_DELAY = 60.0  # robots.txt 5xx/timeout: retry after, doubling
NEWSCRAWL_ROBOTS_MAX_ATTEMPTS = 5  # ... then the host's requests are dropped
# Connection refused, no such host name, no route: not a robots 5xx but no server at all.
# Retried with backoff for this many seconds from the first failure, then the host is given
# up and its requests dropped (newscrawl/host/unreachable; see newscrawl/fetch/reachability.py).
NEWSCRAWL_HOST_UNREACHABLE_TIMEOUT = 60.0
NEWSCRAWL_ROBOTS_CRAWL_DELAY_MAX = 10.0  # Crawl-delay is honoured up to this
NEWSCRAWL_RETRY_AFTER_CODES = [429, 503]
NEWSCRAWL_RETRY_AFTER_MAX = 600.0  # longest Retry-After pause honoured
NEWSCRAWL_HOST_ERROR_THRESHOLD = 5  # errors in a row before a host is paused
NEWSCRAWL_HOST_ERROR_PAUSE = 30.0  # first pause, doubling up to the max
NEWSCRAWL_HOST_ERROR_PAUSE_MAX = 600.0
NEWSCRAWL_BROWSER_PREFETCH = True  # Scrapy downloads and checks pages before chromium renders
# ... and with it on, a browser subresource (script, CSS, XHR) over this is refused (0: none)
NEWSCRAWL_BROWSER_SUBRESOURCE_MAXSIZE = DOWNLOAD_MAXSIZE
# No browser request may take longer (s): cancelled and retried (engine/playwright_handler.py)
NEWSCRAWL_BROWSER_REQUEST_DEADLINE = 60.0
TWISTED_DNS_RESOLVER = "newscrawl.engine.resolver.GuardedResolver"

# --- Discovery and incremental crawling (spiders/) ---------------------------------------
# On an aggregator copy, also fetch the publisher's original (the page's original_url hint).
FOLLOW_ORIGINALS = True
# Article URLs seen (table `sightings`) within this many hours are not fetched again; 0: off.
NEWSCRAWL_RECRAWL_WINDOW_HOURS = 24.0
# Home/section pages are followed this many links deep from a start URL.
NEWSCRAWL_LISTING_DEPTH = 2
# Skip sitemap entries (and child sitemaps) whose lastmod / news:publication_date is older
# than this many days; 0 follows them all (e.g. `-s NEWSCRAWL_SITEMAP_MAX_AGE_DAYS=2` in cron).
NEWSCRAWL_SITEMAP_MAX_AGE_DAYS = 0
# Where the per-source run locks live: $NEWSCRAWL_LOCK_DIR, else the per-user state directory
# ($XDG_STATE_HOME/newscrawl/locks, by default ~/.local/state/newscrawl/locks;
# newscrawl/run/paths.py).
NEWSCRAWL_LOCK_DIR = str(paths.default_lock_dir())
# `scrapy crawl` exits non-zero when errors were logged or more than this share of items
# was dropped (see newscrawl.run.outcome); the project's `crawl` command implements it.
NEWSCRAWL_MAX_DROP_SHARE = 0.5
COMMANDS_MODULE = "newscrawl.spiders.commands"
# Conditional GET for feeds, sitemaps and start pages (ETag / Last-Modified): Scrapy's HTTP
# cache with the RFC 2616 policy; article and listing requests set `dont_cache`.
HTTPCACHE_ENABLED = True
HTTPCACHE_POLICY = "scrapy.extensions.httpcache.RFC2616Policy"
# An absolute directory, per user ($XDG_CACHE_HOME/newscrawl/httpcache, by default
# ~/.cache/newscrawl/httpcache): a relative one makes Scrapy look for scrapy.cfg and, run from
# any other directory, switch the cache off.
HTTPCACHE_DIR = str(paths.default_httpcache_dir())

# --- JavaScript rendering (scrapy-playwright, Debian's chromium) -----------------------------
# Only requests with meta {"playwright": True} use the browser: pages of `needs_js` sources
# and pages that arrive as empty app shells. Bounded contexts/pages keep memory flat; pages
# are closed by scrapy-playwright after each response.
# (scrapy-playwright's handler, plus a fix for requests stuck when chromium dies)
DOWNLOAD_HANDLERS.update(
    {
        "http": "newscrawl.engine.playwright_handler.RestartingPlaywrightDownloadHandler",
        "https": "newscrawl.engine.playwright_handler.RestartingPlaywrightDownloadHandler",
    }
)
# Render pages in chromium when a source needs it or a page is an empty app shell (off, or
# chromium missing: app shells are counted under newscrawl/discover/render/unavailable).
NEWSCRAWL_RENDER_JS = True
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "executable_path": os.environ.get("NEWSCRAWL_CHROMIUM", "/usr/bin/chromium"),
    "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
}
PLAYWRIGHT_MAX_CONTEXTS = 2
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 4
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30_000
# Images, fonts and media are not loaded; the rest goes through the SSRF policy.
PLAYWRIGHT_ABORT_REQUEST = "newscrawl.engine.browser_hooks.abort_request"

# --- Pipeline order: normalize -> dedupe -> store ------------------------------------
ITEM_PIPELINES: dict[str, int] = {
    "newscrawl.pipelines.normalize.NormalizePipeline": 100,
    "newscrawl.pipelines.dedupe.DedupePipeline": 300,
    "newscrawl.pipelines.store.StorePipeline": 500,
}

# --- Storage batches (pipelines/store.py) ---------------------------------------------
# Flush every STORE_BATCH_SIZE items or STORE_FLUSH_INTERVAL seconds, and at close. While
# the database is away, keep up to STORE_MAX_BUFFERED items in memory, then spool them to
# STORE_SPOOL_DIR; retry with backoff up to STORE_RETRY_MAX seconds apart, and for up to
# STORE_CLOSE_TIMEOUT seconds at close. STORE_AUTO_UPGRADE: None = SQLite only.
STORE_BATCH_SIZE = 200
STORE_FLUSH_INTERVAL = 5.0
STORE_MAX_BUFFERED = 10_000
STORE_SPOOL_DIR: str | None = None  # None: $XDG_STATE_HOME/newscrawl/spool (~/.local/state/…)
# set aside on the spool's disk beyond what waits in memory (the reserve grows with the buffer)
# for the items still coming when the disk fills; the spool is written in it then
STORE_SPOOL_RESERVE_MB = 8.0
STORE_RETRY_MAX = 30.0
STORE_CLOSE_TIMEOUT = 60.0
STORE_AUTO_UPGRADE: bool | None = None
DEDUPE_MAX_HEADLINE_CHARS = 2000

# --- Extraction workers (newscrawl/process.py, newscrawl/extract/pool.py) ----------------
# Pages are parsed, extracted, normalized and fingerprinted (newscrawl.process.process_page) in
# this many worker processes while the crawler keeps downloading: "auto" = one per CPU (none on
# a single CPU), 0 = all in the crawler's own thread, with the same outcome. Several crawler
# processes on one machine: set it explicitly. (The spiders' default is "auto" too.)
NEWSCRAWL_EXTRACT_WORKERS: int | str = "auto"

# --- Web archives (newscrawl/archive/, extensions/warc_writer.py, spiders/warc_import.py) --
# A directory: every fetched response is also written there, with its request, as gzip'ed
# WARC files of at most NEWSCRAWL_WARC_MAX_SIZE bytes (None: no WARC is written). Files
# `newscrawl import` fetches from a listing wait in NEWSCRAWL_WARC_FETCH_DIR (None: the
# system's temporary directory) until they are imported.
NEWSCRAWL_WARC_DIR: str | None = None
NEWSCRAWL_WARC_MAX_SIZE = 1_000_000_000
NEWSCRAWL_WARC_FETCH_DIR: str | None = None

# --- Frontier (newscrawl/discover/frontier.py) -------------------------------------------
# Article pages found in feeds, sitemaps and listings wait in the spider, and only this many
# are requested and unanswered at a time (hosts taking turns, at most 8 x
# CONCURRENT_REQUESTS_PER_DOMAIN per host): a 100,000-URL sitemap costs a few MB instead of a
# kilobyte per queued request. 0 requests everything at once (as with a JOBDIR, whose saved
# queue must hold every page, and in distributed crawls).
NEWSCRAWL_FRONTIER_SIZE = 512

# --- Normalization ----------------------------------------------------------------------
# Articles with neither headline nor body are always dropped (EmptyArticle); also drop
# those whose body is shorter than this many characters (0 keeps any body).
NEWSCRAWL_NORMALIZE_MIN_BODY_CHARS = 0

# --- Engine ---------------------------------------------------------------------------
# Items (and requests) a callback yields that are processed at once. Scrapy's default of 100
# starts 100 asyncio tasks per response, whatever the callback yields; a news page yields one
# article and at most a few requests, and the pipelines never wait on the network.
CONCURRENT_ITEMS = 8
# Garbage collector (extensions/gc_tuning.py): thresholds after start-up objects are frozen.
NEWSCRAWL_GC_TUNING = True
NEWSCRAWL_GC_THRESHOLDS = [50_000, 20, 20]
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
