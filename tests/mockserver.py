"""A loopback HTTP test server with fault endpoints, run as a subprocess.

Each *listener* is one ``name,address[,robots-mode]`` socket (all on loopback). A
listener whose name starts with ``canary`` answers every request with ``200 canary``
and counts it: the SSRF tests assert those counts stay at zero. Every other listener
serves the endpoints below and records each request (listener, path, start, end,
status) so tests can check per-host concurrency, delays and Retry-After.

Run by hand::

    python tests/mockserver.py --listen main,127.0.0.1 --listen canary,127.0.0.2

It prints one JSON line ``{"main": "http://127.0.0.1:PORT", ...}`` once listening.

Endpoints (main listeners)
--------------------------
``/robots.txt``            per listener: allow, disallow, 404, 500, 500x<N>, timeout,
                           timeoutx<N>, delay<S> (Crawl-delay S plus Disallow: /private/)
``/article/<n>``           a small article page (h1, byline, body)
``/private/<n>``           same, disallowed by most robots modes
``/links?to=URL&to=URL``   an HTML page linking to each ``to``
``/feed?to=URL``           an RSS feed with one item per ``to``
``/subresources?to=URL``   a page loading each ``to`` as img, script and iframe (or only
                           the ``kind=`` given: img, script, iframe, fetch, style, and
                           fetch-text: a fetch whose body the page reads)
``/redirect?to=URL``       302 (or ``code=``) to ``to``
``/redirect-loop/<n>``     endless redirect chain (n+1, n+2, …)
``/redirect-cycle``        redirects to itself
``/status/<code>``         that status; ``retry_after=S`` adds a Retry-After header
``/flaky/<code>``          that status (and ``retry_after``) for the first ``times`` hits of
                           this exact URL, then an article
``/delay?s=S``             an article page after S seconds
``/drop``                  closes the connection without answering
``/partial``               announces 100 kB, sends 1 kB, closes
``/broken-chunked``        one valid chunk, then garbage, then closes
``/trickle``               chunked, one byte every 0.5 s, never ends
``/endless``               chunked, 64 kB every 5 ms, never ends
``/gzip-bomb``             1 MB of gzip that inflates to 1 GiB, as text/html
``/big?mb=50``             a 50 MB text/html body (``chunked=1``: no Content-Length)
``/pdf-as-html``, ``/png-as-html``   binary files labelled text/html
``/empty``, ``/no-body``   an empty body; an HTML document without a <body>
``/enc/<case>``            pages in tricky encodings, see :data:`ENCODING_CASES`
``/app/<n>``               an empty app shell whose script (``/app.js?n=<n>``, served after
                           ``s=`` seconds) writes the article: only a browser sees its h1
``/app.js?n=N&s=S``        that script (``via=chunked``: without Content-Length; ``via=gzip``:
                           gzip-encoded); ``/app/<n>?via=…`` passes ``via`` on
``/app-index?n=N&s=S``     links to ``/app/1`` … ``/app/N`` (each with ``s=S``)
``/_log``, ``/_reset``     the request log / clear it (not recorded themselves)
``/_canary``               hits per canary listener
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

# --- Pages in tricky encodings ---------------------------------------------------------
# name -> (Content-Type header, meta charset or None, body codec, headline, byline).
ENCODING_CASES: dict[str, tuple[str, str | None, str, str, str]] = {
    # The charset is only in a <meta> tag; the header has none.
    "meta-only": (
        "text/html",
        "windows-1251",
        "cp1251",
        "Правительство утвердило бюджет «на вырост»",
        "Анна Шевчук",
    ),
    # The header says ISO-8859-1 (a server default), the page is UTF-8 and says so.
    "header-meta-disagree": (
        "text/html; charset=ISO-8859-1",
        "utf-8",
        "utf-8",
        "Zürich’s café owners — “we’re staying”",
        "Søren Ågård and Zoë Müller",
    ),
    # A UTF-8 byte order mark, no charset anywhere else.
    "bom": ("text/html", None, "utf-8-sig", "Ça déménage à Montréal", "Hélène Côté"),
    # Labelled gb2312 (as many Chinese sites do), with characters only GB18030 has.
    "gb18030": (
        "text/html; charset=gb2312",
        "gb2312",
        "gb18030",
        "镕基金会发布报告：𠮷野家扩张计划",
        "记者 朱镕 王喆",
    ),
    # Labelled Shift_JIS, with Windows-31J extensions (circled digits, 髙).
    "shift_jis": (
        "text/html; charset=Shift_JIS",
        "Shift_JIS",
        "cp932",
        "髙島屋、①号店を改装　売上高は過去最高",
        "山田 太郎",
    ),
    # cp1252 bytes (curly quotes, euro sign) served as UTF-8.
    "cp1252-as-utf8": (
        "text/html; charset=utf-8",
        "utf-8",
        "cp1252",
        "Prices rise 5% to €1,200 – “a shock” for Renée",
        "François Dupré",
    ),
}


def encoding_case_body(name: str) -> bytes:
    """The bytes served at ``/enc/<name>``."""
    _, meta, codec, headline, byline = ENCODING_CASES[name]
    meta_tag = f'<meta charset="{meta}">' if meta else ""
    html = (
        f"<!DOCTYPE html><html><head>{meta_tag}<title>{headline} | Example</title></head>"
        f'<body><article><h1>{headline}</h1><p class="byline">{byline}</p>'
        f"<p>{headline}. {byline}.</p></article></body></html>"
    )
    return html.encode(codec)


# --- Binary payloads -------------------------------------------------------------------
PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n" + b"0" * 4000 + b"\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 4000
_GZIP_MEMBER = gzip.compress(b"\0" * (16 << 20), compresslevel=9)
#: 64 concatenated gzip members of 16 MiB of zeros each: 1 GiB once inflated.
GZIP_BOMB = _GZIP_MEMBER * 64
GZIP_BOMB_INFLATED = 64 * (16 << 20)


def article_html(title: str, body: str = "") -> bytes:
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"</head><body><article><h1>{escape(title)}</h1>"
        f"<p class='byline'>By Jane Doe</p><p>{escape(body or title)}</p></article>"
        f"</body></html>"
    ).encode()


def app_shell_html(n: str, delay: str, via: str = "") -> bytes:
    """An app shell: no content until ``/app.js`` has run."""
    src = f"/app.js?n={escape(n)}&amp;s={escape(delay)}"
    if via:
        src += f"&amp;via={escape(via)}"
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>App</title></head>"
        f"<body><div id='root'></div><script src='{src}'></script></body></html>"
    ).encode()


def app_script(n: str) -> bytes:
    """The script of ``/app/<n>``: writes the article into ``#root``."""
    title = json.dumps(f"App {n}")
    return (
        "document.getElementById('root').innerHTML = '<article><h1>' + "
        f"{title} + \"</h1><p class='byline'>By Jane Doe</p><p>Rendered.</p></article>\";"
    ).encode()


