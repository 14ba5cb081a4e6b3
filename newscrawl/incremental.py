"""Incremental crawling: which article URLs were seen recently enough not to fetch again.

A cron crawl every 15 minutes meets the same article URLs in every feed and sitemap. The
``sightings`` table records every URL an article was seen at; URLs seen within the re-crawl
window are skipped before they are requested. Outside the window they are fetched again, so
updates and corrections still reach ``article_revisions``.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import inspect, select
from sqlalchemy.exc import SQLAlchemyError

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


def recently_seen_urls(database_url: str, since: datetime) -> set[str]:
    """Every URL in ``sightings`` seen at or after ``since`` (empty for a new database).

    The database being unreachable is not fatal here: the crawl then fetches everything and
    storage reports the problem.
    """
    try:
        from newscrawl.store.engine import create_engine
        from newscrawl.store.schema import sightings
    except ImportError as err:  # storage not installed: nothing is known to be stored
        logger.warning("incremental: storage unavailable (%s); fetching everything", err)
        return set()

    try:
        engine = create_engine(database_url)
    except (SQLAlchemyError, ValueError) as err:
        logger.warning("incremental: cannot open the database (%s); fetching everything", err)
        return set()
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table(sightings.name):
                return set()
            query = select(sightings.c.url).where(sightings.c.seen_at >= since)
            return {row[0] for row in conn.execute(query)}
    except SQLAlchemyError as err:
        logger.warning("incremental: cannot read sightings (%s); fetching everything", err)
        return set()
    finally:
        engine.dispose()
