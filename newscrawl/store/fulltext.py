"""The full-text index: headline, description, body, authors, credits and captions.

Derived data, kept current by the store inside each batch's write transaction (an article
and its index entry commit together) and built for existing rows by migration 0005:

- **SQLite**: an FTS5 table ``articles_fts`` whose ``rowid`` is ``articles.id`` (porter
  stemming over the ``unicode61`` tokenizer, accents folded). FTS5 keeps its own copy of
  the text, which is what lets ``snippet()`` cut an excerpt around the match; a trigger
  (``articles_delete_search``) deletes an article's entry with the article, whoever
  deletes it.
- **Postgres**: ``article_search`` (``article_id`` → ``articles.id`` ``ON DELETE CASCADE``,
  ``config``, ``document``): a weighted ``tsvector`` (headline A; description, authors and
  credits B; captions C; body D) built with the text-search configuration of the article's
  language (``english`` for ``en``…; ``simple`` when the language is unknown or has no
  configuration on the server), with a GIN index on ``document``.

Neither table is in :data:`newscrawl.store.schema.metadata`: they are created by raw DDL
(FTS5 is a virtual table, ``tsvector`` has no SQLite type), and :func:`is_search_table`
tells schema comparisons to leave them out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Connection, Select, func, select

from newscrawl.store.engine import dialect_insert
from newscrawl.store.inlist import one_of
from newscrawl.store.schema import article_authors, article_credits, articles, images

#: Postgres: characters of each text that are indexed. A ``tsvector`` cannot exceed 1 MB,
#: and a page's texts are bounded only by the download limit (16 MB). 200,000 characters
#: of body are ~30,000 words, longer than any real article; at most ~320,000 characters in
#: all make at most ~600 KB of tsvector even of short distinct words, so a hostile page
#: never fails its batch.
PG_CHARS = {"headline": 20_000, "b": 50_000, "captions": 50_000, "body": 200_000}

#: Articles indexed per statement by :func:`rebuild`.
REBUILD_CHUNK = 2000

#: ISO 639-1 code -> Postgres text-search configuration (those that ship with Postgres 15).
PG_CONFIGS: dict[str, str] = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "da": "danish",
    "nl": "dutch", "en": "english", "fi": "finnish", "fr": "french", "de": "german",
    "el": "greek", "hi": "hindi", "hu": "hungarian", "id": "indonesian", "ga": "irish",
    "it": "italian", "lt": "lithuanian", "ne": "nepali", "no": "norwegian",
    "nb": "norwegian", "nn": "norwegian", "pt": "portuguese", "ro": "romanian",
    "ru": "russian", "sr": "serbian", "es": "spanish", "sv": "swedish", "ta": "tamil",
    "tr": "turkish", "yi": "yiddish",
}  # fmt: skip

SQLITE_TABLE = "articles_fts"
PG_TABLE = "article_search"
#: Columns of the SQLite index, in order (bm25 weights follow it; newscrawl.store.search).
FTS_COLUMNS = ("headline", "description", "body", "authors", "credits", "captions")

SQLITE_DDL = (
    "CREATE VIRTUAL TABLE articles_fts USING fts5("
    "headline, description, body, authors, credits, captions, "
    "tokenize = 'porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER articles_delete_search AFTER DELETE ON articles "
    "BEGIN DELETE FROM articles_fts WHERE rowid = OLD.id; END",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS articles_delete_search",
    "DROP TABLE IF EXISTS articles_fts",
)
PG_DDL = (
    "CREATE TABLE article_search ("
    "article_id BIGINT NOT NULL, config TEXT NOT NULL, document TSVECTOR NOT NULL, "
    "CONSTRAINT pk_article_search PRIMARY KEY (article_id), "
    "CONSTRAINT fk_article_search_article_id_articles FOREIGN KEY (article_id) "
    "REFERENCES articles (id) ON DELETE CASCADE)",
    "CREATE INDEX ix_article_search_document ON article_search USING gin (document)",
    # the configurations in use, read by a loose index scan (newscrawl.store.search)
    "CREATE INDEX ix_article_search_config ON article_search (config)",
)
PG_DROP = ("DROP TABLE IF EXISTS article_search",)

fts = sa.table(
    SQLITE_TABLE,
    sa.column("rowid", sa.Integer),
    sa.column(SQLITE_TABLE, sa.Text),  # FTS5's hidden column named after the table: MATCH
    *(sa.column(name, sa.Text) for name in FTS_COLUMNS),
)
article_search = sa.table(
    PG_TABLE,
    sa.column("article_id", sa.BigInteger),
    sa.column("config", sa.Text),
    sa.column("document", sa.Text),  # a tsvector, only ever built and read in SQL
)


def is_search_table(name: str | None) -> bool:
    """The index's tables (FTS5's shadow tables included), which are not in the metadata.

    >>> is_search_table("articles_fts_data"), is_search_table("article_search")
    (True, True)
    >>> is_search_table("articles")
    False
    """
    return bool(name) and (name == PG_TABLE or str(name).startswith(SQLITE_TABLE))


def create(connection: Connection) -> None:
    """Create the index's tables (empty), for the connection's dialect."""
    for statement in SQLITE_DDL if connection.dialect.name == "sqlite" else PG_DDL:
        connection.execute(sa.text(statement))


def drop(connection: Connection) -> None:
    for statement in SQLITE_DROP if connection.dialect.name == "sqlite" else PG_DROP:
        connection.execute(sa.text(statement))


def _joined(connection: Connection, value: ColumnElement[Any]) -> Any:
    """Values of a column joined by spaces (an aggregate)."""
    if connection.dialect.name == "postgresql":
        return func.string_agg(value, sa.literal(" "))
    return func.group_concat(value, " ")


def _document_parts(connection: Connection) -> dict[str, ColumnElement[Any]]:
    """Each indexed text of an ``articles`` row, as correlated expressions."""

    def child(table: sa.Table, value: ColumnElement[Any]) -> Any:
        query = select(_joined(connection, value)).where(table.c.article_id == articles.c.id)
        return func.coalesce(query.scalar_subquery(), "")

    caption = func.coalesce(images.c.caption, "") + " " + func.coalesce(images.c.credit, "")
    return {
        "headline": func.coalesce(articles.c.headline, ""),
        "description": func.coalesce(articles.c.description, ""),
        "body": func.coalesce(articles.c.body, ""),
        "authors": child(article_authors, article_authors.c.name),
        "credits": child(article_credits, article_credits.c.agency),
        "captions": child(images, caption),
    }


def pg_config_of(language: ColumnElement[Any]) -> ColumnElement[str]:
    """The text-search configuration for a language code (``en``, ``en-GB``), in SQL: the
    mapped configuration when the server has it, else ``simple``."""
    code = func.split_part(func.replace(func.lower(language), "_", "-"), "-", 1)
    mapped = sa.case(PG_CONFIGS, value=code, else_=sa.null())
    exists = sa.table("pg_ts_config", sa.column("cfgname", sa.Text))
    known = select(exists.c.cfgname).where(exists.c.cfgname == mapped).scalar_subquery()
    return func.coalesce(known, "simple")


class _RegConfig(sa.types.UserDefinedType[str]):
    """Postgres ``regconfig`` (only ever cast to, in SQL)."""

    cache_ok = True

    def get_col_spec(self, **_: Any) -> str:
        return "regconfig"


REGCONFIG = _RegConfig()


#: tsvector weights, as SQL literals (``setweight`` takes a ``"char"``, not a parameter).
_WEIGHT: dict[str, ColumnElement[Any]] = {w: sa.literal_column(f"'{w}'") for w in "ABCD"}


def _pg_select(connection: Connection, where: ColumnElement[bool] | None) -> Select[Any]:
    parts = _document_parts(connection)
    texts = {
        "headline": parts["headline"],
        "b": parts["description"] + " " + parts["authors"] + " " + parts["credits"],
        "captions": parts["captions"],
        "body": parts["body"],
    }
    inner = select(
        articles.c.id.label("article_id"),
        pg_config_of(articles.c.language).label("config"),
        *(func.left(text, PG_CHARS[name]).label(name) for name, text in texts.items()),
    )
    if where is not None:
        inner = inner.where(where)
    row = inner.subquery("indexed")
    config = sa.cast(row.c.config, REGCONFIG)
    document = (
        func.setweight(func.to_tsvector(config, row.c.headline), _WEIGHT["A"])
        .op("||")(func.setweight(func.to_tsvector(config, row.c.b), _WEIGHT["B"]))
        .op("||")(func.setweight(func.to_tsvector(config, row.c.captions), _WEIGHT["C"]))
        .op("||")(func.setweight(func.to_tsvector(config, row.c.body), _WEIGHT["D"]))
    )
    return select(row.c.article_id, row.c.config, document)


def _sqlite_select(connection: Connection, where: ColumnElement[bool] | None) -> Select[Any]:
    parts = _document_parts(connection)
    query = select(articles.c.id, *(parts[name] for name in FTS_COLUMNS))
    return query if where is None else query.where(where)


def _write(connection: Connection, where: ColumnElement[bool] | None) -> None:
    """(Re)index the articles ``where`` selects (all when None)."""
    if connection.dialect.name == "sqlite":
        columns = ["rowid", *FTS_COLUMNS]
        connection.execute(fts.insert().from_select(columns, _sqlite_select(connection, where)))
        return
    stmt = dialect_insert(connection, article_search).from_select(
        ["article_id", "config", "document"], _pg_select(connection, where)
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[article_search.c.article_id],
        set_={"config": stmt.excluded.config, "document": stmt.excluded.document},
    )
    connection.execute(stmt)


def reindex(connection: Connection, ids: Sequence[int]) -> None:
    """Bring the index entries of ``ids`` up to date with their rows (in the caller's
    transaction, after the rows and their children are written)."""
    if not ids:
        return
    if connection.dialect.name == "sqlite":
        connection.execute(fts.delete().where(one_of(connection, fts.c.rowid, ids)))
    _write(connection, one_of(connection, articles.c.id, ids))


def rebuild(connection: Connection) -> int:
    """Index every stored article from scratch (migration 0005); returns how many."""
    if connection.dialect.name == "sqlite":
        connection.execute(fts.delete())
    else:
        connection.execute(article_search.delete())
    count = 0
    last = 0
    while True:
        query = select(articles.c.id).where(articles.c.id > last).order_by(articles.c.id)
        ids = list(connection.scalars(query.limit(REBUILD_CHUNK)))
        if not ids:
            return count
        _write(connection, articles.c.id.between(ids[0], ids[-1]))
        count += len(ids)
        last = ids[-1]
