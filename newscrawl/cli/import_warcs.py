"""``newscrawl import WARC_OR_URL…``: archived pages into the database, as a crawl stores them.

Every HTML response record of the WARC files (gzip'ed or plain, local or http(s) URLs, or the
files a CC-NEWS listing names, with ``--base-url``) goes through the crawl's page flow and
pipelines (the ``warc_import`` spider, :mod:`newscrawl.spiders.warc_import`), so an archived
copy and a crawled copy of one article are one row. A file that is missing or not a WARC
is one line on stderr and exit code 2, before anything is imported.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from newscrawl.cli import CommandError
from newscrawl.run.crawls import command_line_settings, run_sources

DESCRIPTION = """\
Import WARC files (gzip'ed or plain; paths or http(s) URLs) into the database
(--database-url, else $NEWSCRAWL_DATABASE_URL, else sqlite:///news.db): each HTML response
record is classified, extracted, normalized, de-duplicated and stored as a crawl would
(one crawl_runs row per import). Revisit, request, non-HTML, non-2xx and truncated records
are counted and skipped. A listing (a file whose name ends in .paths or .paths.gz, one WARC
path per line, as Common Crawl's CC-NEWS warc.paths.gz) stands for the files it names,
fetched from --base-url under the crawl's network rules (SSRF policy, robots.txt, delays).

Exit code: 0 when the import succeeded, 1 when it failed (errors logged, too many items
dropped), 2 for wrong arguments, a missing file or one that is not a WARC file.
"""

LISTING_SUFFIXES = (".paths", ".paths.gz")


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "import",
        help="import WARC files (CC-NEWS, a crawl's own) as a crawl stores pages",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("inputs", nargs="+", metavar="WARC_OR_URL", help="WARC files, URLs "
                        "or listings")  # fmt: skip
    parser.add_argument("--base-url", metavar="URL", help="where a listing's paths are "
                        "(e.g. https://data.commoncrawl.org/)")  # fmt: skip
    parser.add_argument("--publisher", action="append", default=[], metavar="NAME",
                        help="only this publisher: a catalogue key, name or alias (any "
                        "case, as crawl --publisher), a domain, or a name as stored; "
                        "repeatable")  # fmt: skip
    parser.add_argument("--since", metavar="DATE", help="records fetched on or after (ISO 8601)")
    parser.add_argument("--until", metavar="DATE", help="records fetched on or before (ISO 8601)")
    parser.add_argument("--database-url", metavar="URL", help="sqlite:///PATH or "
                        "postgresql://USER@HOST/DATABASE")  # fmt: skip
    parser.add_argument("--sources", metavar="FILE", help="a catalogue folder or file (the "
                        "publishers --publisher names, articles' source; default: "
                        "$NEWSCRAWL_SOURCES_FILE, else the bundled one)")  # fmt: skip
    parser.add_argument("--no-progress", action="store_true", help="no progress line")
    parser.add_argument("-s", dest="settings", action="append", default=[],
                        metavar="NAME=VALUE", help="a Scrapy setting (repeatable)")  # fmt: skip
    parser.set_defaults(func=run)


def expand_inputs(inputs: list[str], base_url: str | None) -> list[str]:
    """The WARC files and URLs to import: listings replaced by the URLs they name; every
    local WARC checked (CommandError naming the first bad one)."""
    from newscrawl.archive.listing import is_url, read_listing
    from newscrawl.archive.read import NotAWarcError, check_warc

    out: list[str] = []
    for item in inputs:
        if is_url(item):
            out.append(item)
            continue
        path = Path(item)
        if not path.is_file():
            raise CommandError(f"{item}: {'a directory' if path.is_dir() else 'no such file'}")
        if item.endswith(LISTING_SUFFIXES):
            if not base_url:
                raise CommandError(f"{item} is a listing: give --base-url")
            try:
                out.extend(read_listing(path, base_url))
            except (OSError, ValueError, EOFError) as err:
                raise CommandError(str(err)) from None
            continue
        try:
            check_warc(path)
        except NotAWarcError as err:
            raise CommandError(str(err)) from None
        except OSError as err:
            raise CommandError(f"{item}: cannot read: {err.strerror or err}") from None
        out.append(item)
    return out


def run(args: argparse.Namespace) -> int:
    from newscrawl.spiders.warc_import import parse_time

    try:
        since, until = parse_time(args.since), parse_time(args.until, end=True)
    except ValueError as err:
        raise CommandError(f"--since/--until: {err}") from None
    if args.sources:
        from newscrawl.sources import SourceError, load_sources

        try:
            load_sources(args.sources)
        except (SourceError, OSError) as err:
            raise CommandError(str(err)) from None
    warcs = expand_inputs(args.inputs, args.base_url)
    try:
        overrides = command_line_settings(args)
    except ValueError as err:
        raise CommandError(str(err)) from None
    spider_args = {
        "warcs": warcs,
        "publisher": args.publisher,
        "since": since,
        "until": until,
        "progress": not args.no_progress,
    }
    [result] = run_sources(["import"], overrides, spider_args=spider_args, spider="warc_import")
    stats = result.stats
    print(
        f"import: {stats.get('newscrawl/warc/records', 0)} records, "
        f"{stats.get('newscrawl/warc/pages', 0)} pages, "
        f"{stats.get('item_scraped_count', 0)} articles: {result.result}",
        file=sys.stderr,
    )
    return result.exit_code
