"""Incremental crawling: which article URLs were seen recently enough not to fetch again.

A cron crawl every 15 minutes meets the same article URLs in every feed and sitemap. The
``sightings`` table records every URL an article was seen at; URLs seen within the re-crawl
window are skipped before they are requested. Outside the window they are fetched again, so
updates and corrections still reach ``article_revisions``. The question is asked of the store
(:meth:`newscrawl.store.Store.recently_seen_urls`) once per feed, sitemap or listing page,
so memory does not grow with the table.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

logger = logging.getLogger(__name__)


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


class SeenUrls:
    """Filters out URLs the database saw within the re-crawl window."""

    def __init__(self, store: Any | None, window_hours: float) -> None:
        self._store = store
        self._window = timedelta(hours=window_hours)

    @classmethod
    def open(cls, database_url: str, window_hours: float) -> SeenUrls:
        """A filter on ``database_url``; one that lets everything through when the window is
        off or the database cannot be read (storage then reports the problem itself)."""
        if window_hours <= 0:
            return cls(None, window_hours)
        try:
            from newscrawl.store import Store

            return cls(Store.open(database_url), window_hours)
        except Exception as err:
            logger.warning("incremental: cannot read the database (%s); fetching everything", err)
            return cls(None, window_hours)

    def unseen(self, urls: Sequence[str]) -> list[str]:
        """``urls`` (in order) minus those seen within the window."""
        if self._store is None or not urls:
            return list(urls)
        try:
            seen = self._store.recently_seen_urls(urls, self._window)
        except Exception as err:
            logger.warning("incremental: lookup failed (%s); fetching these URLs", err)
            return list(urls)
        return [u for u in urls if u not in seen]

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
