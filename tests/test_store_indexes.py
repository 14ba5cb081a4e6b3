"""Migrations match the models, and every de-duplication lookup is served by an index."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Connection, select, text

from newscrawl.store import Store
from newscrawl.store.bands import LEVELS
from newscrawl.store.fulltext import is_search_table
from newscrawl.store.inlist import one_of
from newscrawl.store.schema import (
    articles,
    lsh_bands,
    lsh_bands_mid,
    lsh_bands_new,
    metadata,
    sightings,
)
from tests.storekit import T0

LOOKUPS: dict[str, tuple[Column[Any], Column[Any], list[Any]]] = {
    "sightings by URL": (sightings.c.url, sightings.c.article_id, ["u1", "u2"]),
    "articles by canonical URL": (articles.c.canonical_url, articles.c.id, ["u1", "u2"]),
    "articles by content hash": (articles.c.content_hash, articles.c.id, ["h1", "h2"]),
    "articles by headline key": (articles.c.headline_key, articles.c.id, ["k1", "k2"]),
    "articles by id": (articles.c.id, articles.c.body, [1, 2]),
    "LSH bands by key": (lsh_bands.c.band_key, lsh_bands.c.article_id, [1, 2]),
    "new LSH bands by key": (lsh_bands_new.c.band_key, lsh_bands_new.c.article_id, [1, 2]),
    "mid LSH bands by key": (lsh_bands_mid.c.band_key, lsh_bands_mid.c.article_id, [1, 2]),
}


def test_migrated_schema_equals_the_models(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": lambda name, kind, _: not is_search_table(name)}
        )
        diffs = compare_metadata(context, metadata)
    assert diffs == []


def _plan(connection: Connection, query) -> str:
    compiled = query.compile(connection, compile_kwargs={"render_postcompile": True})
    if connection.dialect.name == "sqlite":
        params = tuple(compiled.params[name] for name in compiled.positiontup)
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params).all()
        # the key list itself is scanned (json_each); the table must be searched by index
        return " ".join(str(r[-1]) for r in rows if "VIRTUAL TABLE" not in str(r[-1]))
    connection.execute(text("SET enable_seqscan = off"))  # tiny test tables: ask what can serve
    rows = connection.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).all()
    return " ".join(r[0] for r in rows)


@pytest.mark.parametrize("name", sorted(LOOKUPS))
def test_lookup_uses_an_index(store: Store, name: str) -> None:
    key, wanted, values = LOOKUPS[name]
    with store.engine.connect() as connection:
        for where in (key.in_(values), one_of(connection, key, values)):
            plan = _plan(connection, select(wanted).where(where))
            assert "Seq Scan" not in plan and "SCAN " not in plan.replace("SCAN USING", ""), plan
            assert "INDEX" in plan.upper() or "PRIMARY KEY" in plan, plan


@pytest.mark.parametrize("values", [[], ["u1"], [f"u{i}" for i in range(5000)]])
def test_one_of_selects_what_in_selects(store: Store, values: list[str]) -> None:
    rows = [{"band_key": i, "article_id": 7} for i in range(3)]
    with store.engine.begin() as connection:
        article = {"canonical_url": "u1", "story_id": uuid.uuid4(), "first_seen_at": T0,
                   "last_seen_at": T0}  # fmt: skip
        connection.execute(articles.insert(), {**article, "id": 7})
        connection.execute(lsh_bands.insert(), rows)
        for key, wanted, probe in (
            (articles.c.canonical_url, articles.c.id, values),
            (lsh_bands.c.band_key, lsh_bands.c.band_key, [-1, 2, 0, 2**62]),
        ):
            expected = set(connection.scalars(select(wanted).where(key.in_(probe))))
            assert set(
                connection.scalars(select(wanted).where(one_of(connection, key, probe)))
            ) == (expected)
        connection.rollback()


@pytest.mark.parametrize("level", LEVELS[:-1], ids=lambda t: t.name)
def test_a_slice_of_keys_is_read_by_index_range(store: Store, level) -> None:
    with store.engine.connect() as connection:
        plan = _plan(connection, select(level.c.article_id).where(level.c.band_key.between(-5, 5)))
    assert "Seq Scan" not in plan and "SCAN " not in plan.replace("SCAN USING", ""), plan
    assert "INDEX" in plan.upper() or "PRIMARY KEY" in plan, plan
