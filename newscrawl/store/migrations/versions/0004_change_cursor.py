"""Change cursor for incremental exports, crawl run sources, cascades enforced on SQLite.

- ``articles.change_seq`` (bigint, indexed with ``id``) and ``articles.updated_at``: set by
  the store on every article a batch touches (newscrawl/store/changes.py). Existing rows
  get 0, below any cursor, so a first export without a cursor prints them all; the column
  is added with a constant default, so no row is rewritten. ``change_counter`` holds
  SQLite's last number (Postgres uses transaction ids).
- ``crawl_runs.source`` (filled for old rows from their stats' ``newscrawl/source``) and
  ``crawl_runs.start_urls``.
- SQLite: an ``AFTER DELETE`` trigger on ``articles`` deletes its authors, credits, images,
  sightings and revisions, so the documented cascade holds for a connection that did not
  turn foreign keys on (the sqlite3 shell). Children already orphaned that way are deleted.
  Postgres enforces the cascade with its foreign keys already.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEX = "ix_articles_change_seq_id"
#: Tables whose rows belong to an article (``ON DELETE CASCADE`` in the schema).
_CHILDREN = ("article_authors", "article_credits", "images", "sightings", "article_revisions")
#: SQLite: the cascade for connections that did not turn foreign keys on.
_CREATE_TRIGGER = """
CREATE TRIGGER articles_delete_children AFTER DELETE ON articles
BEGIN
    DELETE FROM article_authors WHERE article_id = OLD.id;
    DELETE FROM article_credits WHERE article_id = OLD.id;
    DELETE FROM images WHERE article_id = OLD.id;
    DELETE FROM sightings WHERE article_id = OLD.id;
    DELETE FROM article_revisions WHERE article_id = OLD.id;
END
"""
_DROP_TRIGGER = "DROP TRIGGER IF EXISTS articles_delete_children"
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _backfill_run_sources() -> None:
    """Runs recorded before this revision kept their source only in their stats."""
    if _is_sqlite():
        op.execute(
            "UPDATE crawl_runs SET source = json_extract(stats, '$.\"newscrawl/source\"') "
            "WHERE json_valid(stats)"
        )
    else:
        op.execute("UPDATE crawl_runs SET source = stats ->> 'newscrawl/source'")


def _cascade_on_sqlite() -> None:
    """Delete the children earlier hand deletions orphaned, then create the trigger."""
    stored = sa.select(sa.table("articles", sa.column("id")).c.id)
    for name in _CHILDREN:
        children = sa.table(name, sa.column("article_id"))
        op.execute(sa.delete(children).where(children.c.article_id.not_in(stored)))
    op.execute(_CREATE_TRIGGER)


def upgrade() -> None:
    op.add_column(
        "articles", sa.Column("change_seq", sa.BigInteger(), nullable=False, server_default="0")
    )
    op.add_column("articles", sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(_INDEX, "articles", ["change_seq", "id"], unique=False)
    op.create_table(
        "change_counter",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_counter")),
    )
    op.add_column("crawl_runs", sa.Column("source", sa.Text(), nullable=True))
    op.add_column("crawl_runs", sa.Column("start_urls", _JSON, nullable=True))
    _backfill_run_sources()
    if _is_sqlite():
        _cascade_on_sqlite()


def downgrade() -> None:
    if _is_sqlite():
        op.execute(_DROP_TRIGGER)
    op.drop_column("crawl_runs", "start_urls")
    op.drop_column("crawl_runs", "source")
    op.drop_table("change_counter")
    op.drop_index(_INDEX, table_name="articles")
    op.drop_column("articles", "updated_at")
    op.drop_column("articles", "change_seq")
