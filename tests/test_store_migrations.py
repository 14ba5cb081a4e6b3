"""Migrations that rewrite stored data: 0002 recomputes LSH band keys from stored bodies, 0004
adds the change cursor, crawl run sources and SQLite's delete cascade."""

from __future__ import annotations

import sqlite3
import time
import uuid

import sqlalchemy as sa
from alembic import command
from sqlalchemy import inspect, select

from newscrawl.dedupe.fingerprint import BANDS, NUM_PERM, body_bands, content_hash, words
from newscrawl.store import Store, schema, upgrade
from newscrawl.store.engine import WRITE_TRANSACTION, create_engine
from newscrawl.store.export import iter_articles, open_window
from newscrawl.store.migrate import alembic_config, current_revision, head_revision
from newscrawl.store.schema import article_authors, articles, lsh_bands, sightings
from tests.storekit import T0, article, sqlite_file, text

FIRST_RELEASE = (64, 16)  # (permutations, bands) of revision 0001


def _stored_bands(url: str) -> dict[int, set[int]]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(select(lsh_bands.c.article_id, lsh_bands.c.band_key)).all()
    engine.dispose()
    found: dict[int, set[int]] = {}
    for article_id, key in rows:
        found.setdefault(article_id, set()).add(key)
    return found


def _expected(bodies: dict[int, str], num_perm: int, bands: int) -> dict[int, set[int]]:
    keys = {i: set(body_bands(words(b), num_perm, bands)) for i, b in bodies.items()}
    return {i: k for i, k in keys.items() if k}


def _seed_first_release(url: str, texts: list[str], story: uuid.UUID) -> dict[int, str]:
    """Articles and band rows as release 0001 wrote them; returns the bodies by article id."""
    return _seed(url, "0001", texts, story, FIRST_RELEASE)


def _seed(
    url: str, revision: str, texts: list[str], story: uuid.UUID, banding: tuple[int, int]
) -> dict[int, str]:
    """Articles and their band rows written at ``revision`` (all in ``lsh_bands``)."""
    assert upgrade(url, revision) == (None, revision)
    engine = create_engine(url)
    bodies = {}
    with engine.begin() as connection:
        for n, body in enumerate(texts):
            article_id = connection.scalar(
                articles.insert().returning(articles.c.id),
                {
                    "canonical_url": f"https://www.independent.co.uk/news/{n}",
                    "publisher": "The Independent",
                    "publisher_key": "independent",
                    "body": body,
                    "content_hash": content_hash(body),
                    "story_id": story,
                    "first_seen_at": T0,
                    "last_seen_at": T0,
                },
            )
            bodies[article_id] = body
        old = _expected(bodies, *banding)
        rows = [{"band_key": k, "article_id": i} for i, keys in old.items() for k in keys]
        connection.execute(lsh_bands.insert(), rows)
    engine.dispose()
    return bodies


def test_0002_recomputes_band_keys_from_stored_bodies(empty_database_url: str) -> None:
    url = empty_database_url
    story = uuid.uuid4()
    bodies = _seed_first_release(url, [text(1), text(2, 700), "too short to matter", ""], story)
    first, second = sorted(bodies)[:2]
    assert _stored_bands(url) == _expected(bodies, *FIRST_RELEASE)

    assert upgrade(url) == ("0001", head_revision())
    after = _stored_bands(url)
    assert after == _expected(bodies, NUM_PERM, BANDS)
    assert sorted(after) == [first, second] and all(len(keys) == BANDS for keys in after.values())

    # near-duplicate matching works on the migrated keys: a lightly edited copy of
    # article 1 at another publisher is found through a shared band and joins its story
    tokens = bodies[first].split()
    tokens[10:15] = ["changed"] * 5
    store = Store.open(url)
    try:
        copy = article(
            1,
            "https://www.theguardian.com/world/copy",
            body=" ".join(tokens),
            publisher="The Guardian",
            headline="Another headline entirely",
        )
        (result,) = store.write([copy]).results
        assert result.story_linked
        with store.engine.connect() as connection:
            stories = connection.scalars(select(articles.c.story_id).order_by(articles.c.id))
            assert set(stories) == {story}
    finally:
        store.close()


def test_0002_downgrade_restores_the_first_release_keys(empty_database_url: str) -> None:
    url = empty_database_url
    bodies = _seed_first_release(url, [text(3), text(4, 100)], uuid.uuid4())
    upgrade(url)
    engine = create_engine(url)
    with engine.connect().execution_options(**WRITE_TRANSACTION) as connection:
        with connection.begin():
            command.downgrade(alembic_config(connection), "0001")
        with connection.begin():
            assert current_revision(connection) == "0001"
    engine.dispose()
    assert _stored_bands(url) == _expected(bodies, *FIRST_RELEASE)


def _band_table_shape(url: str) -> tuple[set[str], bool]:
    """(tables named lsh_bands*, whether lsh_bands has its article_id foreign key and index)."""
    engine = create_engine(url)
    inspector = inspect(engine)
    tables = {t for t in inspector.get_table_names() if t.startswith("lsh_bands")}
    linked = bool(inspector.get_foreign_keys("lsh_bands")) and any(
        i["column_names"] == ["article_id"] for i in inspector.get_indexes("lsh_bands")
    )
    engine.dispose()
    return tables, linked


