"""``newscrawl db upgrade [--database-url URL]``: apply pending schema migrations;
``newscrawl db reindex``: rebuild the full-text index; ``newscrawl db rename-publishers``:
give rows stored under another name of their publisher its one name.

The URL defaults to ``NEWSCRAWL_DATABASE_URL``, then ``sqlite:///news.db``. Crawls
apply migrations themselves on SQLite; on Postgres they refuse to start until this has
been run. Also the database options and the read-only opening shared by ``export`` and
``stats``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection

from newscrawl.cli import CommandError
from newscrawl.store import Store
from newscrawl.store.engine import database_url_from_env, describe_url
from newscrawl.store.migrate import upgrade
from newscrawl.store.problems import explained, readonly_url

T = TypeVar("T")

DESCRIPTION = """\
Create the database's tables, or bring them up to date after installing a newer newscrawl.
Crawls into SQLite do this themselves; on Postgres run it once before the first crawl and
after each upgrade of newscrawl.
"""


def add_database_url(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="sqlite:///PATH or postgresql://USER@HOST/DATABASE "
        "(default: $NEWSCRAWL_DATABASE_URL, else sqlite:///news.db)",
    )


def open_for_reading(database_url: str | None) -> Store:
    """The store for a command that only reads: never creates a database (an SQLite file
    must exist and is opened read-only), and says in one line what is wrong otherwise."""
    url = readonly_url(database_url_from_env(database_url))
    with explained(url):
        return Store.open(url, auto_upgrade=False)


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "db",
        help="create or upgrade the database's tables",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    up = actions.add_parser(
        "upgrade",
        help="apply pending migrations",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_database_url(up)
    up.add_argument("--revision", default="head", help="target revision (default: head)")
    up.set_defaults(func=run_upgrade)
    again = actions.add_parser(
        "reindex",
        help="rebuild the full-text search index (after editing articles by hand)",
        description="Rebuild the full-text search index of every stored article, in one "
        "transaction (the store keeps it current itself; see docs/schema.md).",
    )
    add_database_url(again)
    again.set_defaults(func=run_reindex)
    rename = actions.add_parser(
        "rename-publishers",
        help="store every article under its publisher's one name (after an upgrade)",
        description="Give rows stored under another name of their publisher (an alias such as "
        "'Associated Press' for AP News, or a site's varying names) the name a crawl stores "
        "now, with its publisher_key, and mark them changed for incremental exports. Safe to "
        "run again (after a catalogue update); see docs/schema.md.",
    )
    add_database_url(rename)
    rename.add_argument(
        "--dry-run", action="store_true", help="say what would change, change nothing"
    )
    rename.set_defaults(func=run_rename_publishers)


def in_one_transaction(url: str, work: Callable[[Connection], T]) -> T:
    """``work`` in one write transaction on an existing, migrated database (never created)."""
    from newscrawl.store.engine import WRITE_TRANSACTION

    readonly_url(url)  # a database that does not exist is an error, never created
    with explained(url):
        store = Store.open(url, auto_upgrade=False)
    try:
        connection = store.engine.connect().execution_options(**WRITE_TRANSACTION)
        with connection, connection.begin():
            return work(connection)
    finally:
        store.close()


def run_reindex(args: argparse.Namespace) -> int:
    from newscrawl.store import fulltext

    url = database_url_from_env(args.database_url)
    count = in_one_transaction(url, fulltext.rebuild)
    print(f"{describe_url(url)}: full-text index rebuilt for {count} articles")
    return 0


def run_rename_publishers(args: argparse.Namespace) -> int:
    from newscrawl.store.rename import rename_publishers

    url = database_url_from_env(args.database_url)
    summary = in_one_transaction(
        url, lambda connection: rename_publishers(connection, dry_run=args.dry_run)
    )
    for (old, new), rows in sorted(summary.items()):
        print(f"{old or '(none)'} -> {new or '(none)'}: {rows}")
    verb = "would rename" if args.dry_run else "renamed"
    print(f"{describe_url(url)}: {verb} {sum(summary.values())} articles")
    return 0


def run_upgrade(args: argparse.Namespace) -> int:
    from alembic.util.exc import CommandError as AlembicError

    url = database_url_from_env(args.database_url)
    try:
        with explained(url):
            before, after = upgrade(url, args.revision)
    except AlembicError as error:  # e.g. an unknown --revision
        raise CommandError(str(error)) from error
    where = describe_url(url)
    if before == after:
        print(f"{where}: schema already at revision {after}")
    else:
        print(f"{where}: schema upgraded from {before or 'empty'} to {after}")
    return 0
