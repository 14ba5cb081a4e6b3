"""``newscrawl demo``: crawl the bundled newsroom on loopback into ``./newscrawl-demo.db``, offline.

Serves the newsroom (an inkl-style aggregator and three publishers, :mod:`newscrawl.demo`) on
127.0.0.1–4, crawls its four sources one after another through the same spiders and pipelines as a
real crawl, shows progress while it runs, then prints what the database holds per publisher.

The demo's articles go to their own database (``newscrawl-demo.db`` in the current directory,
or ``--database-url``), never into ``news.db``, the default of real crawls: loopback articles
must not mix with real data.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, TextIO

from newscrawl.cli import CommandError
from newscrawl.run.crawls import run_sources, runs_exit_code
from newscrawl.run.paths import cache_dir

DEFAULT_PORT = 8765
#: The demo's own database: not ``news.db``, where real crawls store by default.
DEFAULT_DATABASE_URL = "sqlite:///newscrawl-demo.db"


class Progress:
    """A one-line progress display fed by the crawlers' signals."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.pages = self.items = self.dropped = 0
        self._last = 0.0
        self._lock = threading.Lock()
        self._tty = out.isatty()

    def attach(self, crawler: Any) -> None:
        from scrapy import signals

        crawler.signals.connect(self._page, signal=signals.response_received)
        crawler.signals.connect(self._item, signal=signals.item_scraped)
        crawler.signals.connect(self._drop, signal=signals.item_dropped)

    def _page(self, **_: Any) -> None:
        self.pages += 1
        self.show()

    def _item(self, **_: Any) -> None:
        self.items += 1
        self.show()

    def _drop(self, **_: Any) -> None:
        self.dropped += 1
        self.show()

    def show(self, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self._last < (0.1 if self._tty else 2.0):
            return
        self._last = now
        line = f"crawling: {self.pages} pages fetched, {self.items} articles stored"
        if self.dropped:
            line += f", {self.dropped} dropped"
        with self._lock:
            if self._tty:
                self.out.write("\r" + line + ("\n" if final else ""))
            else:
                self.out.write(line + "\n")
            self.out.flush()


def publisher_table(database_url: str) -> list[tuple[str, int, int, int, int, int]]:
    """(publisher, articles, authors, credits, images, sightings) from the database."""
    from sqlalchemy import func, select

    from newscrawl.store.engine import create_engine
    from newscrawl.store.schema import (
        article_authors,
        article_credits,
        articles,
        images,
        sightings,
    )

    def per_publisher(table: Any) -> dict[str | None, int]:
        query = (
            select(articles.c.publisher, func.count())
            .select_from(table.join(articles, table.c.article_id == articles.c.id))
            .group_by(articles.c.publisher)
        )
        return dict(conn.execute(query).all())

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            counts: dict[str | None, int] = dict(
                conn.execute(
                    select(articles.c.publisher, func.count()).group_by(articles.c.publisher)
                ).all()
            )
            authors = per_publisher(article_authors)
            credits = per_publisher(article_credits)
            pictures = per_publisher(images)
            seen = per_publisher(sightings)
    finally:
        engine.dispose()
    return [
        (p or "(unknown)", n, authors.get(p, 0), credits.get(p, 0), pictures.get(p, 0),
         seen.get(p, 0))
        for p, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0] or ""))
    ]  # fmt: skip


DESCRIPTION = """\
Try newscrawl without the network: serve the bundled newsroom (an aggregator and three
publishers, built from real pages) on 127.0.0.1-127.0.0.4, crawl it with the same spiders
and pipelines as a real crawl while showing progress, into ./newscrawl-demo.db (never the
crawls' news.db), then print what the database holds per publisher. Exit code as for
`newscrawl crawl`.
"""