@dataclass
class Listener:
    name: str
    address: str
    robots: str = "allow"
    port: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    robots_hits: int = 0

    @property
    def is_canary(self) -> bool:
        return self.name.startswith("canary")

    @property
    def base_url(self) -> str:
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"http://{host}:{self.port}"


@dataclass
class State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    log: list[dict[str, Any]] = field(default_factory=list)
    canary: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    hits: dict[str, int] = field(default_factory=dict)


STATE = State()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "newscrawl-mockserver"
    listener: Listener  # set per server class

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    # -- plumbing -------------------------------------------------------------------
    def do_HEAD(self) -> None:
        self.do_GET()

    def do_POST(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        listener = self.listener
        if listener.is_canary:
            with STATE.lock:
                STATE.canary[listener.name].append(self.path)
            self._send(200, b"canary", "text/plain")
            return
        parts = urlsplit(self.path)
        if parts.path in ("/_log", "/_reset", "/_canary"):
            self._control(parts.path)
            return
        record = {"listener": listener.name, "path": self.path, "start": time.time()}
        with STATE.lock:
            listener.in_flight += 1
            listener.max_in_flight = max(listener.max_in_flight, listener.in_flight)
            STATE.log.append(record)
        self._status = 0
        try:
            self._route(parts.path, parse_qs(parts.query))
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True
        finally:
            with STATE.lock:
                listener.in_flight -= 1
                record["end"] = time.time()
                record["status"] = self._status

    def _control(self, path: str) -> None:
        with STATE.lock:
            if path == "/_reset":
                STATE.log.clear()
                STATE.canary.clear()
                STATE.hits.clear()
                payload: Any = {"ok": True}
            elif path == "/_canary":
                payload = {k: list(v) for k, v in STATE.canary.items()}
            else:
                payload = {"requests": list(STATE.log)}
        self._send(200, json.dumps(payload).encode(), "application/json")

    def _send(
        self,
        status: int,
        body: bytes,
        ctype: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        self._status = status
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _start_chunked(self, ctype: str = "text/html; charset=utf-8") -> None:
        self._status = 200
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _hang_up(self) -> None:
        self.close_connection = True
        self.wfile.flush()
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    # -- endpoints ------------------------------------------------------------------
    def _route(self, path: str, q: dict[str, list[str]]) -> None:
        arg = path.rsplit("/", 1)[-1]
        if path == "/robots.txt":
            self._robots()
        elif path.startswith(("/article/", "/private/")):
            self._send(200, article_html(f"Article {arg}"))
        elif path == "/links":
            links = "".join(f'<li><a href="{escape(u)}">link</a></li>' for u in q.get("to", []))
            self._send(200, f"<html><body><h1>Links</h1><ul>{links}</ul></body></html>".encode())
        elif path == "/feed":
            items = "".join(
                f"<item><title>t</title><link>{escape(u)}</link></item>" for u in q.get("to", [])
            )
            rss = f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'
            self._send(200, rss.encode(), "application/rss+xml")
        elif path == "/subresources":
            kinds = {
                "img": '<img src="{}">',
                "script": '<script src="{}"></script>',
                "iframe": '<iframe src="{}"></iframe>',
                "fetch": "<script>fetch('{}').catch(() => 0)</script>",
                "style": '<link rel="stylesheet" href="{}">',
            }
            read = (
                "<script>fetch({}).then(r => r.text())"
                ".then(t => {{ document.title = t.length }})</script>"
            )
            wanted = q.get("kind", ["img", "script", "iframe"])
            tags = "".join(
                read.format(json.dumps(u)) if k == "fetch-text" else kinds[k].format(escape(u))
                for u in q.get("to", [])
                for k in wanted
            )
            self._send(200, f"<html><body><h1>Sub</h1>{tags}</body></html>".encode())
        elif path == "/redirect":
            code = int(q.get("code", ["302"])[0])
            self._send(code, b"", headers={"Location": q["to"][0]})
        elif path.startswith("/redirect-loop/"):
            self._send(302, b"", headers={"Location": f"/redirect-loop/{int(arg) + 1}"})
        elif path == "/redirect-cycle":
            self._send(302, b"", headers={"Location": "/redirect-cycle"})
        elif path.startswith("/status/"):
            headers = {}
            if "retry_after" in q:
                headers["Retry-After"] = q["retry_after"][0]
            self._send(int(arg), article_html(f"Status {arg}"), headers=headers)
        elif path.startswith("/flaky/"):  # ``code`` for the first ``times`` hits of this URL
            with STATE.lock:
                STATE.hits[self.path] = hits = STATE.hits.get(self.path, 0) + 1
            if hits <= int(q.get("times", ["1"])[0]):
                headers = {"Retry-After": q["retry_after"][0]} if "retry_after" in q else {}
                self._send(int(arg), b"<html><body>busy</body></html>", headers=headers)
            else:
                self._send(200, article_html(f"Flaky {self.path}"))
        elif path == "/delay":
            time.sleep(float(q.get("s", ["1"])[0]))
            self._send(200, article_html("Delayed"))
        elif path == "/drop":
            self._hang_up()
        elif path == "/partial":
            self._status = 200
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"<html><body>" + b"x" * 1000)
            self._hang_up()
        elif path == "/broken-chunked":
            self._start_chunked()
            self._chunk(b"<html><body><p>first chunk</p>")
            self.wfile.write(b"zz-not-a-chunk-size\r\ngarbage\r\n")
            self._hang_up()
        elif path == "/trickle":
            self._start_chunked()
            while True:
                self._chunk(b" ")
                time.sleep(0.5)
        elif path == "/endless":
            self._start_chunked()
            block = b"<p>" + b"x" * 65530 + b"</p>"
            while True:
                self._chunk(block)
                time.sleep(0.005)
        elif path == "/gzip-bomb":
            self._send(200, GZIP_BOMB, headers={"Content-Encoding": "gzip"})
        elif path == "/big":
            self._big(int(q.get("mb", ["50"])[0]), q.get("chunked", ["0"])[0] == "1")
        elif path == "/pdf-as-html":
            self._send(200, PDF_BYTES)
        elif path == "/png-as-html":
            self._send(200, PNG_BYTES)
        elif path == "/empty":
            self._send(200, b"")
        elif path == "/no-body":
            self._send(200, b"<!DOCTYPE html><html><head><title>No body</title></head></html>")
        elif path.startswith("/app/"):
            self._send(200, app_shell_html(arg, q.get("s", ["0"])[0], q.get("via", [""])[0]))
        elif path == "/app.js":
            time.sleep(float(q.get("s", ["0"])[0]))
            self._app_script(app_script(q.get("n", ["0"])[0]), q.get("via", [""])[0])
        elif path == "/app-index":
            delay = escape(q.get("s", ["0"])[0])
            links = "".join(
                f'<li><a href="/app/{i}?s={delay}">app {i}</a></li>'
                for i in range(1, int(q.get("n", ["10"])[0]) + 1)
            )
            self._send(200, f"<html><body><h1>Apps</h1><ul>{links}</ul></body></html>".encode())
        elif path.startswith("/enc/") and arg in ENCODING_CASES:
            self._send(200, encoding_case_body(arg), ENCODING_CASES[arg][0])
        else:
            self._send(404, b"<html><body>not found</body></html>")

    def _app_script(self, script: bytes, via: str) -> None:
        ctype = "application/javascript"
        if via == "chunked":
            self._start_chunked(ctype)
            self._chunk(script)
            self.wfile.write(b"0\r\n\r\n")
        elif via == "gzip":
            self._send(200, gzip.compress(script), ctype, {"Content-Encoding": "gzip"})
        else:
            self._send(200, script, ctype)

    def _robots(self) -> None:
        listener = self.listener
        with STATE.lock:
            listener.robots_hits += 1
            hits = listener.robots_hits
        mode = listener.robots
        rules = "User-agent: *\nDisallow: /private/\n"
        if "x" in mode:  # e.g. 500x3: the first 3 fetches fail, then the rules are served
            mode, _, count = mode.partition("x")
            if hits > int(count):
                mode = "disallow"
        if mode == "404":
            self._send(404, b"<html><body>Disallow: /</body></html>")
        elif mode == "500":
            self._send(500, b"User-agent: *\nAllow: /\n", "text/plain")
        elif mode == "timeout":
            time.sleep(30)
            self._send(200, rules.encode(), "text/plain")
        elif mode.startswith("delay"):
            text = rules + f"Crawl-delay: {mode.removeprefix('delay')}\n"
            self._send(200, text.encode(), "text/plain")
        elif mode == "allow":
            self._send(200, b"User-agent: *\nDisallow:\n", "text/plain")
        else:  # disallow
            self._send(200, rules.encode(), "text/plain")

    def _big(self, mb: int, chunked: bool) -> None:
        block = b"<p>" + b"y" * (1024 * 1024 - 7) + b"</p>"
        if chunked:
            self._start_chunked()
            for _ in range(mb):
                self._chunk(block)
            self.wfile.write(b"0\r\n\r\n")
            return
        self._status = 200
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(block) * mb))
        self.end_headers()
        for _ in range(mb):
            self.wfile.write(block)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def _serve(listener: Listener) -> ThreadingHTTPServer:
    handler = type(f"Handler_{listener.name}", (Handler,), {"listener": listener})
    server_cls: type[_Server] = _Server
    if ":" in listener.address:
        server_cls = type("_Server6", (_Server,), {"address_family": socket.AF_INET6})
    server = server_cls((listener.address, listener.port), handler)
    listener.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def parse_listener(spec: str) -> Listener:
    name, address, *rest = spec.split(",")
    return Listener(name=name, address=address, robots=rest[0] if rest else "allow")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", action="append", default=[], help="name,address[,robots]")
    args = parser.parse_args(argv)
    listeners = [parse_listener(s) for s in args.listen or ["main,127.0.0.1"]]
    for listener in listeners:
        if not listener.address.startswith("127.") and listener.address != "::1":
            raise SystemExit(f"refusing to listen on non-loopback {listener.address}")
        _serve(listener)
    print(json.dumps({item.name: item.base_url for item in listeners}), flush=True)
    while True:
        time.sleep(3600)


