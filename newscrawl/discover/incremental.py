"""Incremental crawling: which article URLs were seen recently enough not to fetch again.

A cron crawl every 15 minutes meets the same article URLs in every feed and sitemap. The
``sightings`` table records every URL an article was seen at; a URL seen within the re-crawl
window is skipped before it is requested. Outside the window it is fetched again, so updates
and corrections still reach ``article_revisions``.

Only URLs known *before this crawl started* count, and only as fetched (not as canonical
URLs), which keeps a crawl deterministic: a tracking-parameter or AMP variant met for the
first time is fetched once (its sighting is recorded) even when the article itself was
stored a moment earlier by the same crawl. The question is asked
once per feed, sitemap or listing page, with an indexed ``IN`` query, so memory does not grow
with the table.

Articles an earlier run left in the spool (database away at its close) are replayed when the
store pipeline opens, before the spider starts and opens this filter, so their URLs count as
seen and are not fetched again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, inspect, select

logger = logging.getLogger(__name__)

CHUNK = 500


def window_start(hours: float, now: datetime | None = None) -> datetime | None:
    """The oldest sighting time that still counts; ``None`` when the window is off.

    >>> window_start(24, datetime(2024, 5, 3, 12, tzinfo=UTC)).isoformat()
    '2024-05-02T12:00:00+00:00'
    >>> window_start(0) is None
    True
    """
    if hours <= 0:
        return None
    return (now or datetime.now(UTC)) - timedelta(hours=hours)


#: Page cache of the look-up connection (1 MiB): it reads a few index pages per feed or
#: sitemap, and the store's 16 MiB default would only grow the crawler's memory as the table does.
LOOKUP_CACHE_PRAGMA = "PRAGMA cache_size=-1024"


def _small_sqlite_cache(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute(LOOKUP_CACHE_PRAGMA)


class SeenUrls:
    """Filters out URLs the database had seen within the window before this crawl began."""

    def __init__(self, engine: Any | None, since: datetime | None, started: datetime) -> None:
        self._engine = engine
        self._since = since
        self._started = started

    @classmethod
    def open(cls, database_url: str, window_hours: float) -> SeenUrls:
        """A filter on ``database_url``; one that lets everything through when the window is
        off, the database is new, or it cannot be read (storage then reports the problem)."""
        started = datetime.now(UTC)
        since = window_start(window_hours, started)
        if since is None:
            return cls(None, None, started)
        try:
            from newscrawl.store.engine import create_engine
            from newscrawl.store.schema import sightings

            engine = create_engine(database_url)
            if engine.dialect.name == "sqlite":  # a few index lookups: no need for a big cache
                event.listen(engine, "connect", _small_sqlite_cache)
            with engine.connect() as conn:
                if not inspect(conn).has_table(sightings.name):
                    engine.dispose()
                    return cls(None, None, started)
        except Exception as err:
            logger.warning("incremental: cannot read the database (%s); fetching everything", err)
            return cls(None, None, started)
        return cls(engine, since, started)

    def unseen(self, urls: Sequence[str]) -> list[str]:
        """``urls`` (in order) minus those seen within the window before this crawl."""
        if self._engine is None or not urls:
            return list(urls)
        from newscrawl.store.schema import sightings

        wanted = list(dict.fromkeys(urls))
        seen: set[str] = set()
        try:
            with self._engine.connect() as conn:
                for start in range(0, len(wanted), CHUNK):
                    query = select(sightings.c.url).where(
                        sightings.c.url.in_(wanted[start : start + CHUNK]),
                        sightings.c.seen_at >= self._since,
                        sightings.c.first_seen_at < self._started,
                    )
                    seen.update(conn.scalars(query))
        except Exception as err:
            logger.warning("incremental: lookup failed (%s); fetching these URLs", err)
            return list(urls)
        return [u for u in urls if u not in seen]

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
