"""``newscrawl extract PATH... [--url URL]``: pages -> normalized Article JSON Lines.

Runs exactly what a crawl runs on a page (:func:`newscrawl.process.process_document`: is it
an article, extract, normalize, choose the canonical URL), so its output is what the crawl
would store. One JSON object per input, in input order, each with a ``path`` key. A page
that cannot be read or parsed, or that a crawl would not store as an article (a listing, an
app shell), gives ``{"path": ..., "error": ...}`` and a line on stderr, and the run goes on;
the exit code is then 1 (2 for wrong arguments).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import zlib
from pathlib import Path
from typing import Any, TextIO

from newscrawl.extract.document import Document, UnparsablePage, parse_document
from newscrawl.extract.meta import canonical_link
from newscrawl.extract.plaintext import is_plain_text, text_to_html
from newscrawl.fetch.encoding import decode_html
from newscrawl.process import PageOutcome, process_document
from newscrawl.run.outcome import EXIT_FAILED, EXIT_OK
from newscrawl.sources import SourceError, check_start_url

DESCRIPTION = """\
Run what a crawl runs on a page (article or listing?, extraction, normalization) on saved
pages (HTML or plain text, gzip read transparently, - for stdin) and print one article per
page as JSON Lines, each with its "path": what a crawl would store. A page that cannot be
read or extracted, or that a crawl would not store as an article, gives
{"path": ..., "error": ...} and a line on stderr, and the others are still extracted.

Exit code: 0 when every page was extracted, 1 when any failed, 2 for wrong arguments.
"""


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "extract",
        help="extract articles from saved pages and print them as JSON Lines",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="HTML or plain-text page (.gz read transparently), or - for stdin",
    )
    parser.add_argument(
        "--url",
        help="the page's absolute http(s) URL (one PATH only); otherwise read from its "
        "canonical link or og:url",
    )
    parser.add_argument("--source", help="the site crawled, e.g. inkl (set on every article)")
    parser.add_argument(
        "--fast", action="store_true", help="faster body extraction, slightly lower recall"
    )
    parser.set_defaults(func=run, _parser=parser)


def run(args: argparse.Namespace) -> int:
    """Extract every PATH; exit 1 when any of them failed (each said on stderr), 2 for wrong
    arguments."""
    if args.url is not None:
        if len(args.paths) > 1:
            args._parser.error("--url needs exactly one PATH")
        try:
            args.url = check_start_url(args.url)
        except SourceError as err:
            args._parser.error(f"--url: {err}")
    if args.paths.count("-") > 1:
        args._parser.error("stdin (-) can be read only once")
    out = sys.stdout
    failed = 0
    for path in args.paths:
        record = extract_path(path, url=args.url, source=args.source, fast=args.fast)
        _write(out, record)
        if "error" in record:
            failed += 1
            print(f"newscrawl extract: {path}: {record['error']}", file=sys.stderr, flush=True)
    return EXIT_FAILED if failed else EXIT_OK


def read_page(path: str) -> bytes:
    """Bytes of a page file, stdin for ``-``; gzip is detected by its magic number.

    A page saved as plain text (a reader view's copy) is turned into minimal HTML
    (:mod:`newscrawl.extract.plaintext`), so it is extracted like any other page. Bytes are
    decoded as a crawl decodes them (:mod:`newscrawl.fetch.encoding`), whatever their charset.
    """
    data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if data.strip() and is_plain_text(data):
        data = text_to_html(decode_html(data)[0]).encode("utf-8")
    return data


def parse_page(data: bytes, path: str, url: str | None) -> Document:
    """Parse once; without ``url`` the page's canonical link or og:url becomes its URL."""
    fallback = url or ("stdin:" if path == "-" else Path(path).resolve().as_uri())
    doc = parse_document(data, fallback)
    if url is None:
        own = canonical_link(doc)
        if own:
            doc.url = own
            if doc.base_url == fallback:
                doc.base_url = own
    return doc


def extract_path(
    path: str, *, url: str | None = None, source: str | None = None, fast: bool = False
) -> dict:
    """One output record for ``path``: the finished Article's JSON form, or an error (with
    the article too when only its normalization failed: it is stored as extracted)."""
    try:
        data = read_page(path)
        outcome = process_document(parse_page(data, path, url), source=source, fast=fast)
    except Exception as err:  # one bad page must not stop the run
        return {"path": path, "error": failure_reason(err)}
    if outcome.article is None:
        return {"path": path, "error": not_an_article(outcome)}
    record = {"path": path, **outcome.article.to_dict()}
    if outcome.error:
        record["error"] = outcome.error
    return record


def not_an_article(outcome: PageOutcome) -> str:
    """Why a crawl would store nothing from a page, for the user.

    >>> not_an_article(PageOutcome("listing", links=["/a", "/b"]))
    'not an article: a crawl takes it for a listing and follows its 2 links'
    """
    if outcome.kind == "listing":
        return (
            "not an article: a crawl takes it for a listing and follows its "
            f"{len(outcome.links)} links"
        )
    if outcome.kind == "app_shell":
        return "an app shell: a crawl renders it in a browser first (save the rendered page)"
    return outcome.error or outcome.kind


def failure_reason(err: Exception) -> str:
    """Why a page could not be extracted, in a few words a user can act on.

    >>> failure_reason(FileNotFoundError(2, "No such file or directory", "a.html"))
    'cannot read: No such file or directory'
    >>> failure_reason(EOFError("Compressed file ended before the end-of-stream marker"))
    'truncated gzip file: Compressed file ended before the end-of-stream marker'
    """
    if isinstance(err, OSError) and err.strerror:
        return f"cannot read: {err.strerror}"
    if isinstance(err, EOFError | gzip.BadGzipFile | zlib.error):
        return f"{'truncated' if isinstance(err, EOFError) else 'broken'} gzip file: {err}"
    if isinstance(err, UnparsablePage):
        return f"not a page: {err}"
    return f"{type(err).__name__}: {err}"


def _write(out: TextIO, record: dict) -> None:
    out.write(json.dumps(record, ensure_ascii=False) + "\n")
    out.flush()
