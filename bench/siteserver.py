"""Serve the generated news site (``sitegen``) on loopback, fast enough not to matter.

A single-threaded asyncio HTTP/1.1 server with keep-alive: no thread per connection
and no framework, so one core serves far more pages per second than a crawler can
parse (``bench/crawl_throughput.py`` reports the server's own CPU per page to prove
it). Every request is appended to ``--log`` as ``time<TAB>status<TAB>path<TAB>user
agent`` so benchmarks count pages served and tests can tell which worker fetched what.

Run: ``python bench/siteserver.py --articles 5000 --port 0 --log requests.tsv``; the
first line on stdout is ``READY <port>``.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sitegen  # from the script's own directory, also when run from elsewhere

_REASONS = {200: "OK", 404: "Not Found", 400: "Bad Request", 405: "Method Not Allowed"}


@dataclass(slots=True)
class SiteConfig:
    """What the server serves and how: article count, artificial latency, request log."""

    articles: int
    delay: float
    log: TextIO | None
    base: str = ""


def _parse_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    method, target, _version = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return method, target, headers


def _response_head(status: int, content_type: str, length: int, keep_alive: bool) -> bytes:
    connection = "keep-alive" if keep_alive else "close"
    return (
        f"HTTP/1.1 {status} {_REASONS.get(status, 'OK')}\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {length}\r\n"
        f"Connection: {connection}\r\nServer: loopback-ledger\r\n\r\n"
    ).encode("latin-1")


async def _serve_one(
    cfg: SiteConfig, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> bool:
    """Answer one request; return whether the connection stays open."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return False
    try:
        method, target, headers = _parse_head(head[:-4])
    except ValueError:
        writer.write(_response_head(400, "text/plain", 0, False))
        return False
    keep_alive = headers.get("connection", "").lower() != "close"
    if cfg.delay:
        await asyncio.sleep(cfg.delay)
    page = sitegen.render(cfg.base, target, cfg.articles)
    if method not in ("GET", "HEAD"):
        page = sitegen.Page(405, "text/plain", b"")
    writer.write(_response_head(page.status, page.content_type, len(page.body), keep_alive))
    if method == "GET":
        writer.write(page.body)
    if cfg.log is not None:
        ua = headers.get("user-agent", "-")
        cfg.log.write(f"{time.time():.6f}\t{page.status}\t{target}\t{ua}\n")
    await writer.drain()
    return keep_alive


def _handler(cfg: SiteConfig):
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await _serve_one(cfg, reader, writer):
                pass
        except ConnectionError:
            pass
        finally:
            writer.close()

    return handle


async def serve(cfg: SiteConfig, host: str, port: int) -> None:
    """Serve until SIGTERM or SIGINT; print ``READY <port>`` once listening."""
    server = await asyncio.start_server(_handler(cfg), host, port, backlog=1024)
    bound = server.sockets[0].getsockname()[1]
    cfg.base = f"http://{host}:{bound}"
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"READY {bound}", flush=True)
    async with server:
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay-ms", type=float, default=0.0, help="latency per request")
    parser.add_argument("--log", type=Path, help="append one line per request here")
    args = parser.parse_args(argv)
    log = args.log.open("a", buffering=1) if args.log else None
    try:
        cfg = SiteConfig(args.articles, args.delay_ms / 1000, log)
        asyncio.run(serve(cfg, args.host, args.port))
    finally:
        if log is not None:
            log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
