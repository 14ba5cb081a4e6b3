"""``newscrawl publishers check``: is each entry point still where the catalogue says?

Each entry point is fetched as a crawl would see it (robots.txt obeyed, the SSRF policy of
:mod:`newscrawl.fetch.netguard`, redirects followed one by one so the new URL can be shown) and
read by discovery (:func:`newscrawl.discover.starts.read_start`). The verdicts: ``ok``,
``redirected`` (it works, at another URL: update the file), ``gone`` (404 / 410), ``not a feed``
/ ``not a sitemap`` / ``not a page`` (something else answers there), ``error`` (any other HTTP
status, unreachable, refused by policy) and ``skipped`` (robots.txt disallows it). URLs rot;
this is how a user sees it.
"""

from __future__ import annotations

import os
import socket
import urllib.error
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from newscrawl.discover.starts import read_start
from newscrawl.fetch.netguard import AllowList, NetGuard
from newscrawl.publishers import EntryPoint, Publisher

#: Verdicts that make ``publishers check`` exit 1.
BROKEN = frozenset({"gone", "not a feed", "not a sitemap", "not a page", "error"})

#: What discovery must find at each kind of entry point.
EXPECTED = {
    "feed": ("feed", "not a feed"),
    "sitemap": ("sitemap", "not a sitemap"),
    "sitemap-index": ("sitemap", "not a sitemap"),
    "news-sitemap": ("sitemap", "not a sitemap"),
    "page": ("html", "not a page"),
}

MAX_REDIRECTS = 5
MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Check:
    """One entry point's verdict."""

    publisher: str
    url: str
    verdict: str
    detail: str = ""
    new_url: str | None = None

    @property
    def broken(self) -> bool:
        return self.verdict in BROKEN

    def line(self) -> str:
        moved = f" -> {self.new_url}" if self.new_url else ""
        detail = f" ({self.detail})" if self.detail else ""
        return f"{self.publisher:<22} {self.verdict:<13} {self.url}{moved}{detail}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # the 3xx comes back as an HTTPError: each hop is checked


@dataclass(slots=True)
class Answer:
    status: int
    url: str
    body: bytes = b""
    content_type: str = ""
    error: str = ""


class Fetcher:
    """GETs with the crawl's User-Agent and SSRF policy, redirects followed hop by hop."""

    def __init__(self, user_agent: str, timeout: float, guard: NetGuard) -> None:
        self.user_agent = user_agent
        self.timeout = timeout
        self.guard = guard
        self.opener = urllib.request.build_opener(_NoRedirects)

    def refused(self, url: str) -> str | None:
        """Why the policy refuses ``url``; None when it may be fetched."""
        verdict = self.guard.check_static(url)
        if verdict is None:
            host = urlsplit(url).hostname or ""
            try:
                addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
            except OSError as err:
                return f"cannot resolve {host}: {err}"
            verdict = self.guard.check_resolved(host, sorted(str(a) for a in addresses))
        return None if verdict.allowed else f"refused: {verdict.detail or verdict.reason}"

    def get(self, url: str) -> Answer:
        """The final answer for ``url`` (its ``url`` is where it was found)."""
        for _ in range(MAX_REDIRECTS + 1):
            reason = self.refused(url)
            if reason:
                return Answer(0, url, error=reason)
            request = urllib.request.Request(url, headers={"User-Agent": self.user_agent})
            try:
                with self.opener.open(request, timeout=self.timeout) as response:
                    body = response.read(MAX_BYTES)
                    kind = response.headers.get("Content-Type", "")
                    return Answer(response.status, url, body, kind)
            except urllib.error.HTTPError as err:
                location = err.headers.get("Location") if err.headers else None
                if err.code in (301, 302, 303, 307, 308) and location:
                    url = urljoin(url, location)
                    continue
                return Answer(err.code, url, error=f"HTTP {err.code}")
            except (urllib.error.URLError, OSError, ValueError) as err:
                cause = err.reason if isinstance(err, urllib.error.URLError) else err
                return Answer(0, url, error=f"unreachable: {cause}")
        return Answer(0, url, error=f"more than {MAX_REDIRECTS} redirects")


class Robots:
    """robots.txt per site, fetched once."""

    def __init__(self, fetcher: Fetcher) -> None:
        self.fetcher = fetcher
        self.parsers: dict[str, RobotFileParser | None] = {}

    def allows(self, url: str) -> bool:
        parts = urlsplit(url)
        site = f"{parts.scheme}://{parts.netloc}"
        if site not in self.parsers:
            answer = self.fetcher.get(site + "/robots.txt")
            parser = None
            if answer.status == 200:
                parser = RobotFileParser()
                parser.parse(answer.body.decode("utf-8", "replace").splitlines())
            self.parsers[site] = parser  # no robots.txt (or none readable): all allowed
        parser = self.parsers[site]
        return parser is None or parser.can_fetch(self.fetcher.user_agent, url)


def check_entry(publisher: str, entry: EntryPoint, fetcher: Fetcher, robots: Robots) -> Check:
    """Fetch and read one entry point."""
    if not robots.allows(entry.url):
        return Check(publisher, entry.url, "skipped", "robots.txt disallows it")
    answer = fetcher.get(entry.url)
    moved = answer.url if answer.url != entry.url else None
    if answer.error:
        verdict = "gone" if answer.status in (404, 410) else "error"
        return Check(publisher, entry.url, verdict, answer.error, moved)
    wanted, wrong = EXPECTED.get(entry.kind, ("html", "not a page"))
    found = read_start(answer.url, answer.body, answer.content_type).kind
    if found != wanted:
        return Check(publisher, entry.url, wrong, f"found: {found}", moved)
    return Check(publisher, entry.url, "redirected" if moved else "ok", "", moved)


def check_publishers(
    publishers: Iterable[Publisher],
    *,
    user_agent: str,
    timeout: float = 20.0,
    workers: int = 8,
) -> list[Check]:
    """Every entry point of ``publishers``, checked (several sites at once, one robots.txt
    per site); the private hosts of ``NEWSCRAWL_ALLOWED_PRIVATE_HOSTS`` may be fetched, as in
    a crawl."""
    allowed = os.environ.get("NEWSCRAWL_ALLOWED_PRIVATE_HOSTS", "").split(",")
    fetcher = Fetcher(user_agent, timeout, NetGuard(AllowList.parse(allowed)))
    robots = Robots(fetcher)
    jobs = [(p.key, e) for p in publishers for e in p.entries]
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(lambda job: check_entry(job[0], job[1], fetcher, robots), jobs))