def port_number(value: str) -> int:
    """An argparse type: a TCP port, 0 (any free port) to 65535."""
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number (0-65535): {port}")
    return port


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="crawl the bundled loopback newsroom into ./newscrawl-demo.db (no network needed)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE_URL,
        help=f"where the demo stores (default: {DEFAULT_DATABASE_URL}, not the crawls' news.db)",
    )
    parser.add_argument(
        "--port", type=port_number, help=f"newsroom port (default {DEFAULT_PORT} if free; 0: any)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="show Scrapy's log")
    parser.set_defaults(func=run)


def _start_server(port: int | None) -> Any:
    from newscrawl.demo.server import NewsroomServer

    if port is not None:
        return NewsroomServer(port).start()
    try:
        return NewsroomServer(DEFAULT_PORT).start()
    except OSError:
        return NewsroomServer(0).start()


def absolute_sqlite(url: str) -> str:
    """A SQLite URL with its file made absolute (so the output says where it is exactly).

    >>> absolute_sqlite("sqlite:////data/demo.db"), absolute_sqlite("postgresql://h/db")
    ('sqlite:////data/demo.db', 'postgresql://h/db')
    >>> absolute_sqlite("sqlite:///demo.db") == f"sqlite:///{Path('demo.db').resolve()}"
    True
    """
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url[len(prefix) :].startswith(("/", ":memory:")):
        return url
    return prefix + str(Path(url[len(prefix) :]).resolve())


def run(args: argparse.Namespace) -> int:
    from newscrawl.store.engine import describe_url

    started = time.monotonic()
    args.database_url = absolute_sqlite(args.database_url)
    try:
        server = _start_server(args.port)
    except OSError as error:  # the port is taken (or not ours to use)
        raise CommandError(
            f"cannot serve the newsroom on port {args.port}: {error.strerror or error}; "
            "give another --port (0: any free port)"
        ) from error
    room = server.newsroom
    out = sys.stderr
    print(f"newsroom: {len(room.sites)} sites on port {server.port}:", file=out)
    for site in room.sites.values():
        print(f"  {site.key:<12} {site.kind:<10} {site.url('/')}", file=out)
    print(f"storing into {describe_url(args.database_url)} (the demo's own database)", file=out)
    with tempfile.TemporaryDirectory(prefix="newscrawl-demo-") as tmp:
        sources = Path(tmp) / "sources.toml"
        sources.write_text(room.sources_toml(), encoding="utf-8")
        overrides = {
            "DATABASE_URL": args.database_url,
            "NEWSCRAWL_ALLOWED_PRIVATE_HOSTS": ",".join([*room.hosts, "localhost"]),
            "NEWSCRAWL_SOURCES_FILE": str(sources),
            "NEWSCRAWL_LOCK_DIR": tmp,
            "HTTPCACHE_DIR": str(cache_dir() / "httpcache-demo"),
            "LOG_LEVEL": "INFO" if args.verbose else "ERROR",
            "TELNETCONSOLE_ENABLED": False,
        }
        progress = Progress(out)
        try:
            # Publishers before aggregators, one after another: every URL variant of an
            # article is seen before the aggregator's original link would make it "known".
            order = sorted(room.sites, key=lambda k: room.sites[k].kind == "aggregator")
            runs = run_sources(order, overrides, on_crawler=progress.attach)
        finally:
            server.stop()
        progress.show(final=True)
    elapsed = time.monotonic() - started
    failed = [r for r in runs if not r.ok]
    for r in failed:
        print(f"source {r.name}: {r.result}", file=out)
    try:
        rows = publisher_table(args.database_url)
    except Exception as err:  # e.g. storage not set up: say so instead of a traceback
        print(f"cannot read {args.database_url}: {err}", file=out)
        return 1
    print(f"\n{args.database_url} after {elapsed:.1f} s:")
    header = ("publisher", "articles", "authors", "credits", "images", "sightings")
    print(f"{header[0]:<28}" + "".join(f"{h:>10}" for h in header[1:]))
    for row in rows:
        print(f"{row[0][:27]:<28}" + "".join(f"{v:>10}" for v in row[1:]))
    return runs_exit_code(runs)
