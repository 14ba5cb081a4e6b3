"""``newscrawl stats [--database-url URL] [--days N] [--json]``.

Counts per publisher, per day first seen, per wire agency, and the last crawl runs, each
named by its source (``source independent``) or its first start URL.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from newscrawl.cli.db import add_database_url, open_for_reading
from newscrawl.store.report import summary

DESCRIPTION = """\
Summarise the database: articles per publisher, per day first seen and per wire agency,
and the last crawl runs. Reads only: a database that does not exist is an error, never
created.
"""


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "stats",
        help="summarise the database: publishers, days, agencies, crawl runs",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_database_url(parser)
    parser.add_argument("--days", type=int, default=14, help="days shown in the per-day table")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def _table(out: TextIO, title: str, rows: list[dict[str, Any]]) -> None:
    out.write(f"\n{title}\n")
    if not rows:
        out.write("  (none)\n")
        return
    for row in rows:
        values = list(row.values())
        label = "" if values[0] is None else str(values[0])
        rest = "  ".join(str(v) for v in values[1:])
        out.write(f"  {label:<40} {rest}\n")


def _run_label(run: dict[str, Any]) -> str:
    """``source NAME``, or the spider and its first start URL (and how many more)."""
    if run.get("source"):
        return f"{run['spider']} {run['source']}"
    urls = run.get("start_urls") or []
    more = f" (+{len(urls) - 1})" if len(urls) > 1 else ""
    return f"{run['spider']} {urls[0]}{more}" if urls else run["spider"]


def render(data: dict[str, Any], out: TextIO) -> None:
    totals = data["totals"]
    out.write(
        f"articles {totals['articles']}  stories {totals['stories']}  "
        f"sightings {totals['sightings']}\n"
    )
    _table(out, "Articles per publisher", data["per_publisher"])
    _table(out, "Articles per day (first seen, UTC)", data["per_day"])
    _table(out, "Articles per agency", data["per_agency"])
    runs = [
        {
            "spider": _run_label(r),
            "started": r["started_at"][:19],
            "pages": f"pages={r['pages']}",
            "stored": f"stored={r['items_stored']}",
            "duplicates": f"duplicates={r['duplicates']}",
            "errors": f"errors={r['errors']}",
        }
        for r in data["last_runs"]
    ]
    _table(out, "Last crawl runs", runs)


def run(args: argparse.Namespace) -> int:
    store = open_for_reading(args.database_url)
    try:
        data = summary(store.engine, days=args.days)
    finally:
        store.close()
    if args.json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        render(data, sys.stdout)
    return 0
