"""``newscrawl search "QUERY" [--publisher P] [--agency A] [--since T] [--until T]
[--language L] [--limit N] [--format text|jsonl]``: ranked full-text search.

Text mode prints one line per article (date, publisher, headline, a snippet with the
matched words in ``[brackets]``, URL); ``jsonl`` prints the Article contract with ``score``
and ``snippet`` added. The query syntax and the index: newscrawl/store/search.py and
docs/schema.md ("Full-text search").
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timedelta
from typing import Any, TextIO

from newscrawl.article import Article
from newscrawl.cli import CommandError
from newscrawl.cli.db import add_database_url, open_for_reading
from newscrawl.cli.export import parse_since
from newscrawl.store.export import articles_by_id
from newscrawl.store.search import MAX_LIMIT, Filters, Hit, SearchError, plain_snippet, search

DESCRIPTION = """\
Search the stored articles' headlines, descriptions, bodies, authors, credits and captions,
best match first. Words must all match; "a phrase" matches as a phrase; `or` between
alternatives; -word excludes a word (the syntax of Postgres' websearch_to_tsquery, on both
databases). --since and --until take an ISO 8601 date or time and filter on the publication
time (the first fetch when the page gave none); --until with a date alone includes that day.
Reads only: a database that does not exist is an error, never created.
"""


def parse_until(value: str) -> datetime:
    """Like ``export --since``; a date alone means the end of that day.

    >>> parse_until("2026-03-01").isoformat()
    '2026-03-02T00:00:00+00:00'
    """
    moment = parse_since(value)
    return moment + timedelta(days=1) if len(value.strip()) == 10 else moment


def parse_limit(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if not 1 <= number <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"a number from 1 to {MAX_LIMIT}, not {value!r}")
    return number


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "search",
        help="full-text search of the stored articles",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("query", metavar="QUERY", help='words, "a phrase", or, -word')
    add_database_url(parser)
    parser.add_argument("--publisher", help="a publisher's name, e.g. 'The Independent'")
    parser.add_argument("--agency", help="a wire agency credited, e.g. Reuters or AP")
    parser.add_argument("--since", type=parse_since, help="published at or after (ISO 8601)")
    parser.add_argument("--until", type=parse_until, help="published before (ISO 8601)")
    parser.add_argument("--language", help="ISO 639-1 code, e.g. en")
    parser.add_argument("--limit", type=parse_limit, default=20, help="results (default 20)")
    parser.add_argument("--format", choices=("text", "jsonl"), default="text")
    parser.set_defaults(func=run)


def text_line(article: Article, hit: Hit) -> str:
    """One line: date, publisher, headline, snippet, URL."""
    when = article.published_at or article.fetched_at
    fields = [
        when.date().isoformat() if when else "----------",
        article.publisher or "?",
        " ".join((article.headline or "(no headline)").split()),
        plain_snippet(hit.snippet),
        article.canonical_url or article.url,
    ]
    return "  ".join(fields)


def json_line(article: Article, hit: Hit) -> str:
    data = {
        **article.to_dict(),
        "score": round(hit.score, 6),
        "snippet": plain_snippet(hit.snippet),
    }
    return json.dumps(data, ensure_ascii=False)


def write(found: list[tuple[Article, Hit]], fmt: str, out: TextIO) -> None:
    for article, hit in found:
        out.write((text_line if fmt == "text" else json_line)(article, hit) + "\n")


def run(args: argparse.Namespace) -> int:
    filters = Filters(args.publisher, args.agency, args.since, args.until, args.language)
    store = open_for_reading(args.database_url)
    try:
        with store.engine.connect() as connection:
            try:
                hits = search(connection, args.query, filters, limit=args.limit)
            except SearchError as error:
                raise CommandError(str(error)) from None
            stored = articles_by_id(connection, [hit.article_id for hit in hits])
    finally:
        store.close()
    found = [(stored[h.article_id], h) for h in hits if h.article_id in stored]
    write(found, args.format, sys.stdout)
    print(f"newscrawl search: {len(found)} articles", file=sys.stderr)
    return 0