def test_0003_keeps_the_keys_and_downgrade_merges_the_levels_back(empty_database_url: str) -> None:
    url = empty_database_url
    bodies = _seed(url, "0002", [text(7), text(8)], uuid.uuid4(), (NUM_PERM, BANDS))
    assert _band_table_shape(url) == ({"lsh_bands"}, True)

    assert upgrade(url) == ("0002", head_revision())
    assert _band_table_shape(url) == ({"lsh_bands", "lsh_bands_new", "lsh_bands_mid"}, False)
    assert _stored_bands(url) == _expected(bodies, NUM_PERM, BANDS)
    store = Store.open(url)
    try:
        (new,) = store.write([article(9, "https://www.independent.co.uk/news/nine")]).results
    finally:
        store.close()
    bodies[new.key] = text(9)

    engine = create_engine(url)
    with engine.connect().execution_options(**WRITE_TRANSACTION) as connection:
        with connection.begin():
            # a row of an article deleted meanwhile: dropped, or the foreign key would refuse
            connection.execute(lsh_bands.insert(), {"band_key": 1, "article_id": 999})
        with connection.begin():
            command.downgrade(alembic_config(connection), "0002")
    engine.dispose()
    assert _band_table_shape(url) == ({"lsh_bands"}, True)
    assert _stored_bands(url) == _expected(bodies, NUM_PERM, BANDS)


def _seed_0003(url: str) -> None:
    """Two articles with children and two crawl runs, as revision 0003 stored them; on
    SQLite a third article deleted by a connection without foreign keys (orphans left)."""
    assert upgrade(url, "0003") == (None, "0003")
    engine = create_engine(url)
    with engine.begin() as connection:
        for n in range(3):
            article_id = connection.scalar(
                articles.insert().returning(articles.c.id),
                {"canonical_url": f"https://www.independent.co.uk/news/{n}", "body": text(n),
                 "story_id": uuid.uuid4(), "first_seen_at": T0, "last_seen_at": T0},
            )  # fmt: skip
            connection.execute(
                sightings.insert(),
                {"article_id": article_id, "url": f"https://www.independent.co.uk/news/{n}",
                 "first_seen_at": T0, "seen_at": T0},
            )  # fmt: skip
            connection.execute(
                article_authors.insert(), {"article_id": article_id, "position": 0, "name": "J"}
            )
        runs = sa.table("crawl_runs", sa.column("spider"), sa.column("started_at"),
                        sa.column("stats", schema.JSONDoc))  # fmt: skip
        connection.execute(runs.insert(), [
            {"spider": "source", "started_at": T0.replace(tzinfo=None),
             "stats": {"newscrawl/source": "inkl"}},
            {"spider": "news", "started_at": T0.replace(tzinfo=None), "stats": {}},
        ])  # fmt: skip
    engine.dispose()
    if url.startswith("sqlite"):
        plain = sqlite3.connect(sqlite_file(url))
        plain.execute("DELETE FROM articles WHERE canonical_url LIKE '%/2'")
        plain.commit()
        plain.close()


def _shape(url: str) -> dict:
    engine = create_engine(url)
    inspector = inspect(engine)
    shape = {
        "articles": {c["name"] for c in inspector.get_columns("articles")},
        "crawl_runs": {c["name"] for c in inspector.get_columns("crawl_runs")},
        "tables": set(inspector.get_table_names()),
    }
    if url.startswith("sqlite"):
        with engine.connect() as connection:
            shape["triggers"] = set(
                connection.scalars(sa.text("SELECT name FROM sqlite_master WHERE type='trigger'"))
            )
    engine.dispose()
    return shape


def test_0004_adds_the_change_cursor_run_sources_and_the_sqlite_cascade(
    empty_database_url: str,
) -> None:
    url = empty_database_url
    _seed_0003(url)
    old = _shape(url)
    assert upgrade(url, "0004") == ("0003", "0004")
    new = _shape(url)
    assert new["articles"] - old["articles"] == {"change_seq", "updated_at"}
    assert new["crawl_runs"] - old["crawl_runs"] == {"source", "start_urls"}
    assert new["tables"] - old["tables"] == {"change_counter"}
    engine = create_engine(url)
    with engine.connect() as connection:
        runs = connection.execute(sa.select(schema.crawl_runs.c.spider, schema.crawl_runs.c.source)
                                  .order_by(schema.crawl_runs.c.id)).all()  # fmt: skip
        assert [tuple(r) for r in runs] == [("source", "inkl"), ("news", None)]
        for table in (sightings, article_authors):  # orphans of the hand-deleted article gone
            orphaned = table.c.article_id.not_in(sa.select(articles.c.id))
            assert connection.scalar(sa.select(sa.func.count()).where(orphaned)) == 0
    engine.dispose()
    if url.startswith("sqlite"):
        assert new["triggers"] == {"articles_delete_children"}

    # the stored rows are below any cursor: a first export gets them all, the next only news
    upgrade(url)
    store = Store.open(url)
    try:
        window = open_window(store.engine, None)
        stored = [a.canonical_url for a in iter_articles(store.engine, window=window)]
        assert len(stored) == (2 if url.startswith("sqlite") else 3)
        store.write([article(5, "https://www.independent.co.uk/news/5")])
        for _ in range(300):  # on Postgres another test's open transaction may hold it back
            later = open_window(store.engine, window.next_cursor)
            if not later.waiting:
                break
            time.sleep(0.1)
        news = [a.canonical_url for a in iter_articles(store.engine, window=later)]
        assert news == ["https://www.independent.co.uk/news/5"]
    finally:
        store.close()

    engine = create_engine(url)
    connection = engine.connect().execution_options(**WRITE_TRANSACTION)
    with connection, connection.begin():
        command.downgrade(alembic_config(connection), "0003")
    engine.dispose()
    assert _shape(url) == {**old, **({"triggers": set()} if url.startswith("sqlite") else {})}
    assert upgrade(url) == ("0003", head_revision())
