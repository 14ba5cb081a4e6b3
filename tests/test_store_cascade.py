"""An article deleted by hand takes its children with it and is stored again when re-crawled.

On SQLite foreign keys are off unless each connection turns them on, so the sqlite3 shell
used to leave authors, images, credits, sightings and revisions behind, and re-crawling the
article failed with KeyError for ever. Migration 0004's trigger enforces the cascade; the
store re-creates an article whose row is gone, also when it vanishes between the batch's
lookup and its write (Postgres, where a hand DELETE does not wait for the store's lock).
"""

from __future__ import annotations

import sqlite3
import threading
import time

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from newscrawl.store import Store, upgrade
from newscrawl.store.schema import (
    article_authors,
    article_credits,
    article_revisions,
    articles,
    images,
    sightings,
)
from tests.newsroomkit import newsroom_fixture, run_scrapy  # noqa: F401  (fixture)
from tests.storekit import article, sqlite_file, text

URL = "https://www.independent.co.uk/news/world/storm-a1"
CHILDREN = (article_authors, article_credits, images, sightings, article_revisions)


def _story(minutes: int = 0, **fields):
    return article(1, URL, minutes=minutes, wire_credits=["Reuters"], **fields)


def _store_with_children(store: Store) -> None:
    store.write([_story(), article(2, "https://www.independent.co.uk/news/world/other")])
    store.write([_story(5, body=text(11))])  # a revision
    store.write([article(1, URL + "?utm_source=feed", minutes=6)])  # a second sighting


def _orphans(store: Store) -> dict[str, int]:
    with store.engine.connect() as connection:
        ids = select(articles.c.id)
        return {
            t.name: connection.execute(
                select(func.count()).select_from(t).where(t.c.article_id.not_in(ids))
            ).scalar_one()
            for t in CHILDREN
        }


def _children_of(store: Store, canonical_url: str) -> dict[str, int]:
    with store.engine.connect() as connection:
        (article_id,) = connection.scalars(
            select(articles.c.id).where(articles.c.canonical_url == canonical_url)
        ).all()
        return {
            t.name: connection.execute(
                select(func.count()).select_from(t).where(t.c.article_id == article_id)
            ).scalar_one()
            for t in CHILDREN
        }


def _delete_by_hand(database_url: str, canonical_url: str) -> None:
    """A DELETE from a plain connection: the sqlite3 module (foreign keys off) or psql."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        shell = sqlite3.connect(sqlite_file(url))
        assert shell.execute("PRAGMA foreign_keys").fetchone() == (0,)
        shell.execute("DELETE FROM articles WHERE canonical_url = ?", (canonical_url,))
        shell.commit()
        shell.close()
        return
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as connection:
        connection.execute("DELETE FROM articles WHERE canonical_url = %s", (canonical_url,))


def test_an_article_deleted_by_hand_leaves_nothing_and_is_stored_again(
    store: Store, database_url: str
) -> None:
    _store_with_children(store)
    before = _children_of(store, URL)
    assert before == {"article_authors": 1, "article_credits": 1, "images": 1,
                      "sightings": 2, "article_revisions": 1}  # fmt: skip

    _delete_by_hand(database_url, URL)
    assert _orphans(store) == dict.fromkeys(before, 0)

    report = store.write([_story(30, authors=["Jane Doe", "John Roe"])])
    assert not report.rejected and [r.outcome for r in report.results] == ["new"]
    again = {"article_authors": 2, "article_credits": 1, "images": 1, "sightings": 1,
             "article_revisions": 0}  # fmt: skip
    assert _children_of(store, URL) == again
    assert _orphans(store) == dict.fromkeys(before, 0)


def test_sightings_pointing_nowhere_are_taken_over(store: Store, database_url: str) -> None:
    """Damage left before migration 0004 (or by any tool that skips the trigger)."""
    if store.engine.dialect.name != "sqlite":
        pytest.skip("Postgres' foreign keys refuse a sighting of no article")
    _store_with_children(store)
    connection = sqlite3.connect(sqlite_file(database_url))
    connection.execute("UPDATE sightings SET article_id = 424242 WHERE url = ?", (URL,))
    connection.commit()
    connection.close()

    report = store.write([_story(40)])
    assert not report.rejected, report.rejected
    assert _children_of(store, URL)["sightings"] == 2
    assert _orphans(store)["sightings"] == 0


def _wait_for_lock_wait(conninfo: str, timeout: float = 30) -> None:
    """Until a backend of this database waits for a row lock (the store's batch)."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(conninfo, autocommit=True) as watcher:
        while time.monotonic() < deadline:
            [(waiting,)] = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            ).fetchall()
            if waiting:
                return
            time.sleep(0.02)
    raise AssertionError("the store never waited for the deleted row")


@pytest.mark.postgres
def test_an_article_deleted_between_lookup_and_write_is_stored_again(
    make_postgres_database,
) -> None:
    url = make_postgres_database()
    upgrade(url)
    store = Store.open(url)
    try:
        _store_with_children(store)
        conninfo = make_url(url).set(drivername="postgresql").render_as_string(False)
        deleter = psycopg.connect(conninfo)
        # a hand DELETE takes no advisory lock: it does not queue behind the store's batches
        deleter.execute("DELETE FROM articles WHERE canonical_url = %s", (URL,))
        outcome: dict = {}
        writer = threading.Thread(
            target=lambda: outcome.update(
                report=store.write([_story(50, authors=["Jane Doe", "Ann Other"])])
            )
        )
        writer.start()  # reads the row (the DELETE is not committed), then must lock it
        _wait_for_lock_wait(conninfo)
        deleter.commit()
        deleter.close()
        writer.join(30)
        report = outcome["report"]
        assert not report.rejected, report.rejected
        children = _children_of(store, URL)
        assert children["article_authors"] == 2 and children["images"] == 1
        assert children["sightings"] == 1
        assert _orphans(store) == dict.fromkeys(children, 0)
    finally:
        store.close()


@pytest.mark.slow
def test_recrawl_after_a_hand_delete_stores_the_article_again(newsroom, tmp_path) -> None:
    """The user's story: crawl, delete an article in the sqlite3 shell, crawl again."""
    path = tmp_path / "news.db"
    url = f"sqlite:///{path}"
    settings = {"NEWSCRAWL_RENDER_JS": "False"}
    crawl = ["source", "-a", "name=independent"]
    first = run_scrapy(crawl, newsroom=newsroom, workdir=tmp_path / "a", database_url=url,
                       settings=settings)  # fmt: skip
    assert first.returncode == 0, first.log[-3000:]
    store = Store.open(url)
    try:
        with store.engine.connect() as connection:
            query = select(articles.c.canonical_url).order_by(articles.c.id)
            victim = connection.scalars(query).first()
        assert victim is not None, "the first crawl stored nothing"
        before = _children_of(store, victim)
        assert before["sightings"] and before["article_authors"]
        shell = sqlite3.connect(path)  # as the sqlite3 shell does: foreign keys off
        shell.execute("DELETE FROM articles WHERE canonical_url = ?", (victim,))
        shell.commit()
        shell.close()
        assert _orphans(store) == dict.fromkeys(before, 0)

        again = run_scrapy(crawl, newsroom=newsroom, workdir=tmp_path / "b", database_url=url,
                           settings=settings)  # fmt: skip
        assert again.returncode == 0, again.log[-3000:]
        assert "KeyError" not in again.log
        assert _children_of(store, victim) == before
        assert _orphans(store) == dict.fromkeys(before, 0)
    finally:
        store.close()
