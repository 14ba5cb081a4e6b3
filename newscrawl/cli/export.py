"""``newscrawl export [--cursor-file PATH | --cursor C] [--since ISO] [--format jsonl|csv]``.

Prints stored articles in the public Article JSON form (the same as ``extract``), one
per line, or as CSV with list fields joined by ``; `` and images as JSON. ``--since``
keeps articles fetched at or after that time (ISO 8601; no offset means UTC).

Every export ends with the cursor to pass next time on stderr. With ``--cursor`` only
the articles stored or changed since that cursor are printed, in change order; with
``--cursor-file`` the cursor is read from that file (absent or empty: from the beginning)
and the next one written back to it, atomically, once every article has been written.
A loop of such exports prints every change exactly once or more, never misses one
(docs/schema.md, "Incremental export").
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import stat
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from newscrawl.article import CONTRACT_FIELDS, Article
from newscrawl.cli.db import add_database_url, open_for_reading
from newscrawl.store import Store
from newscrawl.store.changes import Cursor, CursorError, read_cursor_file, write_cursor_file
from newscrawl.store.export import iter_articles, open_window

DESCRIPTION = """\
Print the stored articles, one JSON object per line (the same form as `newscrawl extract`)
or as CSV (list fields joined by "; ", images as JSON). --since keeps the articles fetched
at or after that time (ISO 8601, e.g. 2026-03-01 or 2026-03-01T12:00+01:00; no offset means
UTC). Reads only: a database that does not exist is an error, never created.

Every export ends with the cursor to pass next time, on stderr. With --cursor only the
articles stored or changed since that cursor are printed; with --cursor-file PATH the cursor
is read from PATH (absent or empty: from the beginning) and the next one written back once
every article has been written. A loop of such exports never misses a change, even one
committed late (docs/schema.md, "Incremental export").
"""


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export",
        help="print stored articles as JSON Lines or CSV",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_database_url(parser)
    parser.add_argument("--since", type=parse_since, help="ISO 8601 time, e.g. 2026-03-01")
    parser.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--cursor", type=parse_cursor, help="only articles changed since this cursor"
    )
    where.add_argument(
        "--cursor-file",
        metavar="PATH",
        help="read the cursor from PATH and write the next one there after the export",
    )
    parser.set_defaults(func=run)


def parse_cursor(value: str) -> Cursor:
    try:
        return Cursor.parse(value)
    except CursorError as error:
        raise argparse.ArgumentTypeError(f"{error} (pass what the last export printed)") from None


def parse_since(value: str) -> datetime:
    """An ISO 8601 date or time; UTC when it has no offset.

    >>> parse_since("2026-03-01").isoformat()
    '2026-03-01T00:00:00+00:00'
    """
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {value!r}") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def csv_row(article: Article) -> dict[str, Any]:
    data = article.to_dict()
    for name in ("authors", "wire_credits", "tags"):
        data[name] = "; ".join(data[name])
    data["images"] = json.dumps(data["images"], ensure_ascii=False)
    return data


def write(articles: Any, fmt: str, out: TextIO) -> int:
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=list(CONTRACT_FIELDS))
        writer.writeheader()
        for article in articles:
            writer.writerow(csv_row(article))
            count += 1
        return count
    for article in articles:
        out.write(json.dumps(article.to_dict(), ensure_ascii=False) + "\n")
        count += 1
    return count


def _sync(out: TextIO) -> None:
    """Everything printed is written (and on disk, for a file) before the cursor moves."""
    out.flush()
    try:
        descriptor = out.fileno()
    except (AttributeError, OSError, ValueError):
        return
    if stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.fsync(descriptor)


def export(store: Store, args: argparse.Namespace) -> int:
    """Print the articles; then save and report the next cursor."""
    incremental = args.cursor is not None or args.cursor_file is not None
    window, problem = None, ""
    try:
        after = read_cursor_file(args.cursor_file) if args.cursor_file else args.cursor
        window = open_window(store.engine, after)
    except CursorError as error:
        if incremental:
            print(f"newscrawl export: {error}", file=sys.stderr)
            return 2
        problem = str(error)  # a plain export still prints everything, with no cursor
    except OSError as error:  # the cursor file cannot be read
        print(f"newscrawl export: cursor file {args.cursor_file}: {error.strerror}",
              file=sys.stderr)  # fmt: skip
        return 2
    articles = iter_articles(store.engine, args.since, window if incremental else None)
    count = write(articles, args.format, sys.stdout)
    _sync(sys.stdout)
    if window is None:
        print(f"newscrawl export: {count} articles; no cursor: {problem}", file=sys.stderr)
        return 0
    if args.cursor_file:
        try:
            write_cursor_file(args.cursor_file, window.next_cursor)
        except OSError as error:
            print(f"newscrawl export: {count} articles written, but the cursor could not be "
                  f"saved in {args.cursor_file} ({error.strerror}): the next run prints them "
                  "again", file=sys.stderr)  # fmt: skip
            return 1
    line = f"newscrawl export: {count} articles; next cursor: {window.next_cursor}"
    if window.waiting:
        line += f" ({window.waiting} changed articles wait for an older transaction to end)"
    print(line, file=sys.stderr)
    return 0


def run(args: argparse.Namespace) -> int:
    store = open_for_reading(args.database_url)
    try:
        return export(store, args)
    finally:
        store.close()
