"""Migrations match the models, and every de-duplication lookup is served by an index."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, select, text

from newscrawl.store import Store
from newscrawl.store.schema import articles, lsh_bands, metadata, sightings

LOOKUPS = {
    "sightings by URL": select(sightings.c.article_id).where(sightings.c.url.in_(["u1", "u2"])),
    "articles by canonical URL": select(articles.c.id).where(
        articles.c.canonical_url.in_(["u1", "u2"])
    ),
    "articles by content hash": select(articles.c.id).where(
        articles.c.content_hash.in_(["h1", "h2"])
    ),
    "articles by headline key": select(articles.c.id).where(
        articles.c.headline_key.in_(["k1", "k2"])
    ),
    "LSH bands by key": select(lsh_bands.c.article_id).where(lsh_bands.c.band_key.in_([1, 2])),
}


def test_migrated_schema_equals_the_models(store: Store) -> None:
    with store.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), metadata)
    assert diffs == []


def _plan(connection: Connection, query) -> str:
    compiled = query.compile(connection, compile_kwargs={"literal_binds": True})
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").all()
        return " ".join(str(r[-1]) for r in rows)
    connection.execute(text("SET enable_seqscan = off"))  # tiny test tables: ask what can serve
    return " ".join(r[0] for r in connection.exec_driver_sql(f"EXPLAIN {compiled}").all())


@pytest.mark.parametrize("name", sorted(LOOKUPS))
def test_lookup_uses_an_index(store: Store, name: str) -> None:
    with store.engine.connect() as connection:
        plan = _plan(connection, LOOKUPS[name])
    assert "Seq Scan" not in plan and "SCAN " not in plan.replace("SCAN USING", ""), plan
    assert "INDEX" in plan.upper() or "USING PRIMARY KEY" in plan, plan
