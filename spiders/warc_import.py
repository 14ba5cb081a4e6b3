"""``newscrawl import`` / ``scrapy crawl warc_import -a warcs=FILE[,FILE…]``: archived pages
through the crawl's page flow (Scrapy glue over :mod:`newscrawl.archive`).

Nothing is downloaded but the WARC files a CC-NEWS listing names: ``start()`` reads each
file's records (:func:`newscrawl.archive.read.scan`) and hands every HTML response record's
offset to the extraction workers, which read the record themselves
(:func:`newscrawl.archive.importing.process_record`); the articles they make are yielded as
items, through the same pipelines as a crawl's (normalize, dedupe, store, ``crawl_runs``).
At most :data:`IN_FLIGHT_PER_WORKER` records per worker are in flight, so memory does not
grow with the file. Arguments: ``warcs`` (paths or http(s) URLs of WARC files; a list, or
comma-separated), ``publisher`` (names, comma-separated), ``since`` / ``until`` (ISO 8601
dates or times, of the records' ``WARC-Date``), ``progress`` (show a progress line).

Stats: ``newscrawl/warc/files``, ``newscrawl/warc/records``, ``newscrawl/warc/records/<type>``,
``newscrawl/warc/skipped/<reason>`` (revisit, request, metadata, warcinfo, not_html, status,
truncated, too_big, empty, damaged, not_http, since_until, publisher),
``newscrawl/warc/pages`` (handed to extraction; also counted as ``response_received_count``,
which ``crawl_runs.pages`` reads), ``newscrawl/warc/page/<outcome>``,
``newscrawl/warc/first_page_time`` and ``last_page_time`` (the span pages were processed in).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from newscrawl.spiders.processing import page_processor
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newscrawl.archive.importing import ImportFilter, process_record
from newscrawl.archive.listing import ArchiveFetcher, is_url
from newscrawl.archive.location import set_warc_location
from newscrawl.archive.progress import ImportProgress
from newscrawl.archive.read import NotAWarcError, PageRecord, Skipped, scan
from newscrawl.article import Article
from newscrawl.extract.pool import WINDOW
from newscrawl.process import PageOutcome, PageProcessor
from newscrawl.publishers import load_catalogue
from newscrawl.sources import Source, source_for_url, sources_file

logger = logging.getLogger(__name__)

STATS = "newscrawl/warc/"
#: Records handed to the extraction workers ahead of their answers, per worker.
IN_FLIGHT_PER_WORKER = 2 * WINDOW
#: Seconds the file is read without giving the event loop a turn (a long run of records
#: skipped by --publisher or --since would otherwise hold up store flushes and Ctrl-C).
SCAN_SLICE = 0.05


def split_list(value: str | Iterable[str] | None) -> list[str]:
    """A spider argument given as a list (``newscrawl import``) or comma-separated string.

    >>> split_list("a.warc.gz, b.warc"), split_list(["x,y"]), split_list(None)
    (['a.warc.gz', 'b.warc'], ['x,y'], [])
    """
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [item.strip() for item in items if item.strip()]


def parse_time(value: str | datetime | None, *, end: bool = False) -> datetime | None:
    """``--since``/``--until``: an ISO 8601 date or time (UTC when it has no offset); a
    bare date as ``--until`` means the end of that day. ValueError when unreadable.

    >>> parse_time("2026-03-01").isoformat(), parse_time("2026-03-01", end=True).isoformat()
    ('2026-03-01T00:00:00+00:00', '2026-03-01T23:59:59.999999+00:00')
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        moment = datetime.fromisoformat(value.strip())
        if end and len(value.strip()) == 10:  # a date: the whole day
            moment = moment.replace(hour=23, minute=59, second=59, microsecond=999_999)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(eq=False)
class _Archive:
    """One input being imported: its name, the file read, the place sightings record."""

    name: str
    local: Path
    location: str
    pending: int = 0  # records handed to extraction and not answered yet
    scanned: bool = False