# --- pytest side -------------------------------------------------------------------------


class MockServer:
    """A running mockserver subprocess; ``urls[name]`` is each listener's base URL."""

    def __init__(self, *specs: str) -> None:
        self.specs = specs or ("main,127.0.0.1",)
        self.proc: subprocess.Popen[str] | None = None
        self.urls: dict[str, str] = {}

    def __enter__(self) -> MockServer:
        cmd = [sys.executable, str(Path(__file__).resolve())]
        for spec in self.specs:
            cmd += ["--listen", spec]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("mockserver did not start")
        self.urls = json.loads(line)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)

    def url(self, path: str, listener: str = "main") -> str:
        return self.urls[listener] + path

    @property
    def main_listener(self) -> str:
        return next(n for n in self.urls if not n.startswith("canary"))

    def _get_json(self, path: str) -> Any:
        with urllib.request.urlopen(self.url(path, self.main_listener), timeout=10) as resp:
            return json.load(resp)

    def log(self) -> list[dict[str, Any]]:
        """Every recorded request: listener, path, start, end (epoch seconds), status."""
        return self._get_json("/_log")["requests"]

    def canary_hits(self) -> dict[str, list[str]]:
        return self._get_json("/_canary")

    def reset(self) -> None:
        self._get_json("/_reset")

    def hostport(self, listener: str = "main") -> str:
        return urlsplit(self.urls[listener]).netloc


@pytest.fixture(scope="module")
def mockserver():
    """The default mockserver: one ``main`` listener on 127.0.0.1 (robots allow all)."""
    with MockServer() as server:
        yield server


if __name__ == "__main__":
    main()
