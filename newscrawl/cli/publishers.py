"""``newscrawl publishers``: list the catalogue; ``newscrawl publishers check [NAME…]``: fetch
every entry point and say which are broken; ``newscrawl publishers migrate FILE``: turn an old
sources file (``[[source]]`` tables) into publisher tables."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from newscrawl.cli import CommandError
from newscrawl.publishers import (
    Publisher,
    PublisherError,
    load_catalogue,
    parse_catalogue_text,
    publisher_toml,
    select_publishers,
)
from newscrawl.sources import sources_file

DESCRIPTION = """\
List the publishers newscrawl knows (the catalogue: newscrawl/publishers/<country>/<key>.toml,
or --sources), one line each: key, country, languages, entry points and display name.
`newscrawl crawl --publisher KEY…`, `--country XX` or `--language xx` crawls them.

`newscrawl publishers check [NAME…]` fetches each entry point (robots.txt allowing) and says
ok, redirected (with the new URL), gone, not a feed / sitemap / page, error or skipped; exit
code 1 when any is broken. --country and --language choose what is checked too.

`newscrawl publishers migrate FILE` prints an old sources file's [[source]] tables as
[publisher.KEY] tables (or writes them to --output).
"""


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "publishers",
        help="list the publisher catalogue (or migrate an old sources file)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--country", metavar="XX", help="only this country's (e.g. de, gb, us)")
    parser.add_argument("--language", metavar="xx", help="only those in this language (e.g. de)")
    parser.add_argument(
        "--sources",
        metavar="PATH",
        help="a catalogue folder or file (default: $NEWSCRAWL_SOURCES_FILE, else the catalogue "
        "inside the package)",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per publisher")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    check = actions.add_parser(
        "check", help="fetch every entry point and report the broken ones", description=__doc__
    )
    check.add_argument("names", nargs="*", metavar="NAME", help="key, name or alias (default all)")
    check.add_argument("--timeout", type=float, default=20.0, help="seconds per request")
    for option, metavar in (("--country", "XX"), ("--language", "xx")):
        # also after `check`; SUPPRESS keeps a value given before it
        check.add_argument(option, metavar=metavar, default=argparse.SUPPRESS, help="as above")
    migrate = actions.add_parser(
        "migrate", help="print an old sources file as publisher tables", description=__doc__
    )
    migrate.add_argument("file", type=Path, help="the old sources file ([[source]] tables)")
    migrate.add_argument("--output", type=Path, metavar="FILE", help="write here, not stdout")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "migrate":
        return migrate(args.file, args.output)
    names = args.names if args.action == "check" else []
    try:
        catalogue = load_catalogue(sources_file(args.sources))
        chosen = select_publishers(catalogue, names, country=args.country, language=args.language)
    except PublisherError as err:
        raise CommandError(str(err)) from None
    if args.action == "check":
        return check(chosen, args.timeout)
    for publisher in sorted(chosen, key=lambda p: (p.country or "", p.key)):
        print(json.dumps(describe(publisher), ensure_ascii=False) if args.json else line(publisher))
    countries = {p.country for p in chosen if p.country}
    print(f"{len(chosen)} publishers, {len(countries)} countries", file=sys.stderr)
    return 0


def check(publishers: list[Publisher], timeout: float) -> int:
    """Check the entry points; one line each, the broken ones counted; 1 if any is broken."""
    from newscrawl.publishers.check import check_publishers
    from newscrawl.settings import USER_AGENT

    results = check_publishers(publishers, user_agent=USER_AGENT, timeout=timeout)
    for result in results:
        print(result.line())
    broken = sum(r.broken for r in results)
    moved = sum(r.verdict == "redirected" for r in results)
    print(
        f"{len(results)} entry points checked: {broken} broken, {moved} redirected",
        file=sys.stderr,
    )
    return 1 if broken else 0


def line(publisher: Publisher) -> str:
    """One row of the listing."""
    flags = " ".join(
        flag
        for flag, on in (
            ("aggregator", publisher.kind == "aggregator"),
            ("js", publisher.needs_js),
            ("disabled", not publisher.enabled),
        )
        if on
    )
    languages = ",".join(publisher.languages) or "-"
    entries = f"{len(publisher.entries)} entr{'y' if len(publisher.entries) == 1 else 'ies'}"
    return (
        f"{publisher.key:<22} {publisher.country or '-':<3} {languages:<6} {entries:<10} "
        f"{publisher.name}{'  [' + flags + ']' if flags else ''}"
    ).rstrip()


def describe(publisher: Publisher) -> dict[str, Any]:
    """The listing's JSON form."""
    return {
        "key": publisher.key,
        "name": publisher.name,
        "aliases": list(publisher.aliases),
        "kind": publisher.kind,
        "country": publisher.country,
        "languages": list(publisher.languages),
        "domains": list(publisher.domains),
        "entries": [
            {"url": e.url, "kind": e.kind, "checked": e.checked.isoformat() if e.checked else None}
            for e in publisher.entries
        ],
        "needs_js": publisher.needs_js,
        "enabled": publisher.enabled,
    }


def migrate(file: Path, output: Path | None) -> int:
    """Print (or write) ``file``'s publishers as ``[publisher.KEY]`` tables."""
    try:
        text = file.read_text(encoding="utf-8")
        publishers = parse_catalogue_text(text, str(file), warn=False)
    except OSError as err:
        raise CommandError(f"cannot read {file}: {err}") from None
    except PublisherError as err:
        raise CommandError(str(err)) from None
    out = "# newscrawl publishers (migrated from the [[source]] tables of {})\n\n{}".format(
        file.name,
        "\n".join(publisher_toml(p, f"publisher.{key}") for key, p in publishers.items()),
    )
    if output is None:
        sys.stdout.write(out)
    else:
        output.write_text(out, encoding="utf-8")
        print(f"{len(publishers)} publishers written to {output}", file=sys.stderr)
    return 0
