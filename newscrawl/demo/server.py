"""Serve the newsroom: one thread-per-request HTTP server per loopback host, one port.

``python -m newscrawl.demo.server [--port N] [--log FILE]`` prints one JSON line
(``{"port": …, "hosts": {site: base URL}}``) once every host listens, then serves until
killed. Each request is appended to ``--log`` as a JSON line (host, path, status, whether it
was conditional), which is how tests see what a crawl fetched. Validators (ETag,
Last-Modified) are sent with every page and honoured, so conditional GETs get 304s.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import threading
import time
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from newscrawl.demo.newsroom import HOSTS, Newsroom, Resource, build_newsroom, http_date

NOT_FOUND = Resource(b"<!doctype html><title>Not found</title><h1>Page not found</h1>", status=404)
IMAGE = Resource(b"\xff\xd8\xff\xe0" + b"\0" * 64, "image/jpeg")


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet stderr
        pass

    def _resource(self, path: str) -> Resource:
        site = self.server.newsroom.site_at(self.server.host)
        if site is None:
            return NOT_FOUND
        found = site.pages.get(path)
        if found is None and path.startswith("/img/"):
            return IMAGE
        return found or NOT_FOUND

    def _send(self, head_only: bool) -> None:
        path = urlsplit(self.path).path
        resource = self._resource(path)
        conditional = self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since")
        status = resource.status
        if status == 200 and self.headers.get("If-None-Match") == resource.etag:
            status = 304
        body = b"" if status == 304 or head_only else resource.body
        self.send_response(status)
        self.send_header("Content-Type", resource.content_type)
        self.send_header("Content-Length", str(len(body)))
        if resource.status == 200:
            self.send_header("ETag", resource.etag)
            # No Cache-Control, like many publishers' feeds: only the crawler's own request
            # header (no-cache) makes its cache revalidate instead of guessing freshness.
            self.send_header("Last-Modified", http_date())
        self.end_headers()
        if body:
            self.wfile.write(body)
        self.server.record(
            {
                "t": round(time.time(), 3),
                "host": self.server.host,
                "method": self.command,
                "path": self.path,
                "status": status,
                "conditional": bool(conditional),
                "ua": self.headers.get("User-Agent", ""),
            }
        )

    def do_GET(self) -> None:
        self._send(head_only=False)

    def do_HEAD(self) -> None:
        self._send(head_only=True)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], newsroom: Newsroom, log: _Log) -> None:
        super().__init__(address, _Handler)
        self.host = address[0]  # the loopback address that names the site
        self.newsroom = newsroom
        self._log = log

    def record(self, entry: dict) -> None:
        self._log.write(entry)


class _Log:
    def __init__(self, path: Path | None) -> None:
        self._lock = threading.Lock()
        self._file = path.open("a", encoding="utf-8") if path else None

    def write(self, entry: dict) -> None:
        if self._file is None:
            return
        with self._lock:
            self._file.write(json.dumps(entry) + "\n")
            self._file.flush()


def free_port(hosts: Sequence[str] = tuple(HOSTS.values())) -> int:
    """A port free on every host (tried a few times: another process may race us)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind((hosts[0], 0))
            port = probe.getsockname()[1]
        try:
            for host in hosts[1:]:
                with socket.socket() as other:
                    other.bind((host, port))
        except OSError:
            continue
        return port
    raise OSError("no port free on every newsroom host")


class NewsroomServer:
    """Every newsroom host served from background threads of this process."""

    def __init__(self, port: int = 0, log: Path | None = None) -> None:
        hosts = list(HOSTS.values())
        self.port = port or free_port(hosts)
        self.newsroom = build_newsroom(self.port)
        self._log = _Log(log)
        self._servers = [_Server((h, self.port), self.newsroom, self._log) for h in hosts]
        self._threads: list[threading.Thread] = []

    def start(self) -> NewsroomServer:
        for server in self._servers:
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()

    def describe(self) -> dict:
        return {
            "port": self.port,
            "hosts": {key: site.url("/") for key, site in self.newsroom.sites.items()},
        }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    parser.add_argument("--log", type=Path, help="append one JSON line per request here")
    parser.add_argument("--sources", type=Path, help="write the newsroom's sources.toml here")
    args = parser.parse_args(argv)
    server = NewsroomServer(args.port, args.log).start()
    if args.sources:
        args.sources.write_text(server.newsroom.sources_toml(), encoding="utf-8")
    print(json.dumps(server.describe()), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
