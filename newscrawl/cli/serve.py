"""``newscrawl serve [--database-url URL] [--host 127.0.0.1] [--port 8080]``: the reader.

A read-only web view of the database (latest stories, articles with their sightings and
revisions, search, publishers, crawl runs) and its JSON API (``/api/search``,
``/api/articles?cursor=``). Listens on 127.0.0.1 unless told otherwise (docs/reader.md).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from newscrawl.cli import CommandError
from newscrawl.cli.db import add_database_url, open_for_reading
from newscrawl.store.engine import database_url_from_env, describe_url

DESCRIPTION = """\
Serve a read-only web reader over the database: the latest stories (one wire story's
publishers side by side), each article with its credits, pictures, every URL it was seen at
and its earlier versions, search, publishers and crawl runs; and a JSON API for downstream
jobs: /api/search?q=… (the filters of `newscrawl search`) and /api/articles?cursor=… (the
export cursor). Listens on 127.0.0.1 unless --host says otherwise: it has no login, so
anyone who can reach it can read the database. --port 0 picks a free port. The first line
printed is the URL. Stop with Ctrl-C.
"""


def parse_port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port from 0 to 65535, not {value!r}")
    return port


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="a read-only web reader and JSON API over the database",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_database_url(parser)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=parse_port, default=8080, help="port (8080; 0: any)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from newscrawl.reader.server import bind, serve

    store = open_for_reading(args.database_url)
    try:
        try:
            sock = bind(args.host, args.port)
        except OSError as error:
            reason = error.strerror or str(error)
            raise CommandError(f"cannot listen on {args.host}:{args.port}: {reason}") from None
        host, port = sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        where = describe_url(database_url_from_env(args.database_url))
        print(f"newscrawl serve: http://{shown}:{port}/ (read-only, {where})", flush=True)
        if args.host not in ("127.0.0.1", "localhost", "::1"):
            print(f"newscrawl serve: listening on {args.host}: anyone who can reach it can read "
                  "the database (there is no login)", file=sys.stderr)  # fmt: skip
        serve(store.engine, sock, args.host)
    finally:
        store.close()
    return 0