class WarcImportSpider(Spider):
    name = "warc_import"
    pages: PageProcessor
    sources: list[Source]
    fetcher: ArchiveFetcher
    progress: ImportProgress
    filter: ImportFilter
    max_size: int

    def __init__(
        self,
        warcs: str | Iterable[str] | None = None,
        publisher: str | Iterable[str] | None = None,
        since: str | datetime | None = None,
        until: str | datetime | None = None,
        progress: bool | str = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.inputs = split_list(warcs)
        if not self.inputs:
            raise NotConfigured("give -a warcs=FILE[,FILE...]")
        self.publishers = split_list(publisher)
        try:
            self.since = parse_time(since)
            self.until = parse_time(until, end=True)
        except ValueError as err:
            raise NotConfigured(f"since/until: {err}") from None
        self.show_progress = progress is True or str(progress).lower() in ("1", "true", "yes")
        self.lock_key = "import:" + ",".join(sorted(self.inputs))
        self.start_urls = list(self.inputs)  # crawl_runs.start_urls: what was imported
        self._tasks: set[asyncio.Task[Any]] = set()  # pages handed to extraction

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> WarcImportSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        setting = settings.get("NEWSCRAWL_SOURCES_FILE")
        try:
            catalogue = load_catalogue(sources_file(setting))
        except ValueError:
            if setting:
                raise
            catalogue = {}
        spider.sources = [p.source() for p in catalogue.values()]
        spider.filter = ImportFilter.build(spider.publishers, catalogue, spider.since,
                                           spider.until)  # fmt: skip
        spider.max_size = settings.getint("DOWNLOAD_MAXSIZE", 16 << 20) or (1 << 62)
        spider.pages = page_processor(crawler)
        spider.fetcher = ArchiveFetcher.from_settings(settings)
        spider.progress = ImportProgress(crawler, spider.inputs, enabled=spider.show_progress)
        crawler.signals.connect(spider.progress.finish, signal=signals.spider_closed)
        crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        return spider

    def _closed(self) -> None:
        """A stop (Ctrl-C, SIGTERM) ends the import with pages in flight: drop them."""
        for task in list(self._tasks):
            task.cancel()

    def _inc(self, key: str, n: int = 1) -> None:
        self.crawler.stats.inc_value(STATS + key, n)

    async def start(self) -> AsyncIterator[Article]:
        pending: set[asyncio.Task[tuple[PageRecord, str, PageOutcome | None]]] = set()
        limit = max(1, self.pages.workers) * IN_FLIGHT_PER_WORKER
        paused = time.monotonic()
        for name in self.inputs:
            local = await self._local_file(name)
            if local is None:
                continue
            archive = _Archive(name, local, name if is_url(name) else str(local.resolve()))
            try:
                for verdict in scan(local, self.max_size):
                    self.progress.record(verdict.offset)
                    if time.monotonic() - paused > SCAN_SLICE:  # runs of skipped records
                        await asyncio.sleep(0)  # let the event loop flush, signal, stop
                        paused = time.monotonic()
                        done = {task for task in pending if task.done()}
                        pending -= done
                        for article in self._finished(done):
                            yield article
                    page = self._admitted(verdict)
                    if page is None:
                        continue
                    archive.pending += 1
                    task = asyncio.ensure_future(self._process(archive, page))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
                    pending.add(task)
                    while len(pending) >= limit:
                        done, pending = await asyncio.wait(
                            pending, return_when=asyncio.FIRST_COMPLETED
                        )
                        for article in self._finished(done):
                            yield article
            except (NotAWarcError, OSError) as err:  # a fetched file that is no WARC: this file
                logger.error("cannot import %s: %s", name, err)
                self._inc("files_failed")
            finally:
                archive.scanned = True
                self._release_if_done(archive)
            self.progress.file_done()
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for article in self._finished(done):
                yield article

    def _release_if_done(self, archive: _Archive) -> None:
        """A fetched copy is deleted once read and every record of it processed."""
        if archive.scanned and archive.pending == 0:
            self.fetcher.done_with(archive.name, archive.local)

    async def _local_file(self, name: str) -> Path | None:
        """The file to read for input ``name``: itself, or a fetched copy of a URL (None when
        it could not be fetched: logged and counted)."""
        self._inc("files")
        self.progress.file_started(name)
        if not is_url(name):
            return Path(name)
        try:
            return await asyncio.to_thread(self.fetcher.fetch, name)
        except Exception as err:  # refused by policy, network error: this file only
            logger.error("cannot fetch %s: %s", name, err)
            self._inc("fetch_failed")
            return None

    def _admitted(self, verdict: PageRecord | Skipped) -> PageRecord | None:
        """The page to process, or None (the reason counted)."""
        self._inc("records")
        if isinstance(verdict, Skipped):
            self._inc(f"skipped/{verdict.reason}")
            if verdict.reason == "damaged":
                logger.error("damaged WARC, rest of the file skipped: %s", verdict.url)
            return None
        if not self.filter.in_time(verdict.fetched_at):
            self._inc("skipped/since_until")
            return None
        if not self.filter.admits_url(verdict.url):
            self._inc("skipped/publisher")
            return None
        self._inc("pages")
        stats = self.crawler.stats
        stats.inc_value("response_received_count")
        if stats.get_value(STATS + "first_page_time") is None:
            stats.set_value(STATS + "first_page_time", datetime.now(UTC))
        return verdict

    async def _process(
        self, archive: _Archive, page: PageRecord
    ) -> tuple[PageRecord, str, PageOutcome | None]:
        source = source_for_url(self.sources, page.url)
        try:
            outcome = await self.pages.run(
                page.url,
                process_record,
                str(archive.local),
                page.offset,
                page.url,
                max_size=self.max_size,
                source=source.name if source else None,
                fetched_at=page.fetched_at or datetime.now(UTC),
            )
        finally:
            archive.pending -= 1
            self._release_if_done(archive)
        return page, archive.location, outcome

    def _finished(
        self, done: Iterable[asyncio.Task[tuple[PageRecord, str, PageOutcome | None]]]
    ) -> list[Article]:
        articles = []
        for task in done:
            page, location, outcome = task.result()
            article = self._article(page, location, outcome)
            if article is not None:
                articles.append(article)
        return articles

    def _article(
        self, page: PageRecord, location: str, outcome: PageOutcome | None
    ) -> Article | None:
        self.crawler.stats.set_value(STATS + "last_page_time", datetime.now(UTC))
        if outcome is None:  # it killed its worker every time (counted)
            return None
        self._inc(f"page/{outcome.kind}")
        if outcome.kind != "article" or outcome.article is None:
            if outcome.kind in ("unparsable", "failed"):
                logger.info("%s (%s@%d): %s", page.url, location, page.offset, outcome.error)
            return None
        if outcome.error:  # stored as extracted
            logger.error("%s: %s", page.url, outcome.error)
        article = outcome.article
        if not self.filter.admits(article):
            self._inc("skipped/publisher")
            return None
        set_warc_location(article, location, page.offset)
        self.progress.article()
        return article
