"""``newscrawl db upgrade [--database-url URL]``: apply pending schema migrations.

The URL defaults to ``NEWSCRAWL_DATABASE_URL``, then ``sqlite:///news.db``. Crawls
apply migrations themselves on SQLite; on Postgres they refuse to start until this has
been run.
"""

from __future__ import annotations

import argparse
from typing import Any

from newscrawl.store.engine import database_url_from_env, describe_url
from newscrawl.store.migrate import upgrade


def add_database_url(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        help="SQLAlchemy URL (default: $NEWSCRAWL_DATABASE_URL, else sqlite:///news.db)",
    )


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "db",
        help="manage the database schema",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", required=True)
    up = actions.add_parser("upgrade", help="apply pending migrations")
    add_database_url(up)
    up.add_argument("--revision", default="head", help="target revision (default: head)")
    up.set_defaults(func=run_upgrade)


def run_upgrade(args: argparse.Namespace) -> int:
    url = database_url_from_env(args.database_url)
    before, after = upgrade(url, args.revision)
    where = describe_url(url)
    if before == after:
        print(f"{where}: schema already at revision {after}")
    else:
        print(f"{where}: schema upgraded from {before or 'empty'} to {after}")
    return 0
