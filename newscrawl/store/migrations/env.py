"""Alembic environment: runs on the connection that newscrawl.store.migrate hands over.

Run from newscrawl (``newscrawl db upgrade``), never through a bare ``alembic`` command,
so that the database URL is never written into a config file.
"""

from __future__ import annotations

from alembic import context

from newscrawl.store.fulltext import is_search_table
from newscrawl.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    # the full-text index is raw DDL, not in the metadata (newscrawl/store/fulltext.py)
    include_name=lambda name, kind, _parents: kind != "table" or not is_search_table(name),
)
with context.begin_transaction():
    context.run_migrations()
