"""Shared fixtures: every storage and dedupe test runs on SQLite and on a real Postgres.

Postgres tests create a database of their own on the local server
(``NEWSCRAWL_TEST_POSTGRES_URL``, default ``postgresql://postgres@127.0.0.1:5432/postgres``)
and drop it afterwards. When the server is unreachable they are skipped, except in CI
(``CI`` set), where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import make_url
from sqlalchemy.pool import NullPool

from newscrawl.store import Store, upgrade
from newscrawl.store.engine import create_engine
from newscrawl.store.schema import metadata
from tests.reactorkit import (
    install_asyncio_reactor,
    reactor,  # noqa: F401  (the session's reactor, a fixture)
)

install_asyncio_reactor()  # before a test module imports twisted.internet.reactor

ADMIN_URL = os.environ.get(
    "NEWSCRAWL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _admin_conninfo() -> str:
    url = make_url(ADMIN_URL)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _postgres_or_skip() -> None:
    try:
        with psycopg.connect(_admin_conninfo(), connect_timeout=3):
            pass
    except psycopg.OperationalError as error:
        if os.environ.get("CI"):
            pytest.fail(f"Postgres unreachable in CI: {error}")
        pytest.skip(f"Postgres unreachable: {error}")


@pytest.fixture(scope="session")
def make_postgres_database() -> Iterator:
    """A factory of fresh Postgres databases, all dropped at the end of the session."""
    created: list[str] = []

    def make() -> str:
        _postgres_or_skip()
        name = f"newscrawl_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(_admin_conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        created.append(name)
        url = make_url(ADMIN_URL).set(drivername="postgresql+psycopg", database=name)
        return url.render_as_string(hide_password=False)

    yield make
    if created:
        with psycopg.connect(_admin_conninfo(), autocommit=True) as conn:
            for name in created:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


@pytest.fixture(scope="session")
def _migrated_postgres(make_postgres_database) -> str:
    url = make_postgres_database()
    upgrade(url)
    return url


def _empty_tables(url: str) -> None:
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def empty_database_url(request, tmp_path, make_postgres_database) -> str:
    """A database with no tables at all (for migration tests)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'news.db'}"
    return make_postgres_database()


@pytest.fixture(scope="session")
def _migrated_sqlite_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "news.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> str:
    """A migrated, empty database: a temp SQLite file, or a test Postgres database."""
    if request.param == "sqlite":
        path = tmp_path / "news.db"
        shutil.copyfile(request.getfixturevalue("_migrated_sqlite_file"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("_migrated_postgres")
    _empty_tables(url)
    return url


@pytest.fixture
def store(database_url) -> Iterator[Store]:
    opened = Store.open(database_url)
    yield opened
    opened.close()
