"""The database schema: a public contract for downstream jobs (see docs/schema.md).

SQLAlchemy Core tables, one definition for SQLite and Postgres. Text columns have no
length limit; times are stored in UTC and read back timezone-aware. Change the schema
only together with a new Alembic migration in ``newscrawl/store/migrations/versions``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    Table,
    Text,
    TypeDecorator,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on both dialects (SQLite keeps no offset itself)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: newscrawl stores timezone-aware times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


#: Integer primary keys: BIGINT on Postgres, SQLite's rowid alias INTEGER there.
BigId = BigInteger().with_variant(Integer(), "sqlite")
JSONDoc = JSON().with_variant(JSONB(), "postgresql")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

articles = Table(
    "articles",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("canonical_url", Text, nullable=False, unique=True),
    Column("source", Text),
    Column("publisher", Text),
    Column("publisher_key", Text, nullable=False, server_default=""),
    Column("section", Text),
    Column("headline", Text),
    Column("description", Text),
    Column("body", Text),
    Column("language", Text),
    Column("tags", JSONDoc),
    Column("published_at", UTCDateTime),
    Column("modified_at", UTCDateTime),
    Column("story_id", Uuid, nullable=False),
    Column("content_hash", Text),
    Column("headline_key", Text),
    Column("url_rank", SmallInteger, nullable=False, server_default="1"),
    Column("first_seen_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    # Set by the store on every article a batch touches (newscrawl/store/changes.py): the
    # export cursor. Rows stored before migration 0004 have 0.
    Column("change_seq", BigInteger, nullable=False, server_default="0"),
    Column("updated_at", UTCDateTime),
    Index(None, "story_id"),
    Index(None, "content_hash"),
    Index(None, "headline_key"),
    Index(None, "published_at"),
    Index(None, "last_seen_at"),
    Index(None, "change_seq", "id"),
)

article_authors = Table(
    "article_authors",
    metadata,
    Column("article_id", BigId, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Index(None, "name"),
)

article_credits = Table(
    "article_credits",
    metadata,
    Column("article_id", BigId, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("agency", Text, primary_key=True),
    Index(None, "agency"),
)

images = Table(
    "images",
    metadata,
    Column("article_id", BigId, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("url", Text, nullable=False),
    Column("caption", Text),
    Column("credit", Text),
    Column("width", Integer),
    Column("height", Integer),
)

sightings = Table(
    "sightings",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column(
        "article_id",
        BigId,
        ForeignKey("articles.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("url", Text, nullable=False, unique=True),
    Column("source", Text),
    Column("first_seen_at", UTCDateTime, nullable=False),
    Column("seen_at", UTCDateTime, nullable=False),
    Column("content_hash", Text),
    # where the page's WARC record is (newscrawl import, NEWSCRAWL_WARC_DIR); migration 0006
    Column("warc_file", Text),
    Column("warc_offset", BigInteger),
    Index(None, "seen_at"),
)

article_revisions = Table(
    "article_revisions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column(
        "article_id",
        BigId,
        ForeignKey("articles.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("revised_at", UTCDateTime, nullable=False),
    Column("url", Text),
    Column("headline", Text),
    Column("description", Text),
    Column("body", Text),
    Column("content_hash", Text),
    Column("modified_at", UTCDateTime),
)


def _band_level(name: str) -> Table:
    """One level of the LSH band index (newscrawl.store.bands): the key is the table.

    No foreign key and no ``article_id`` index: rows move between levels in key order,
    and either would add a write at a scattered page for every row moved. Lookups check
    each candidate against its ``articles`` row, so a row of a deleted article is ignored.
    """
    return Table(
        name,
        metadata,
        Column("band_key", BigInteger, primary_key=True, autoincrement=False),
        Column("article_id", BigId, primary_key=True, autoincrement=False),
        sqlite_with_rowid=False,  # one B-tree per level, not a table plus an index
    )


#: The near-duplicate index in three levels: new keys land in the small first table and
#: move on in slices of the key space (see newscrawl/store/bands.py).
lsh_bands_new = _band_level("lsh_bands_new")
lsh_bands_mid = _band_level("lsh_bands_mid")
lsh_bands = _band_level("lsh_bands")

crawl_runs = Table(
    "crawl_runs",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("spider", Text, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("finish_reason", Text),
    Column("pages", Integer, nullable=False, server_default="0"),
    Column("items_scraped", Integer, nullable=False, server_default="0"),
    Column("items_stored", Integer, nullable=False, server_default="0"),
    Column("duplicates", Integer, nullable=False, server_default="0"),
    Column("errors", Integer, nullable=False, server_default="0"),
    Column("drops", JSONDoc),
    Column("stats", JSONDoc),
    Column("source", Text),
    Column("start_urls", JSONDoc),
    Index(None, "spider", "started_at"),
)

#: SQLite only: the last ``articles.change_seq`` handed out (one row, ``id`` 1). A counter
#: rather than ``max(change_seq) + 1``, so deleting the newest rows by hand never hands out
#: a number again that an export has already passed. Postgres uses transaction ids instead.
change_counter = Table(
    "change_counter",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("last_seq", BigInteger, nullable=False),
)
