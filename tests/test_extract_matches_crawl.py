"""Issue 13: ``newscrawl extract`` on a saved page gives what a crawl of the same bytes stores,
whatever the page's encoding (the README says extract runs what a crawl runs).

Real bytes: Latin-1 and Windows-1252 with no charset anywhere, UTF-8 with a byte order mark,
Windows-1252 declared as UTF-8 (header and ``<meta>``), UTF-8 declared as ISO-8859-1. Each page
is served on loopback (with that Content-Type) to a crawl of the ``news`` spider storing into
SQLite and read back with ``newscrawl export``; the same bytes saved to a file go through
``newscrawl extract`` (crawl and commands in the test process). Before the fix, extract turned
the Latin-1 page into U+FFFD.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.clikit import newscrawl
from tests.reactorkit import crawl

pytestmark = [pytest.mark.slow]

LATIN1_WORDS = "Zürich café Málaga Köln señor naïve façade Ålesund Øresund crème brûlée Müller"
CP1252_WORDS = LATIN1_WORDS + " “quoted” it’s 5€ – — œuvre"
ASCII_WORDS = "council budget river harbour minister vote city north report water street plan"

#: case -> (Content-Type header, <meta charset> or None, codec of the bytes, accented words)
CASES: dict[str, tuple[str, str | None, str, str]] = {
    "latin1-no-charset": ("text/html", None, "latin-1", LATIN1_WORDS),
    "cp1252-no-charset": ("text/html", None, "cp1252", CP1252_WORDS),
    "utf8-bom": ("text/html", None, "utf-8-sig", CP1252_WORDS),
    "cp1252-declared-utf8": ("text/html; charset=utf-8", "utf-8", "cp1252", CP1252_WORDS),
    "utf8-declared-latin1": ("text/html; charset=ISO-8859-1", "iso-8859-1", "utf-8", CP1252_WORDS),
}
#: Article fields extract and the store both hold.
FIELDS = ("headline", "description", "body", "authors", "publisher", "language", "tags")


def page(case: str) -> tuple[str, str, bytes]:
    """(headline, Content-Type, bytes) of the article page of ``case``."""
    content_type, meta, codec, accented = CASES[case]
    rng = random.Random(case)
    words = accented.split() + ASCII_WORDS.split() * 2

    def sentence() -> str:
        return " ".join(rng.choices(words, k=14)).capitalize() + "."

    headline = f"{case}: {' '.join(rng.choices(accented.split(), k=5))}"
    paragraphs = [" ".join(sentence() for _ in range(3)) for _ in range(5)]
    jsonld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": headline,
            "author": {"@type": "Person", "name": "Renée Müller"},
            "description": sentence(),
            "datePublished": "2026-03-01T10:00:00+00:00",
        },
        ensure_ascii=False,
    )
    html = (
        "<!DOCTYPE html><html lang='fr'><head>"
        + (f'<meta charset="{meta}">' if meta else "")
        + f"<title>{headline}</title>"
        + f'<script type="application/ld+json">{jsonld}</script></head><body><article>'
        + f"<h1>{headline}</h1><p class='byline'>By Renée Müller</p>"
        + "".join(f"<p>{p}</p>" for p in paragraphs)
        + "</article></body></html>"
    )
    return headline, content_type, html.encode(codec)


@contextmanager
def serve(pages: dict[str, tuple[str, bytes]]) -> Iterator[str]:
    """Serve ``path -> (Content-Type, bytes)`` on loopback; yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            found = pages.get(urlsplit(self.path).path)
            content_type, body = found or ("text/plain", b"not found")
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_extract_gives_what_the_crawl_stores(reactor: Any, tmp_path: Path) -> None:
    built = {case: page(case) for case in CASES}
    database = f"sqlite:///{tmp_path / 'news.db'}"
    with serve({f"/{case}": (ct, body) for case, (_, ct, body) in built.items()}) as base:
        starts = ",".join(f"{base}/{case}" for case in CASES)
        settings = {
            "DATABASE_URL": database,
            "NEWSCRAWL_ALLOWED_PRIVATE_HOSTS": "127.0.0.1",
            "NEWSCRAWL_LOCK_DIR": str(tmp_path / "locks"),
            "STORE_SPOOL_DIR": str(tmp_path / "spool"),
            "HTTPCACHE_ENABLED": "False",
            "NEWSCRAWL_RENDER_JS": "False",
            "AUTOTHROTTLE_ENABLED": "False",
        }
        crawled_run = crawl(reactor, "news", settings, start_urls=starts)
    assert crawled_run.returncode == 0, crawled_run.log[-3000:]
    export = newscrawl("export", "--database-url", database)
    assert export.returncode == 0, export.stderr
    stored = {}
    for line in export.stdout.splitlines():
        record = json.loads(line)
        stored[urlsplit(record["canonical_url"] or record["url"]).path.strip("/")] = record
    assert set(stored) == set(CASES), sorted(stored)

    for case, (headline, _, body) in built.items():
        saved = tmp_path / f"{case}.html"
        saved.write_bytes(body)
        done = newscrawl("extract", str(saved), "--url", f"{base}/{case}")
        assert done.returncode == 0, done.stderr
        extracted = json.loads(done.stdout)
        crawled = stored[case]
        assert crawled["headline"] == headline, case  # the crawl decodes it right...
        assert "\ufffd" not in (crawled["body"] or ""), case
        differ = {
            f: (extracted.get(f), crawled.get(f))
            for f in FIELDS
            if extracted.get(f) != crawled.get(f)
        }
        assert not differ, (case, differ)  # ... and extract the same
