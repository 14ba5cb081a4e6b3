"""Alembic environment: runs on the connection that newscrawl.store.migrate hands over.

Run from newscrawl (``newscrawl db upgrade``), never through a bare ``alembic`` command,
so that the database URL is never written into a config file.
"""

from __future__ import annotations

from alembic import context

from newscrawl.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
