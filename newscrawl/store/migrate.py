"""Schema migrations: apply them (``upgrade``) or check that a database is current.

The migration scripts ship inside the package (``newscrawl/store/migrations``) and run
on a connection we open, so no config file ever holds the database URL. Upgrades take
the write lock first (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on Postgres) so
two crawlers starting at once do not both migrate.
"""

from __future__ import annotations

import logging

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, func, select

from newscrawl.store.engine import WRITE_TRANSACTION, create_engine, describe_url
from newscrawl.store.problems import DatabaseProblem

logger = logging.getLogger(__name__)

SCRIPT_LOCATION = "newscrawl.store:migrations"
#: Postgres advisory lock key held while migrating ("newscraw" in ASCII).
MIGRATION_LOCK_KEY = 0x6E657773637261


class SchemaOutdatedError(DatabaseProblem, RuntimeError):
    """The database schema is older (or newer) than this version of newscrawl expects
    (a configuration problem: exit code 2)."""


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    """The revision this code expects."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at (``None`` for an empty database)."""
    return MigrationContext.configure(connection).get_current_revision()


def _lock_for_migration(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK_KEY)))


def upgrade_engine(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Apply pending migrations; returns (revision before, revision after)."""
    with engine.connect().execution_options(**WRITE_TRANSACTION) as connection:
        with connection.begin():
            _lock_for_migration(connection)
            before = current_revision(connection)
            command.upgrade(alembic_config(connection), revision)
        with connection.begin():
            after = current_revision(connection)
    return before, after


def upgrade(
    database_url: str | None = None, revision: str = "head"
) -> tuple[str | None, str | None]:
    """Bring the database at ``database_url`` up to ``revision`` (default: the latest)."""
    engine = create_engine(database_url)
    try:
        return upgrade_engine(engine, revision)
    finally:
        engine.dispose()


def ensure_schema(engine: Engine, *, auto_upgrade: bool) -> None:
    """Make sure the schema is current before a crawl writes to it.

    With ``auto_upgrade`` (SQLite) pending migrations are applied; otherwise
    (Postgres, shared by other jobs) an outdated schema raises
    :class:`SchemaOutdatedError` naming the command that fixes it.
    """
    head = head_revision()
    with engine.connect() as connection:
        current = current_revision(connection)
    if current == head:
        return
    known = {
        script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()
    }
    if current is not None and current not in known:
        raise SchemaOutdatedError(
            f"database {describe_url(engine.url)} is at schema revision {current}, newer than "
            f"this newscrawl knows ({head}): upgrade newscrawl"
        )
    if auto_upgrade:
        before, after = upgrade_engine(engine)
        logger.info(
            "database %s: schema upgraded from %s to %s",
            describe_url(engine.url),
            before or "empty",
            after,
        )
        return
    raise SchemaOutdatedError(
        f"database {describe_url(engine.url)} is at schema revision {current or 'none'}, "
        f"this newscrawl needs {head}: run `newscrawl db upgrade --database-url <URL>` "
        "(or set NEWSCRAWL_DATABASE_URL) and start the crawl again"
    )
