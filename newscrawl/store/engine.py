"""Engine creation: one code path for SQLite (the default) and Postgres (psycopg 3).

SQLite gets WAL (readers never block the writer), a busy timeout, foreign keys and a
larger page cache; writers open their transaction with ``BEGIN IMMEDIATE`` so two
processes queue for the lock instead of failing half-way. Database URLs are only ever
logged through :func:`describe_url`, which hides the password.
"""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import Connection, Engine, TableClause, event
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url

from newscrawl.store.problems import check_url, shown

DEFAULT_DATABASE_URL = "sqlite:///news.db"
#: Execution option that makes an SQLite transaction take the write lock at BEGIN.
WRITE_TRANSACTION = {"newscrawl_write": True}
#: Long enough for another writer's batch, short enough not to stall a crawl on a locked file.
SQLITE_BUSY_TIMEOUT_MS = 2000
POSTGRES_CONNECT_TIMEOUT_S = 5
#: Set on every SQLite connection: WAL so readers never block the writer, foreign keys
#: for the cascades, NORMAL sync (durable at checkpoints, safe with WAL), a 16 MiB page cache
#: (a crawl's RSS must not grow with the database file; 64 MiB cost +46 MB from 1k to 10k pages).
#: A Store checkpoints on a thread of its own (newscrawl.store.checkpoint) a quarter of a second
#: after its batches and restarts the WAL past 128 MiB; ``wal_autocheckpoint`` at 65,536 pages
#: (256 MiB) is only the writers' backstop should that thread fall behind, and a WAL file left
#: over 256 MiB is truncated (below that it is overwritten in place, which costs a fifth of
#: growing it again).
SQLITE_PRAGMAS = [
    "journal_mode=WAL",
    "foreign_keys=ON",
    "synchronous=NORMAL",
    "cache_size=-16384",
    "wal_autocheckpoint=65536",
    "journal_size_limit=268435456",
]


def database_url_from_env(explicit: str | None = None) -> str:
    """The URL to use: an explicit one, else ``NEWSCRAWL_DATABASE_URL``, else ``news.db``."""
    return explicit or os.environ.get("NEWSCRAWL_DATABASE_URL") or DEFAULT_DATABASE_URL


def normalize_database_url(url: str | URL) -> URL:
    """Map plain ``postgresql://`` (and ``postgres://``) URLs onto the psycopg 3 driver.

    >>> normalize_database_url("postgresql://u:secret@h/db").drivername
    'postgresql+psycopg'
    >>> normalize_database_url("postgres://h/db").drivername
    'postgresql+psycopg'
    >>> normalize_database_url("sqlite:///news.db").drivername
    'sqlite'
    """
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def describe_url(url: str | URL) -> str:
    """The URL as it may appear in logs and in ``crawl_runs``: password masked (also in a
    string that is not a URL at all).

    >>> describe_url("postgresql://crawler:s3cret@db.example/news")
    'postgresql+psycopg://crawler:***@db.example/news'
    """
    try:
        return normalize_database_url(url).render_as_string(hide_password=True)
    except Exception:
        return shown(url)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy emit BEGIN itself (pysqlite's legacy mode skips it for SELECTs).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (*SQLITE_PRAGMAS, f"busy_timeout={SQLITE_BUSY_TIMEOUT_MS}"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_on_begin(connection: Any) -> None:
    immediate = connection.get_execution_options().get("newscrawl_write")
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_engine(url: str | URL | None = None, **kwargs: Any) -> Engine:
    """A SQLAlchemy engine for ``url`` (default: environment, then ``sqlite:///news.db``).

    A URL newscrawl cannot use (not a URL, another database) raises
    :class:`~newscrawl.store.problems.DatabaseProblem` saying so.
    """
    parsed = normalize_database_url(
        check_url(url if isinstance(url, URL) else database_url_from_env(url))
    )
    if parsed.get_backend_name() == "sqlite":
        engine = sa_create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    connect_args = kwargs.pop("connect_args", {})
    connect_args.setdefault("connect_timeout", POSTGRES_CONNECT_TIMEOUT_S)
    return sa_create_engine(parsed, pool_pre_ping=True, connect_args=connect_args, **kwargs)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def is_sqlite_file(engine: Engine) -> bool:
    """An SQLite database in a file (not in memory), so written through its WAL."""
    database = engine.url.database or ""
    in_memory = database in ("", ":memory:") or engine.url.query.get("mode") == "memory"
    return is_sqlite(engine) and not in_memory


def dialect_insert(connection: Connection, table: TableClause) -> Any:
    """An INSERT that knows ``on_conflict_do_*`` for the connection's dialect."""
    module = postgresql if connection.dialect.name == "postgresql" else sqlite
    return module.insert(table)
