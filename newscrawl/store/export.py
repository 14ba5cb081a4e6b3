"""Read stored articles back as Article objects (the ``export`` command's source).

Pages through ``articles`` by id (keyset pagination, so memory stays flat on any table
size) and loads each page's authors, credits and images with one query each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import Connection, Engine, select

from newscrawl.article import Article, Image
from newscrawl.store.schema import article_authors, article_credits, articles, images

PAGE_SIZE = 500


def _children(connection: Connection, ids: list[int]) -> tuple[dict, dict, dict]:
    people: dict[int, list[str]] = defaultdict(list)
    agencies: dict[int, list[str]] = defaultdict(list)
    pictures: dict[int, list[Image]] = defaultdict(list)
    query = select(article_authors).where(article_authors.c.article_id.in_(ids))
    for row in connection.execute(query.order_by(article_authors.c.article_id, "position")):
        people[row.article_id].append(row.name)
    query = select(article_credits).where(article_credits.c.article_id.in_(ids))
    for row in connection.execute(query.order_by(article_credits.c.article_id, "agency")):
        agencies[row.article_id].append(row.agency)
    query = select(images).where(images.c.article_id.in_(ids))
    for row in connection.execute(query.order_by(images.c.article_id, "position")):
        pictures[row.article_id].append(
            Image(row.url, row.caption, row.credit, row.width, row.height)
        )
    return people, agencies, pictures


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
            people, agencies, pictures = _children(connection, [r.id for r in rows])
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
