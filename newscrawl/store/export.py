"""Read stored articles back as Article objects (the ``export`` command's source).

Pages through ``articles`` in keyset order (by id, or by ``(change_seq, id)`` for an
incremental export under a fixed upper bound), so memory stays flat on any table size,
and loads each page's authors, credits, images and latest sighting with one query each.

The exported ``url`` is where the article was last fetched (its sighting with the latest
``seen_at``), which is the fetch ``fetched_at`` (``last_seen_at``) dates; ``canonical_url``
is the row's key URL. Every URL it was fetched at is in the ``sightings`` table.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, select, tuple_

from newscrawl.article import Article
from newscrawl.store.changes import Cursor, Window, export_window
from newscrawl.store.lookup import read_children
from newscrawl.store.schema import articles, sightings

PAGE_SIZE = 500


def open_window(engine: Engine, after: Cursor | None) -> Window:
    """The window of an export starting at ``after`` (None: from the beginning).

    Raises :class:`~newscrawl.store.changes.CursorError` for a cursor of another database.
    """
    with engine.connect() as connection:
        return export_window(connection, after)


def _fetched_urls(connection: Connection, ids: list[int]) -> dict[int, str]:
    """Each article's most recently fetched URL (ties: the newest sighting)."""
    latest: dict[int, tuple[datetime, int, str]] = {}
    query = select(sightings.c.article_id, sightings.c.seen_at, sightings.c.id, sightings.c.url)
    for article_id, seen_at, sighting_id, url in connection.execute(
        query.where(sightings.c.article_id.in_(ids))
    ):
        if article_id not in latest or (seen_at, sighting_id) > latest[article_id][:2]:
            latest[article_id] = (seen_at, sighting_id, url)
    return {article_id: found[2] for article_id, found in latest.items()}


def _to_articles(connection: Connection, rows: Sequence[Row[Any]]) -> list[Article]:
    ids = [r.id for r in rows]
    people, agencies, pictures = read_children(connection, ids)
    fetched = _fetched_urls(connection, ids)
    return [
        Article(
            url=fetched.get(row.id, row.canonical_url),
            canonical_url=row.canonical_url,
            source=row.source,
            publisher=row.publisher,
            section=row.section,
            headline=row.headline,
            description=row.description,
            authors=people[row.id],
            wire_credits=agencies[row.id],
            published_at=row.published_at,
            modified_at=row.modified_at,
            language=row.language,
            body=row.body,
            images=pictures[row.id],
            tags=list(row.tags or []),
            fetched_at=row.last_seen_at,
            id=row.id,
        )
        for row in rows
    ]


def articles_by_id(connection: Connection, ids: Sequence[int]) -> dict[int, Article]:
    """The stored articles of ``ids`` (those that exist), keyed by id, in export form."""
    if not ids:
        return {}
    rows = connection.execute(select(articles).where(articles.c.id.in_(list(ids)))).all()
    return {article.id: article for article in _to_articles(connection, rows) if article.id}


def iter_articles(
    engine: Engine, since: datetime | None = None, window: Window | None = None
) -> Iterator[Article]:
    """Stored articles: all, those seen at or after ``since``, and/or those in ``window``.

    Without a window, oldest id first; with one, in change order (``change_seq``, id).
    Each page is read in a transaction of its own: a row of the window changed meanwhile
    moves past ``high`` and is printed by the next export instead.
    """
    order = (articles.c.id,) if window is None else (articles.c.change_seq, articles.c.id)
    after: tuple | None = None
    while True:
        with engine.connect() as connection:
            query = select(articles)
            if after is not None:
                query = query.where(tuple_(*order) > tuple_(*after))
            if window is not None:
                query = query.where(
                    articles.c.change_seq >= window.low, articles.c.change_seq < window.high
                )
            if since is not None:
                query = query.where(articles.c.last_seen_at >= since)
            rows = connection.execute(query.order_by(*order).limit(PAGE_SIZE)).all()
            if not rows:
                return
            page = _to_articles(connection, rows)
        yield from page
        after = tuple(getattr(rows[-1], column.name) for column in order)
