"""LSH band index in three levels: ``lsh_bands_new`` and ``lsh_bands_mid`` before ``lsh_bands``.

New band keys go to the small ``lsh_bands_new`` and move on in slices of the key space
(newscrawl/store/bands.py), so a write dirties a few neighbouring pages instead of one
scattered page per key. ``lsh_bands`` keeps its rows but loses its foreign key and its
``article_id`` index: rows moved into it in key order would otherwise cost a scattered
write each there. On SQLite that means rebuilding the table (a foreign key cannot be
dropped in place); the rows are copied in key order. Downgrading moves every row back
into ``lsh_bands`` and restores the key and the index.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 22:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from newscrawl.store.engine import dialect_insert

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ARTICLE_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_FOREIGN_KEY = "fk_lsh_bands_article_id_articles"
_INDEX = "ix_lsh_bands_article_id"


def _create_level(name: str, *, linked: bool = False, key_name: str | None = None) -> None:
    """A band table; ``linked``: with the foreign key of revisions 0001–0002."""
    constraints: list[sa.Constraint] = [
        sa.PrimaryKeyConstraint("band_key", "article_id", name=op.f(key_name or f"pk_{name}"))
    ]
    if linked:
        constraints.append(
            sa.ForeignKeyConstraint(
                ["article_id"], ["articles.id"], name=op.f(_FOREIGN_KEY), ondelete="CASCADE"
            )
        )
    op.create_table(
        name,
        sa.Column("band_key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("article_id", _ARTICLE_ID, autoincrement=False, nullable=False),
        *constraints,
        sqlite_with_rowid=False,
    )


def _band_table(name: str) -> sa.TableClause:
    return sa.table(
        name, sa.column("band_key", sa.BigInteger), sa.column("article_id", _ARTICLE_ID)
    )


def _copy_sorted(source: str, target: str) -> None:
    """Copy every row of one band table into another, in key order, skipping rows it has."""
    rows = _band_table(source)
    ordered = sa.select(rows.c.band_key, rows.c.article_id).where(sa.true())
    connection = op.get_bind()
    connection.execute(
        dialect_insert(connection, _band_table(target))
        .from_select(
            ["band_key", "article_id"], ordered.order_by(rows.c.band_key, rows.c.article_id)
        )
        .on_conflict_do_nothing()
    )


def _rebuild_sqlite_bands(*, linked: bool) -> None:
    """SQLite: recreate ``lsh_bands`` with or without its foreign key, rows in key order."""
    _create_level("lsh_bands_rebuild", linked=linked, key_name="pk_lsh_bands")
    _copy_sorted("lsh_bands", "lsh_bands_rebuild")
    op.drop_table("lsh_bands")
    op.rename_table("lsh_bands_rebuild", "lsh_bands")


def upgrade() -> None:
    op.drop_index(_INDEX, table_name="lsh_bands")
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite_bands(linked=False)
    else:
        op.drop_constraint(_FOREIGN_KEY, "lsh_bands", type_="foreignkey")
    _create_level("lsh_bands_new")
    _create_level("lsh_bands_mid")


def downgrade() -> None:
    for level in ("lsh_bands_new", "lsh_bands_mid"):
        _copy_sorted(level, "lsh_bands")
        op.drop_table(level)
    # rows of articles deleted meanwhile would break the restored foreign key
    bands, articles = _band_table("lsh_bands"), sa.table("articles", sa.column("id"))
    op.execute(sa.delete(bands).where(bands.c.article_id.not_in(sa.select(articles.c.id))))
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite_bands(linked=True)
    else:
        op.create_foreign_key(
            _FOREIGN_KEY, "lsh_bands", "articles", ["article_id"], ["id"], ondelete="CASCADE"
        )
    op.create_index(_INDEX, "lsh_bands", ["article_id"], unique=False)
