"""CC-NEWS style listings: WARC files fetched from a loopback server under the crawl's rules
(SSRF policy, robots.txt, delays), imported, then deleted."""

from __future__ import annotations

import gzip
import itertools
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from newscrawl.archive.listing import ArchiveFetcher, FetchRefused, read_listing
from newscrawl.fetch.netguard import AllowList, NetGuard
from tests.test_warc_import import run_import, table_rows
from tests.warckit import newsroom_records, write_warc


class _Files(BaseHTTPRequestHandler):
    root: Path
    hits: list[tuple[float, str]]

    def do_GET(self) -> None:
        self.hits.append((time.monotonic(), self.path))
        if self.path == "/robots.txt":
            body = b"User-agent: *\nDisallow: /private/\n"
        elif self.path == "/busy.warc.gz" and sum(p == self.path for _, p in self.hits) == 1:
            self.send_response(503)  # busy the first time
            self.send_header("Retry-After", "0")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        elif self.path == "/busy.warc.gz":
            body = (self.root / "crawl-data" / "a.warc.gz").read_bytes()
        elif self.path == "/moved.warc.gz":
            self.send_response(302)
            self.send_header("Location", "/crawl-data/a.warc.gz")
            self.end_headers()
            return
        else:
            target = self.root / self.path.lstrip("/")
            if not target.is_file():
                self.send_error(404)
                return
            body = target.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def warc_server(tmp_path: Path) -> Iterator[tuple[str, Path, list[tuple[float, str]]]]:
    root = tmp_path / "served"
    (root / "crawl-data").mkdir(parents=True)
    (root / "private").mkdir()
    records = newsroom_records()
    write_warc(root / "crawl-data" / "a.warc.gz", records[: len(records) // 2])
    write_warc(root / "crawl-data" / "b.warc.gz", records[len(records) // 2 :])
    write_warc(root / "private" / "c.warc.gz", records[:3])
    (root / "crawl-data" / "page.warc.gz").write_bytes(gzip.compress(b"<html>a page</html>"))
    hits: list[tuple[float, str]] = []
    handler = type("Files", (_Files,), {"root": root, "hits": hits})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", tmp_path, hits
    finally:
        server.shutdown()
        server.server_close()


def test_read_listing(tmp_path: Path) -> None:
    listing = tmp_path / "warc.paths.gz"
    listing.write_bytes(gzip.compress(b"crawl-data/CC-NEWS/2026/03/a.warc.gz\n\n# note\nb.warc\n"))
    assert read_listing(listing, "https://data.example.org") == [
        "https://data.example.org/crawl-data/CC-NEWS/2026/03/a.warc.gz",
        "https://data.example.org/b.warc",
    ]
    with pytest.raises(ValueError, match="http"):
        read_listing(listing, "file:///etc")
    bad = tmp_path / "bad.paths"
    bad.write_text("crawl-data/index.html\n")
    with pytest.raises(ValueError, match="not a WARC path"):
        read_listing(bad, "https://data.example.org/")


def test_fetcher_obeys_ssrf_robots_and_delay(warc_server) -> None:
    base, tmp, hits = warc_server
    refused = ArchiveFetcher()  # the default policy: loopback is refused before connecting
    with pytest.raises(FetchRefused, match="SSRF policy: loopback"):
        refused.fetch(base + "crawl-data/a.warc.gz")
    assert hits == []
    fetcher = ArchiveFetcher(guard=NetGuard(AllowList.parse(["127.0.0.1"])), delay=0.3,
                             directory=str(tmp))  # fmt: skip
    with pytest.raises(FetchRefused, match=r"robots\.txt"):
        fetcher.fetch(base + "private/c.warc.gz")
    first = fetcher.fetch(base + "crawl-data/a.warc.gz")
    second = fetcher.fetch(base + "moved.warc.gz")  # a redirect, checked again
    assert (
        first.read_bytes()
        == second.read_bytes()
        == (tmp / "served" / "crawl-data" / "a.warc.gz").read_bytes()
    )
    times = [t for t, path in hits if path != "/robots.txt"]
    assert all(b - a >= 0.25 for a, b in itertools.pairwise(times))  # DOWNLOAD_DELAY
    fetcher.done_with(base + "crawl-data/a.warc.gz", first)
    assert not first.exists()
    busy = fetcher.fetch(base + "busy.warc.gz")  # 503 + Retry-After, then the file
    assert busy.read_bytes() == second.read_bytes()
    assert [p for _, p in hits].count("/busy.warc.gz") == 2
    gone = ArchiveFetcher(guard=fetcher.guard, retry_times=1, retry_wait=0.01)
    with pytest.raises(FetchRefused, match="HTTP 404"):
        gone.fetch(base + "crawl-data/missing.warc.gz")
    assert [p for _, p in hits].count("/crawl-data/missing.warc.gz") == 1  # not retried


@pytest.mark.slow
def test_import_a_listing(warc_server) -> None:
    base, tmp, hits = warc_server
    listing = tmp / "warc.paths"
    listing.write_text(
        "crawl-data/a.warc.gz\ncrawl-data/page.warc.gz\ncrawl-data/b.warc.gz\nprivate/c.warc.gz\n"
    )
    url = f"sqlite:///{tmp / 'news.db'}"
    fetch_dir = tmp / "fetched"
    fetch_dir.mkdir()
    blocked = run_import([str(listing)], url, tmp, "--base-url", base)
    assert blocked.returncode == 1  # every file refused by the SSRF policy: errors logged
    assert "refused by the SSRF policy" in (tmp / "import.log").read_text()
    done = run_import([str(listing)], url, tmp, "--base-url", base, "-s",
                      "NEWSCRAWL_ALLOWED_PRIVATE_HOSTS=127.0.0.1", "-s",
                      f"NEWSCRAWL_WARC_FETCH_DIR={fetch_dir}")  # fmt: skip
    log = (tmp / "import.log").read_text()
    assert "disallowed by robots.txt" in log  # c.warc.gz: counted, the others imported
    assert "page.warc.gz: not a WARC file (it starts with b'<html>a " in log
    assert "Traceback" not in log
    assert done.returncode == 1, done.stderr
    rows = table_rows(url)
    assert rows["articles"] >= 7
    assert list(fetch_dir.iterdir()) == []  # fetched copies deleted once imported
    assert not any(path.startswith("/private/c") for _, path in hits)
    no_base = run_import([str(listing)], url, tmp)
    assert no_base.returncode == 2 and "give --base-url" in no_base.stderr
