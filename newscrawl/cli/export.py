"""``newscrawl export [--since ISO] [--format jsonl|csv] [--database-url URL]``.

Prints stored articles in the public Article JSON form (the same as ``extract``), one
per line, or as CSV with list fields joined by ``; `` and images as JSON. ``--since``
keeps articles seen at or after that time (ISO 8601; no offset means UTC).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from newscrawl.article import CONTRACT_FIELDS, Article
from newscrawl.cli.db import add_database_url, open_for_reading
from newscrawl.store.export import iter_articles

DESCRIPTION = """\
Print the stored articles, one JSON object per line (the same form as `newscrawl extract`)
or as CSV (list fields joined by "; ", images as JSON). --since keeps the articles seen at
or after that time (ISO 8601, e.g. 2026-03-01 or 2026-03-01T12:00+01:00; no offset means
UTC). Reads only: a database that does not exist is an error, never created.
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
    parser.set_defaults(func=run)


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


def run(args: argparse.Namespace) -> int:
    store = open_for_reading(args.database_url)
    try:
        write(iter_articles(store.engine, args.since), args.format, sys.stdout)
    finally:
        store.close()
    return 0
