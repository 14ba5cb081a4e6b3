"""``newscrawl golden add PAGE --publisher NAME --url URL``: save a golden page with the current
extraction as its expected values; ``newscrawl golden refresh``: re-pin every golden page to
the expected fields the current extraction matches (:mod:`newscrawl.golden`)."""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from newscrawl.cli import CommandError
from newscrawl.golden import (
    GOLDEN_FIELDS,
    GoldenPage,
    expected_from_article,
    extract_golden,
    golden_pages,
    repin,
    write_expected,
)
from newscrawl.publishers import Publisher, PublisherError, find_publisher, load_catalogue
from newscrawl.sources import SourceError, check_start_url, sources_file

DESCRIPTION = """\
Golden pages are saved pages of catalogue publishers with the values extraction must give
(tests/golden/<country>/<key>/<page>.html.gz, <page>.json beside it, SOURCE.md per publisher;
docs/publishers.md). The test suite compares the fields each page's JSON pins.

  add PAGE --publisher NAME --url URL   save PAGE and write what extraction gives now as its
                                        expected values: review and correct them, then commit
  refresh [--publisher NAME…] [--check] pin exactly the expected fields extraction gets right
                                        now (after an extraction change) and print the
                                        figures; --check changes nothing, exit 1 if a pinned
                                        field is wrong
"""


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "golden",
        help="add golden pages, refresh their pinned fields",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="save a page with its current extraction as expected")
    add.add_argument("page", type=Path, metavar="PAGE", help="the saved page (.gz read as such)")
    add.add_argument("--publisher", required=True, help="key, name or alias in the catalogue")
    add.add_argument("--url", required=True, help="the page's absolute URL")
    add.add_argument("--name", help="file name of the page (default: today's date)")
    add.add_argument("--note", help="where the page comes from (kept in its JSON)")
    refresh = actions.add_parser("refresh", help="re-pin golden pages to what extraction gets")
    refresh.add_argument(
        "--publisher", dest="publishers", nargs="+", default=[], metavar="NAME", help="only these"
    )
    refresh.add_argument("--check", action="store_true", help="change nothing; exit 1 if wrong")
    for sub in (add, refresh):
        sub.add_argument(
            "--golden-dir",
            type=Path,
            default=Path("tests/golden"),
            help="the golden pages' folder (default: tests/golden)",
        )
        sub.add_argument("--sources", metavar="PATH", help="a catalogue folder or file")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "add":
        return add(args)
    return refresh(args)


def _publisher(name: str, sources: str | None) -> Publisher:
    try:
        found = find_publisher(load_catalogue(sources_file(sources)), name)
    except PublisherError as err:
        raise CommandError(str(err)) from None
    if found is None:
        raise CommandError(f"unknown publisher {name!r} (`newscrawl publishers` lists them)")
    if not found.country:
        raise CommandError(f"publisher {found.key!r} has no country: golden pages need one")
    return found


def add(args: argparse.Namespace) -> int:
    publisher = _publisher(args.publisher, args.sources)
    try:
        url = check_start_url(args.url)
        data = args.page.read_bytes()
    except SourceError as err:
        raise CommandError(str(err)) from None
    except OSError as err:
        raise CommandError(f"cannot read {args.page}: {err}") from None
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    folder = args.golden_dir / str(publisher.country) / publisher.key
    folder.mkdir(parents=True, exist_ok=True)
    stem = args.name or dt.date.today().isoformat()
    n = 1
    while (folder / f"{stem}.html.gz").exists():
        n += 1
        stem = f"{args.name or dt.date.today().isoformat()}-{n}"
    page = GoldenPage(folder / f"{stem}.html.gz", str(publisher.country), publisher.key)
    page.page.write_bytes(gzip.compress(data, mtime=0))
    article = extract_golden(page, url)
    expected = expected_from_article(article)
    record = {
        "url": url,
        "source": args.note or f"saved with newscrawl golden add from {args.page.name}",
        "expected": expected,
        "pinned": list(expected),
    }
    write_expected(page.expected_file, record)
    note = folder / "SOURCE.md"
    if not note.exists():
        note.write_text(
            f"# Golden pages of {publisher.name}\n\n- `{stem}.html.gz`: {record['source']} "
            f"({url})\n",
            encoding="utf-8",
        )
    if "error" in article:
        print(f"newscrawl golden add: extraction: {article['error']}", file=sys.stderr)
    print(
        f"{page.page}\n{page.expected_file}: {len(expected)} fields pinned "
        f"({', '.join(expected) or 'none'}); review and correct them before committing",
        file=sys.stderr,
    )
    return 0


def refresh(args: argparse.Namespace) -> int:
    pages = golden_pages(args.golden_dir)
    if args.publishers:
        keys = {_publisher(name, args.sources).key for name in args.publishers}
        pages = [p for p in pages if p.publisher in keys]
    if not pages:
        raise CommandError(f"no golden pages under {args.golden_dir}")
    pinned_counts: Counter[str] = Counter()
    available: Counter[str] = Counter()
    wrong = 0
    for page in pages:
        data = page.load()
        article = extract_golden(page, data["url"])
        now = repin(data, article)
        before = data.get("pinned", [])
        lost = [f for f in before if f not in now]
        gained = [f for f in now if f not in before]
        wrong += bool(lost)
        if lost or gained:
            change = " ".join([*(f"-{f}" for f in lost), *(f"+{f}" for f in gained)])
            print(f"{page.id}: {change}")
            if not args.check:
                write_expected(page.expected_file, {**data, "pinned": now})
        pinned_counts.update(before if args.check else now)
        available.update(list(data.get("expected", {})))
    print_figures(len(pages), pinned_counts, available)
    return 1 if args.check and wrong else 0


def print_figures(pages: int, pinned: Counter[str], available: Counter[str]) -> None:
    """Pinned / available fields over the pages, per field and in all."""
    print(f"{pages} golden pages; pinned / available per field:", file=sys.stderr)
    for name in GOLDEN_FIELDS:
        print(f"  {name:<13} {pinned[name]:>4} / {available[name]:<4}", file=sys.stderr)
    total, avail = sum(pinned.values()), sum(available.values())
    print(f"  {'all':<13} {total:>4} / {avail:<4}", file=sys.stderr)
