"""Schema and migrations on SQLite and Postgres: upgrade, refusal, no length limits, UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url

from newscrawl.article import Image
from newscrawl.cli import main
from newscrawl.store import SchemaOutdatedError, Store, upgrade
from newscrawl.store.engine import create_engine
from newscrawl.store.export import iter_articles
from newscrawl.store.migrate import head_revision
from newscrawl.store.schema import articles, metadata
from tests.storekit import article

TABLES = {
    "articles", "article_authors", "article_credits", "images", "sightings",
    "article_revisions", "crawl_runs", "lsh_bands", "lsh_bands_new", "lsh_bands_mid",
    "change_counter",
}  # fmt: skip


def test_upgrade_creates_every_table_and_is_idempotent(empty_database_url: str) -> None:
    assert upgrade(empty_database_url) == (None, head_revision())
    assert upgrade(empty_database_url) == (head_revision(), head_revision())
    engine = create_engine(empty_database_url)
    assert set(inspect(engine).get_table_names()) >= TABLES
    assert {t.name for t in metadata.sorted_tables} == TABLES
    engine.dispose()


def test_crawl_migrates_sqlite_itself_but_refuses_old_postgres(empty_database_url: str) -> None:
    if empty_database_url.startswith("sqlite"):
        Store.open(empty_database_url).close()
        assert upgrade(empty_database_url)[0] == head_revision()
        return
    with pytest.raises(SchemaOutdatedError, match="newscrawl db upgrade"):
        Store.open(empty_database_url)
    upgrade(empty_database_url)
    Store.open(empty_database_url).close()


def test_db_upgrade_command_never_prints_the_password(empty_database_url, capsys) -> None:
    url = make_url(empty_database_url)
    if url.get_backend_name() == "postgresql":
        url = url.set(password="s3cret-pw")  # the local server trusts; the password is unused
    assert main(["db", "upgrade", "--database-url", url.render_as_string(False)]) == 0
    out = capsys.readouterr().out
    assert "upgraded from empty to" in out
    assert "s3cret-pw" not in out


def test_no_length_limit_real_pages_can_exceed(store: Store) -> None:
    long_url = "https://www.independent.co.uk/news/" + "a-very-long-slug-" * 300
    item = article(
        1,
        long_url,
        headline="H" * 1500,
        authors=["A" * 3000],
        section="S" * 5000,
        body="word " * 200_000,
        images=[Image("https://img.example/" + "x" * 4000 + ".jpg", caption="c" * 20_000)],
    )
    assert store.write([item]).results[0].outcome == "new"
    (back,) = iter_articles(store.engine)
    assert (back.headline, back.authors) == (item.headline, item.authors)
    assert back.section == item.section
    assert back.body == item.body
    assert back.images == item.images


def test_times_are_stored_in_utc_and_read_back_aware(store: Store) -> None:
    paris = timezone(timedelta(hours=2))
    item = article(1, "https://www.independent.co.uk/news/t", published_at=datetime(
        2026, 6, 1, 14, 30, tzinfo=paris))  # fmt: skip
    store.write([item])
    with store.engine.connect() as connection:
        published, seen = connection.execute(
            select(articles.c.published_at, articles.c.first_seen_at)
        ).one()
    assert published == datetime(2026, 6, 1, 12, 30, tzinfo=UTC)
    assert published.utcoffset() == timedelta(0)
    assert seen.tzinfo is not None
