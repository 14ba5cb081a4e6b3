"""Summaries of a newscrawl database for ``newscrawl stats``: plain aggregate queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from newscrawl.store.schema import article_credits, articles, crawl_runs, sightings


def _day(connection: Connection, column: Any) -> Any:
    """The UTC calendar day of a timestamp column, as 'YYYY-MM-DD', on either dialect."""
    if connection.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.substr(column, 1, 10)


def summary(engine: Engine, days: int = 14, top: int = 20, runs: int = 10) -> dict[str, Any]:
    """Totals, articles per publisher, per day first seen, per agency, and the last runs."""
    since = datetime.now(UTC) - timedelta(days=days)
    with engine.connect() as connection:
        count = func.count().label("articles")
        day = _day(connection, articles.c.first_seen_at).label("day")
        totals = {
            "articles": connection.scalar(select(func.count()).select_from(articles)),
            "stories": connection.scalar(select(func.count(articles.c.story_id.distinct()))),
            "sightings": connection.scalar(select(func.count()).select_from(sightings)),
        }
        # per publisher_key, the key de-duplication compares: one line per publisher
        name = func.max(articles.c.publisher).label("publisher")
        publishers = connection.execute(
            select(name, count)
            .group_by(articles.c.publisher_key)
            .order_by(count.desc(), name)
            .limit(top)
        ).all()
        per_day = connection.execute(
            select(day, count)
            .where(articles.c.first_seen_at >= since)
            .group_by(day)
            .order_by(day.desc())
        ).all()
        agencies = connection.execute(
            select(article_credits.c.agency, count)
            .group_by(article_credits.c.agency)
            .order_by(count.desc(), article_credits.c.agency)
            .limit(top)
        ).all()
        last_runs = connection.execute(
            select(crawl_runs).order_by(crawl_runs.c.started_at.desc()).limit(runs)
        ).all()
    return {
        "totals": totals,
        "per_publisher": [{"publisher": p, "articles": n} for p, n in publishers],
        "per_day": [{"day": d, "articles": n} for d, n in per_day],
        "per_agency": [{"agency": a, "articles": n} for a, n in agencies],
        "last_runs": [
            {
                "spider": r.spider,
                "source": r.source,
                "start_urls": r.start_urls or [],
                "started_at": r.started_at.isoformat(),
                "finished_at": r.finished_at.isoformat() if r.finished_at else None,
                "pages": r.pages,
                "items_stored": r.items_stored,
                "duplicates": r.duplicates,
                "errors": r.errors,
                "drops": r.drops or {},
            }
            for r in last_runs
        ],
    }
