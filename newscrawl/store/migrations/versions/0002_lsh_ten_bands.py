"""LSH bands: 10 bands of 3 rows (30 permutations) instead of 16 of 4; keys recomputed.

Every article body gets 10 ``lsh_bands`` rows instead of 16. Each row is an insert at a
random place of the table's index, and once the table is large those scattered index
pages are most of what a batch writes (docs/schema.md). The keys of every stored body
are recomputed from ``articles.body``; downgrading recomputes the old ones.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 18:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from newscrawl.dedupe.fingerprint import body_bands, words

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (permutations, bands) of each side of this revision, written out so that later changes
#: to the defaults in newscrawl.dedupe.fingerprint never change what this migration computes.
BEFORE = (64, 16)
AFTER = (30, 10)
#: Articles read (and fingerprinted) per query.
CHUNK = 500

_articles = sa.table("articles", sa.column("id", sa.BigInteger), sa.column("body", sa.Text))
_bands = sa.table(
    "lsh_bands", sa.column("band_key", sa.BigInteger), sa.column("article_id", sa.BigInteger)
)
_rebuild = sa.table(
    "lsh_bands_rebuild",
    sa.column("band_key", sa.BigInteger),
    sa.column("article_id", sa.BigInteger),
)


def recompute_bands(connection: sa.Connection, num_perm: int, bands: int) -> int:
    """Replace every ``lsh_bands`` row by the keys of the stored bodies; returns rows written.

    Keys go to a scratch table first and into ``lsh_bands`` in key order, so the index is
    built by appending rather than by inserts scattered over it.
    """
    op.create_table(
        "lsh_bands_rebuild",
        sa.Column("band_key", sa.BigInteger(), nullable=False),
        sa.Column("article_id", sa.BigInteger(), nullable=False),
    )
    last = 0
    while True:
        rows = connection.execute(
            sa.select(_articles.c.id, _articles.c.body)
            .where(_articles.c.id > last)
            .order_by(_articles.c.id)
            .limit(CHUNK)
        ).all()
        if not rows:
            break
        last = rows[-1].id
        pairs = {
            (key, article_id)
            for article_id, body in rows
            for key in body_bands(words(body), num_perm, bands)
        }
        if pairs:
            connection.execute(
                _rebuild.insert(), [{"band_key": k, "article_id": a} for k, a in sorted(pairs)]
            )
    connection.execute(sa.delete(_bands))
    written = connection.execute(
        sa.insert(_bands).from_select(
            ["band_key", "article_id"],
            sa.select(_rebuild.c.band_key, _rebuild.c.article_id).order_by(
                _rebuild.c.band_key, _rebuild.c.article_id
            ),
        )
    ).rowcount
    op.drop_table("lsh_bands_rebuild")
    return written


def upgrade() -> None:
    recompute_bands(op.get_bind(), *AFTER)


def downgrade() -> None:
    recompute_bands(op.get_bind(), *BEFORE)
