"""Full-text search: SQLite FTS5 ``articles_fts``, Postgres ``article_search`` (tsvector, GIN).

The index covers headline, description, body, authors, credits and image captions and
credits (newscrawl/store/fulltext.py). This revision creates it and indexes every stored
article (about a minute per 100,000 articles; it reads every body once); from then on the
store keeps it current in each batch's transaction. Downgrading drops it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from alembic import op

from newscrawl.store import fulltext

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

logger = logging.getLogger(__name__)


def upgrade() -> None:
    connection = op.get_bind()
    fulltext.create(connection)
    count = fulltext.rebuild(connection)
    if count:
        logger.info("full-text index built for %d stored articles", count)


def downgrade() -> None:
    fulltext.drop(op.get_bind())
