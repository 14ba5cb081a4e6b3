"""CC-NEWS listings and fetching WARC files from the network, under the crawl's rules.

A listing (Common Crawl's ``warc.paths.gz`` style) has one WARC path per line; joined to a base
URL each is a file to import (:func:`read_listing`). WARC files are far larger than pages
(CC-NEWS: about 1 GB each), so they are not fetched by Scrapy, which holds a body in memory,
but streamed to a temporary file by :class:`ArchiveFetcher`, under the same rules as a crawl:
only http(s), the SSRF policy (:class:`newscrawl.fetch.netguard.NetGuard`, with
``NEWSCRAWL_ALLOWED_PRIVATE_HOSTS``) on the URL, on the address actually connected to and on
every redirect, robots.txt obeyed (``ROBOTSTXT_OBEY``; Protego, Scrapy's parser; a 5xx or
unreachable robots.txt refuses the host, RFC 9309), ``USER_AGENT``, ``DOWNLOAD_TIMEOUT``,
``DOWNLOAD_DELAY`` (or the robots ``Crawl-delay``, up to ``NEWSCRAWL_ROBOTS_CRAWL_DELAY_MAX``)
between two requests to one host, and ``RETRY_TIMES`` / ``RETRY_HTTP_CODES`` (with backoff and
``Retry-After``) for answers and connections that fail. Each fetched file is deleted once imported.
"""

from __future__ import annotations

import gzip
import http.client
import logging
import os
import shutil
import socket
import ssl
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from protego import Protego

from newscrawl.fetch.netguard import AllowList, NetGuard
from newscrawl.fetch.politeness import parse_retry_after

logger = logging.getLogger(__name__)

#: Redirects followed for one file.
MAX_REDIRECTS = 5
#: Bytes read at a time while streaming a file to disk.
CHUNK = 1 << 20
#: robots.txt bodies larger than this are cut (as Google does at 500 KiB).
ROBOTS_MAX = 512 << 10


class FetchRefused(RuntimeError):
    """A URL the crawl's rules do not allow (SSRF policy, robots.txt), or a failed fetch."""


class _Retryable(RuntimeError):
    """A failure worth another attempt; ``wait``: what the server's Retry-After asked."""

    def __init__(self, message: str, wait: float | None = None) -> None:
        super().__init__(message)
        self.wait = wait


def is_url(name: str) -> bool:
    """An input to fetch rather than a local file.

    >>> is_url("https://data.commoncrawl.org/x.warc.gz"), is_url("crawl/x.warc.gz")
    (True, False)
    """
    return name.lower().startswith(("http://", "https://"))


