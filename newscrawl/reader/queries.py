"""What the reader's pages and API show, read from the database (both dialects).

Every function takes an open connection and only reads. Lists are keyset-paginated on
``articles.id`` (newest stored first), so a page costs the same on any table size; the
API's article feed pages on the export cursor (:mod:`newscrawl.store.changes`).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from newscrawl.article import Article
from newscrawl.dedupe.publisher import publisher_key
from newscrawl.publishers.names import catalogue_key
from newscrawl.store.changes import Cursor, export_window
from newscrawl.store.export import articles_by_id
from newscrawl.store.schema import (
    article_credits,
    article_revisions,
    articles,
    crawl_runs,
    sightings,
)
from newscrawl.store.search import Filters, Hit, search

#: Articles read per page of the latest stories (grouped into at most STORIES_PER_PAGE).
SCAN = 120
STORIES_PER_PAGE = 30
ARTICLES_PER_PAGE = 50
FEED_LIMIT = 100


@dataclass
class Story:
    """Articles sharing a ``story_id``: one wire story at several publishers, newest first."""

    story_id: uuid.UUID
    articles: list[Article] = field(default_factory=list)

    @property
    def lead(self) -> Article:
        return self.articles[0]


@dataclass
class StoryPage:
    stories: list[Story]
    #: ``before`` for the next page (None on the last).
    next_before: int | None


def latest_stories(connection: Connection, before: int | None = None) -> StoryPage:
    """The newest stored stories, each with every article of it (publishers side by side).

    A story is shown on the page of its newest article only, so paging never repeats one.
    """
    query = select(articles.c.id, articles.c.story_id).order_by(articles.c.id.desc())
    if before is not None:
        query = query.where(articles.c.id < before)
    scanned = connection.execute(query.limit(SCAN)).all()
    order: list[uuid.UUID] = []
    next_before = scanned[-1].id if len(scanned) == SCAN else None
    for row in scanned:
        if row.story_id in order:
            continue
        if len(order) == STORIES_PER_PAGE:  # the next page starts with this article
            next_before = row.id + 1
            break
        order.append(row.story_id)
    members = connection.execute(
        select(articles.c.id, articles.c.story_id)
        .where(articles.c.story_id.in_(order))
        .order_by(articles.c.id.desc())
    ).all()
    ids: dict[uuid.UUID, list[int]] = defaultdict(list)
    for row in members:
        ids[row.story_id].append(row.id)
    shown = [s for s in order if before is None or max(ids[s]) < before]
    loaded = articles_by_id(connection, [i for s in shown for i in ids[s]])
    stories = [Story(s, [loaded[i] for i in ids[s] if i in loaded]) for s in shown]
    return StoryPage(stories, next_before)


@dataclass
class SightingRow:
    url: str
    source: str | None
    first_seen_at: datetime
    seen_at: datetime


@dataclass
class RevisionRow:
    revised_at: datetime
    url: str | None
    headline: str | None
    description: str | None
    body: str | None


@dataclass
class ArticlePage:
    article: Article
    story_id: uuid.UUID
    publisher_key: str
    sightings: list[SightingRow]
    revisions: list[RevisionRow]
    #: The same story at other publishers.
    others: list[Article]


def article_page(connection: Connection, article_id: int) -> ArticlePage | None:
    """An article with every URL it was seen at, its earlier versions and its story."""
    row = connection.execute(
        select(articles.c.story_id, articles.c.publisher_key).where(articles.c.id == article_id)
    ).first()
    if row is None:
        return None
    found = articles_by_id(connection, [article_id])
    if article_id not in found:
        return None
    seen = connection.execute(
        select(sightings.c.url, sightings.c.source, sightings.c.first_seen_at, sightings.c.seen_at)
        .where(sightings.c.article_id == article_id)
        .order_by(sightings.c.first_seen_at, sightings.c.id)
    ).all()
    revised = connection.execute(
        select(
            article_revisions.c.revised_at,
            article_revisions.c.url,
            article_revisions.c.headline,
            article_revisions.c.description,
            article_revisions.c.body,
        )
        .where(article_revisions.c.article_id == article_id)
        .order_by(article_revisions.c.revised_at.desc(), article_revisions.c.id.desc())
    ).all()
    story = connection.scalars(
        select(articles.c.id)
        .where(articles.c.story_id == row.story_id, articles.c.id != article_id)
        .order_by(articles.c.id)
    ).all()
    others = articles_by_id(connection, list(story))
    return ArticlePage(
        article=found[article_id],
        story_id=row.story_id,
        publisher_key=row.publisher_key,
        sightings=[SightingRow(*s) for s in seen],
        revisions=[RevisionRow(*r) for r in revised],
        others=[others[i] for i in story if i in others],
    )


@dataclass
class PublisherPage:
    key: str
    name: str | None
    total: int
    agencies: list[tuple[str, int]]
    articles: list[Article]
    next_before: int | None


def _stored_under(connection: Connection, key: str) -> bool:
    found = select(articles.c.id).where(articles.c.publisher_key == key).limit(1)
    return connection.scalar(found) is not None


def publisher_key_for(connection: Connection, asked: str) -> str | None:
    """The key of the publisher page ``asked`` is for: ``asked`` itself when articles are
    stored under that key (what ``/publishers`` links to), else the key of the catalogue
    publisher it names by key, name or alias (:func:`catalogue_key`, as ``newscrawl crawl
    --publisher`` chooses), else of ``asked`` as a printed name; None when no article is
    stored under any of them."""
    for key in dict.fromkeys((asked, catalogue_key(asked), publisher_key(asked))):
        if key and _stored_under(connection, key):
            return key
    return None


def publisher_page(connection: Connection, key: str, before: int | None = None) -> PublisherPage:
    """A publisher's newest articles (stored under ``key``, see :func:`publisher_key_for`),
    how many there are and which agencies it credits."""
    where = articles.c.publisher_key == key
    total = connection.scalar(select(func.count()).select_from(articles).where(where)) or 0
    count = func.count().label("n")
    agencies = connection.execute(
        select(article_credits.c.agency, count)
        .join(articles, articles.c.id == article_credits.c.article_id)
        .where(where)
        .group_by(article_credits.c.agency)
        .order_by(count.desc(), article_credits.c.agency)
    ).all()
    query = select(articles.c.id).where(where).order_by(articles.c.id.desc())
    if before is not None:
        query = query.where(articles.c.id < before)
    ids = list(connection.scalars(query.limit(ARTICLES_PER_PAGE)))
    loaded = articles_by_id(connection, ids)
    shown = [loaded[i] for i in ids if i in loaded]
    name = next((a.publisher for a in shown if a.publisher), None)
    if name is None:
        name = connection.scalar(select(articles.c.publisher).where(where).limit(1))
    next_before = ids[-1] if len(ids) == ARTICLES_PER_PAGE else None
    return PublisherPage(key, name, total, [(a, n) for a, n in agencies], shown, next_before)


def publishers(connection: Connection) -> list[tuple[str, str | None, int]]:
    """Every publisher: (key, a name it is printed with, articles), most articles first."""
    count = func.count().label("n")
    rows = connection.execute(
        select(articles.c.publisher_key, func.max(articles.c.publisher), count)
        .group_by(articles.c.publisher_key)
        .order_by(count.desc(), articles.c.publisher_key)
    ).all()
    return [(key, name, n) for key, name, n in rows]


@dataclass
class RunRow:
    id: int
    spider: str
    source: str | None
    start_urls: list[str]
    started_at: datetime
    finished_at: datetime | None
    finish_reason: str | None
    pages: int
    items_scraped: int
    items_stored: int
    duplicates: int
    errors: int
    drops: dict[str, Any]
    #: Errors by reason, from the run's stats (downloads, store, spider exceptions).
    error_reasons: dict[str, int]


_ERROR_PREFIXES = ("spider_exceptions/", "log_count/ERROR", "downloader/exception_type_count/")


def _error_reasons(stats: dict[str, Any] | None) -> dict[str, int]:
    """Counts of the stats keys that name an error and its reason.

    >>> _error_reasons({"newscrawl/download/error/timeout": 2, "log_count/ERROR": 1,
    ...                 "spider_exceptions/KeyError": 3, "pages": 9})
    {'log_count/ERROR': 1, 'newscrawl/download/error/timeout': 2, 'spider_exceptions/KeyError': 3}
    """
    found = {}
    for key, value in (stats or {}).items():
        if not isinstance(value, int) or isinstance(value, bool):
            continue
        if "/error/" in key or "/rejected/" in key or key.startswith(_ERROR_PREFIXES):
            found[key] = value
    return dict(sorted(found.items()))


def crawl_run_rows(connection: Connection, limit: int = 50) -> list[RunRow]:
    rows = connection.execute(
        select(crawl_runs).order_by(crawl_runs.c.started_at.desc()).limit(limit)
    ).all()
    return [
        RunRow(
            id=r.id,
            spider=r.spider,
            source=r.source,
            start_urls=list(r.start_urls or []),
            started_at=r.started_at,
            finished_at=r.finished_at,
            finish_reason=r.finish_reason,
            pages=r.pages,
            items_scraped=r.items_scraped,
            items_stored=r.items_stored,
            duplicates=r.duplicates,
            errors=r.errors,
            drops=dict(r.drops or {}),
            error_reasons=_error_reasons(r.stats),
        )
        for r in rows
    ]


def search_articles(
    connection: Connection, query: str, filters: Filters, limit: int, offset: int
) -> list[tuple[Article, Hit]]:
    """Search hits with their articles (raises SearchError for an empty query)."""
    hits = search(connection, query, filters, limit=limit, offset=offset)
    loaded = articles_by_id(connection, [hit.article_id for hit in hits])
    return [(loaded[h.article_id], h) for h in hits if h.article_id in loaded]


@dataclass
class Feed:
    articles: list[Article]
    #: Pass as ``cursor`` next time: every article changed below it has been returned.
    cursor: Cursor
    #: More changed articles are ready now (ask again at once with ``cursor``).
    more: bool
    #: Changed articles held back by an older transaction still running (Postgres).
    waiting: int


def feed(connection: Connection, after: Cursor | None, limit: int = FEED_LIMIT) -> Feed:
    """Articles stored or changed since ``after`` (the export cursor), in change order.

    A page ends at a batch boundary (all articles sharing a ``change_seq`` travel together),
    so the cursor it hands out is an export cursor like any other: ``newscrawl export
    --cursor`` accepts it and the other way round. Raises CursorError as an export does.
    """
    window = export_window(connection, after)
    in_window = (articles.c.change_seq >= window.low) & (articles.c.change_seq < window.high)
    rows = connection.execute(
        select(articles.c.id, articles.c.change_seq)
        .where(in_window)
        .order_by(articles.c.change_seq, articles.c.id)
        .limit(limit + 1)
    ).all()
    bound = window.high
    if len(rows) > limit:
        bound = rows[limit].change_seq
        if bound == rows[0].change_seq:  # one batch larger than a page: send it whole
            bound = bound + 1
            rows = connection.execute(
                select(articles.c.id, articles.c.change_seq)
                .where(in_window, articles.c.change_seq < bound)
                .order_by(articles.c.change_seq, articles.c.id)
            ).all()
        rows = [r for r in rows if r.change_seq < bound]
    loaded = articles_by_id(connection, [r.id for r in rows])
    return Feed(
        articles=[loaded[r.id] for r in rows if r.id in loaded],
        cursor=Cursor(window.dialect, bound),
        more=bound < window.high,
        waiting=window.waiting,
    )
