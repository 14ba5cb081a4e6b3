"""Read stored articles back as Article objects (the ``export`` command's source).

Pages through ``articles`` by id (keyset pagination, so memory stays flat on any table
size) and loads each page's authors, credits and images with one query each.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import Engine, select

from newscrawl.article import Article
from newscrawl.store.lookup import read_children
from newscrawl.store.schema import articles

PAGE_SIZE = 500


def iter_articles(engine: Engine, since: datetime | None = None) -> Iterator[Article]:
    """Every stored article (seen at or after ``since``, when given), oldest id first."""
    last_id = 0
    while True:
        with engine.connect() as connection:
            query = select(articles).where(articles.c.id > last_id)
            if since is not None:
                query = query.where(articles.c.last_seen_at >= since)
            rows = connection.execute(query.order_by(articles.c.id).limit(PAGE_SIZE)).all()
            if not rows:
                return
            people, agencies, pictures = read_children(connection, [r.id for r in rows])
        for row in rows:
            yield Article(
                url=row.canonical_url,
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
            )
        last_id = rows[-1].id
