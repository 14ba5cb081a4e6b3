"""Where a sighting's WARC record is: ``sightings.warc_file`` and ``sightings.warc_offset``.

Set for pages read by ``newscrawl import`` (the file imported, a path or the URL of a file a
listing named) and for pages a crawl wrote with ``NEWSCRAWL_WARC_DIR`` (the file written):
the offset of the ``response`` record (its gzip member in a gzip'ed file), so a downstream job
can read the exact bytes the article was extracted from. Both null for rows stored before,
or fetched without writing WARC; a later fetch without a record keeps the last place. Adding
nullable columns rewrites no row.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("sightings", sa.Column("warc_file", sa.Text(), nullable=True))
    op.add_column("sightings", sa.Column("warc_offset", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("sightings", "warc_offset")
    op.drop_column("sightings", "warc_file")
