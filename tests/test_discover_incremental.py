"""The re-crawl window on a real database: which URLs a crawl would not fetch again."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.pool import NullPool

from newscrawl.discover.incremental import SeenUrls
from newscrawl.store import upgrade
from newscrawl.store.engine import create_engine
from newscrawl.store.schema import articles, sightings


def _add(url: str, database_url: str, first: datetime, last: datetime, n: int) -> None:
    engine = create_engine(database_url, poolclass=NullPool)
    with engine.begin() as conn:
        article_id = conn.execute(
            insert(articles)
            .values(
                canonical_url=f"https://n.example/a{n}",
                story_id=uuid.UUID(int=n),
                first_seen_at=first,
                last_seen_at=last,
            )
            .returning(articles.c.id)
        ).scalar_one()
        conn.execute(
            insert(sightings).values(
                article_id=article_id, url=url, source="n", first_seen_at=first, seen_at=last
            )
        )
    engine.dispose()


def test_window_and_crawl_start(database_url) -> None:
    now = datetime.now(UTC)
    _add(
        "https://n.example/recent",
        database_url,
        now - timedelta(hours=2),
        now - timedelta(hours=1),
        1,
    )
    _add("https://n.example/old", database_url, now - timedelta(days=9), now - timedelta(days=8), 2)
    seen = SeenUrls.open(database_url, window_hours=24)
    # seen during this crawl (after it started): still fetched, so every variant is recorded
    _add("https://n.example/during", database_url, datetime.now(UTC) + timedelta(seconds=1),
         datetime.now(UTC) + timedelta(seconds=1), 3)  # fmt: skip
    urls = [
        "https://n.example/new",
        "https://n.example/recent",
        "https://n.example/old",
        "https://n.example/during",
        "https://n.example/recent?utm_source=x",  # a variant is its own URL
    ]
    assert seen.unseen(urls) == [
        "https://n.example/new",
        "https://n.example/old",
        "https://n.example/during",
        "https://n.example/recent?utm_source=x",
    ]
    seen.close()
    assert SeenUrls.open(database_url, window_hours=0).unseen(urls) == urls


def test_new_database_lets_everything_through(tmp_path) -> None:
    seen = SeenUrls.open(f"sqlite:///{tmp_path / 'new.db'}", window_hours=24)
    assert seen.unseen(["https://n.example/a"]) == ["https://n.example/a"]
    seen.close()


def test_sqlite_lookups_keep_a_small_page_cache(tmp_path) -> None:
    """The look-up connection reads a few index pages per sitemap: its cache must not grow the
    crawler's memory with the table (the store's connections keep 16 MiB)."""
    url = f"sqlite:///{tmp_path / 'news.db'}"
    upgrade(url)
    seen = SeenUrls.open(url, window_hours=24)
    try:
        assert seen._engine is not None
        with seen._engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -1024
    finally:
        seen.close()
    store_engine = create_engine(url)
    with store_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -16384
    store_engine.dispose()