def read_listing(path: str | Path, base_url: str) -> list[str]:
    """The WARC URLs a listing names: one path per line (gzip'ed or not; blank lines and
    ``#`` comments ignored), each joined to ``base_url``. ValueError for a base that is not
    an http(s) URL or a line that is not a WARC path."""
    if not is_url(base_url):
        raise ValueError(f"--base-url must be an http(s) URL, not {base_url!r}")
    base = base_url if base_url.endswith("/") else base_url + "/"
    with open(path, "rb") as f:
        raw = f.read(2)
        f.seek(0)
        data = gzip.GzipFile(fileobj=f).read() if raw == b"\x1f\x8b" else f.read()
    urls = []
    for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
        item = line.strip()
        if not item or item.startswith("#"):
            continue
        if not item.split("?")[0].endswith((".warc", ".warc.gz")):
            raise ValueError(f"{path}:{number}: not a WARC path: {item[:80]!r}")
        urls.append(item if is_url(item) else urljoin(base, item.lstrip("/")))
    return urls


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address the guard checked, not to a fresh resolution of the name."""

    def __init__(self, host: str, address: str, **kwargs: Any) -> None:
        super().__init__(host, **kwargs)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, address: str, **kwargs: Any) -> None:
        super().__init__(host, context=ssl.create_default_context(), **kwargs)
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


@dataclass
class ArchiveFetcher:
    """Fetches WARC files (and their hosts' robots.txt) under the crawl's rules."""

    guard: NetGuard = field(default_factory=NetGuard)
    user_agent: str = "newscrawl"
    timeout: float = 30.0
    delay: float = 0.0
    max_crawl_delay: float = 10.0
    obey_robots: bool = True
    directory: str | None = None
    retry_times: int = 3
    retry_codes: frozenset[int] = frozenset({408, 429, 500, 502, 503, 504, 522, 524})
    retry_wait: float = 5.0
    max_retry_wait: float = 300.0
    _robots: dict[str, Protego | None] = field(default_factory=dict)
    _last: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_settings(cls, settings: Any) -> ArchiveFetcher:
        allowed = settings.getlist("NEWSCRAWL_ALLOWED_PRIVATE_HOSTS")
        return cls(
            guard=NetGuard(AllowList.parse(allowed)),
            user_agent=settings.get("USER_AGENT") or "newscrawl",
            timeout=settings.getfloat("DOWNLOAD_TIMEOUT", 30.0),
            delay=settings.getfloat("DOWNLOAD_DELAY", 0.0),
            max_crawl_delay=settings.getfloat("NEWSCRAWL_ROBOTS_CRAWL_DELAY_MAX", 10.0),
            obey_robots=settings.getbool("ROBOTSTXT_OBEY", True),
            directory=settings.get("NEWSCRAWL_WARC_FETCH_DIR") or None,
            retry_times=settings.getint("RETRY_TIMES", 3)
            if settings.getbool("RETRY_ENABLED", True)
            else 0,
            retry_codes=frozenset(int(c) for c in settings.getlist("RETRY_HTTP_CODES"))
            or frozenset({503}),
        )

    # --- the rules ------------------------------------------------------------------------

    def _address(self, url: str) -> str:
        """The checked address to connect to for ``url``; FetchRefused when the policy
        refuses it."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        verdict = self.guard.check_static(url)
        if verdict is not None and not verdict.allowed:
            raise FetchRefused(f"refused by the SSRF policy: {verdict.reason} ({verdict.detail})")
        try:
            infos = socket.getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
        except OSError as err:
            raise FetchRefused(f"cannot resolve {host}: {err}") from None
        addresses = [str(info[4][0]) for info in infos]
        if verdict is None:  # a name: its addresses decide
            resolved = self.guard.check_resolved(host, addresses)
            if not resolved.allowed:
                why = f"{resolved.reason} ({resolved.detail})"
                raise FetchRefused(f"refused by the SSRF policy: {why}")
        return addresses[0]

    def _wait_turn(self, url: str, crawl_delay: float | None) -> None:
        """Politeness: ``DOWNLOAD_DELAY`` (or the robots Crawl-delay) between two requests to
        one host."""
        host = (urlsplit(url).hostname or "").lower()
        delay = max(self.delay, min(crawl_delay or 0.0, self.max_crawl_delay))
        with self._lock:
            wait = self._last.get(host, -1e9) + delay - time.monotonic()
            self._last[host] = time.monotonic() + max(wait, 0.0)
        if wait > 0:
            time.sleep(wait)

    def _open(self, url: str) -> http.client.HTTPResponse:
        parts = urlsplit(url)
        address = self._address(url)
        kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
        connection = kind(parts.netloc, address, timeout=self.timeout)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        connection.request("GET", path, headers={"User-Agent": self.user_agent})
        return connection.getresponse()

    def _robots_for(self, url: str) -> Protego | None:
        """The host's robots.txt (None: none there, everything allowed); FetchRefused when
        it cannot be read (5xx, unreachable): the host is not fetched."""
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        if key not in self._robots:
            robots_url = key + "/robots.txt"
            try:
                response = self._open(robots_url)
                body = response.read(ROBOTS_MAX)
            except OSError as err:
                raise FetchRefused(f"robots.txt unavailable ({err}): host not fetched") from None
            if response.status >= 500:
                raise FetchRefused(f"robots.txt answered {response.status}: host not fetched")
            text = body.decode("utf-8", errors="replace") if response.status < 300 else ""
            self._robots[key] = Protego.parse(text) if text else None
        return self._robots[key]

    # --- fetching -------------------------------------------------------------------------

    def fetch(self, url: str) -> Path:
        """Stream ``url`` to a temporary file; FetchRefused when the rules refuse it or the
        server does not give it. A connection error, a cut-off body or an answer in
        ``RETRY_HTTP_CODES`` is tried again up to ``RETRY_TIMES`` times, waiting longer each
        time (``Retry-After`` when the server says, up to ``max_retry_wait``)."""
        for attempt in range(self.retry_times + 1):
            try:
                return self._fetch_once(url)
            except _Retryable as err:
                if attempt == self.retry_times:
                    raise FetchRefused(f"{err} ({attempt + 1} attempts)") from None
                wait = err.wait if err.wait is not None else self.retry_wait * 2**attempt
                logger.warning("fetching %s: %s; trying again in %.1f s", url, err, wait)
                time.sleep(min(wait, self.max_retry_wait))
        raise AssertionError("unreachable")

    def _fetch_once(self, url: str) -> Path:
        for _hop in range(MAX_REDIRECTS + 1):  # each redirect target checked like the first
            robots = self._robots_for(url) if self.obey_robots else None
            if robots is not None and not robots.can_fetch(url, self.user_agent):
                raise FetchRefused(f"disallowed by robots.txt: {url}")
            self._wait_turn(url, robots.crawl_delay(self.user_agent) if robots else None)
            try:
                response = self._open(url)
            except OSError as err:  # refused connection, reset, timeout
                raise _Retryable(f"{type(err).__name__}: {err}") from None
            if response.status in (301, 302, 303, 307, 308):
                target = response.getheader("Location")
                response.close()
                if not target:
                    raise FetchRefused(f"redirect without a Location ({response.status})")
                url = urljoin(url, target)
                continue
            if response.status in self.retry_codes:
                wait = parse_retry_after(response.getheader("Retry-After"))
                response.close()
                raise _Retryable(f"HTTP {response.status}", wait)
            if response.status != 200:
                response.close()
                raise FetchRefused(f"HTTP {response.status}")
            try:
                return self._save(url, response)
            except (OSError, http.client.HTTPException) as err:  # cut off mid-body
                raise _Retryable(f"download cut off: {err}") from None
        raise FetchRefused(f"more than {MAX_REDIRECTS} redirects")

    def _save(self, url: str, response: http.client.HTTPResponse) -> Path:
        name = Path(urlsplit(url).path).name or "download.warc"
        handle, path = tempfile.mkstemp(prefix="newscrawl-import-", suffix="-" + name,
                                        dir=self.directory)  # fmt: skip
        try:
            with os.fdopen(handle, "wb") as out, response:
                shutil.copyfileobj(response, out, CHUNK)
        except BaseException:
            os.unlink(path)
            raise
        return Path(path)

    def done_with(self, name: str, local: Path) -> None:
        """Delete a fetched copy once imported (a local input is left alone)."""
        if is_url(name):
            local.unlink(missing_ok=True)
