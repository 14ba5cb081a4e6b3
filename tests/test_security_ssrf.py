"""Issue 7, item 7: links to local, private and non-web targets are never fetched.

The unit tests check the policy on every address family and spelling without any
network traffic (private ranges and 169.254.169.254 are only ever *refused*, never
contacted). The crawl tests plant links on an aggregator page, in a feed and behind
redirects, pointing at *canary* listeners on other loopback addresses/ports, and
assert 0 canary hits and one ``ssrf/blocked`` per planted link.
"""

from __future__ import annotations

import asyncio
import socket
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import pytest
from newscrawl.engine.resolver import GuardedResolver
from newscrawl.middlewares.ssrf import SSRFBlocked, SSRFGuardMiddleware
from scrapy import Request
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler
from twisted.internet.error import DNSLookupError

from newscrawl.fetch.netguard import (
    AllowList,
    NetGuard,
    Verdict,
    install_browser_guard,
    playwright_abort_request,
)
from tests.crawlkit import crawl_here
from tests.mockserver import MockServer

REFUSED = [
    ("file:///etc/passwd", "scheme"),
    ("data:text/html,<h1>hi</h1>", "scheme"),
    ("ftp://ftp.example.com/file", "scheme"),
    ("gopher://example.com/", "scheme"),
    ("http://127.0.0.1/", "loopback"),
    ("http://127.8.9.10:8080/", "loopback"),
    ("http://[::1]/", "loopback"),
    ("http://localhost/", "localhost_name"),
    ("http://LOCALHOST./", "localhost_name"),
    ("http://api.localhost/", "localhost_name"),
    ("http://2130706433/", "loopback"),
    ("http://0x7f000001/", "loopback"),
    ("http://0177.0.0.1/", "loopback"),
    ("http://127.1/", "loopback"),
    ("http://0/", "unspecified"),
    ("http://0.0.0.0:8000/", "unspecified"),
    ("http://[::]/", "unspecified"),
    ("http://169.254.169.254/latest/meta-data/", "link_local"),
    ("http://2852039166/latest/meta-data/", "link_local"),  # 169.254.169.254, decimal
    ("http://[::ffff:169.254.169.254]/", "link_local"),
    ("http://[::ffff:a9fe:a9fe]/", "link_local"),
    ("http://10.0.0.1/", "private"),
    ("http://10.255.255.255/", "private"),
    ("http://172.16.0.1/", "private"),
    ("http://172.31.255.254/", "private"),
    ("http://192.168.1.1/", "private"),
    ("http://0xc0a80101/", "private"),
    ("http://[fd00::1]/", "private"),
    ("http://[fc00::1]/", "private"),
    ("http://[fe80::1]/", "link_local"),
    ("http://[::ffff:10.0.0.1]/", "private"),
    ("http://[2002:7f00:1::]/", "loopback"),  # 6to4 wrapping 127.0.0.1
    ("http://[64:ff9b::a9fe:a9fe]/", "link_local"),  # NAT64 wrapping the metadata IP
    ("http://100.64.0.1/", "shared"),
    ("http://224.0.0.1/", "multicast"),
    ("http://[ff02::1]/", "multicast"),
    ("http://240.0.0.1/", "reserved"),
]

ALLOWED_STATIC = [
    "http://93.184.216.34/",
    "https://8.8.8.8/dns",
    "http://[2606:4700:4700::1111]/",
    "http://172.32.0.1/",  # just outside 172.16/12
    "http://11.0.0.1/",
]


@pytest.mark.parametrize(("url", "reason"), REFUSED)
def test_refused_by_default(url: str, reason: str) -> None:
    verdict = NetGuard().check_static(url)
    assert verdict is not None
    assert (verdict.allowed, verdict.reason) == (False, reason)


@pytest.mark.parametrize("url", ALLOWED_STATIC)
def test_public_ip_literals_pass(url: str) -> None:
    assert _static(NetGuard(), url).allowed


def _static(guard: NetGuard, url: str) -> Verdict:
    """The verdict on ``url`` before any DNS lookup (these URLs need none)."""
    verdict = guard.check_static(url)
    assert verdict is not None, f"{url} needs a DNS lookup"
    return verdict


def test_allow_list_matches_host_as_written_and_port() -> None:
    guard = NetGuard(AllowList.parse(["127.0.0.1:8080", "intranet.test"]))
    assert _static(guard, "http://127.0.0.1:8080/x").allowed
    assert not _static(guard, "http://127.0.0.1:8081/x").allowed
    assert not _static(guard, "http://2130706433:8080/x").allowed
    assert not _static(guard, "http://localhost:8080/x").allowed
    assert guard.check_resolved("intranet.test", ["10.1.1.1"]).allowed
    # allow-listing never re-enables other schemes
    assert _static(guard, "file://127.0.0.1:8080/etc/passwd").reason == "scheme"


def test_only_http_and_https_handlers_are_enabled() -> None:
    handlers = get_project_settings().getwithbase("DOWNLOAD_HANDLERS")
    enabled = {scheme for scheme, path in handlers.items() if path}
    assert enabled <= {"http", "https"}
    assert {"http", "https"} <= enabled


def _middleware(allowed: list[str] | None = None) -> SSRFGuardMiddleware:
    crawler = get_crawler(settings_dict={"NEWSCRAWL_ALLOWED_PRIVATE_HOSTS": allowed or []})
    crawler.stats.open_spider()
    return SSRFGuardMiddleware.from_crawler(crawler)


def test_middleware_refuses_names_resolving_to_private_addresses() -> None:
    mw = _middleware()
    # Pre-seed the guard's DNS cache: the names never reach a real resolver.
    mw.cache.put("metadata.evil.test", ["169.254.169.254"])
    mw.cache.put("intranet.evil.test", ["93.184.216.34", "10.0.0.5"])
    mw.cache.put("v6.evil.test", ["fd12::1"])
    for host, reason in [
        ("metadata.evil.test", "resolves_to_link_local"),
        ("intranet.evil.test", "resolves_to_private"),
        ("v6.evil.test", "resolves_to_private"),
    ]:
        with pytest.raises(SSRFBlocked):
            asyncio.run(mw.process_request(Request(f"http://{host}/")))
        assert mw.stats.get_value(f"newscrawl/ssrf/blocked/{reason}") >= 1
    mw.cache.put("news.example", ["93.184.216.34"])
    assert asyncio.run(mw.process_request(Request("http://news.example/a"))) is None
    assert mw.stats.get_value("ssrf/blocked") == 3


def test_middleware_counts_redirect_targets_separately() -> None:
    mw = _middleware()
    request = Request("http://169.254.169.254/", meta={"redirect_times": 1})
    with pytest.raises(SSRFBlocked):
        asyncio.run(mw.process_request(request))
    assert mw.stats.get_value("newscrawl/ssrf/blocked_by/redirect") == 1


def test_resolver_refuses_rebinding_answer() -> None:
    """What the connect-time resolver does when a name answers with a private IP."""
    resolver = GuardedResolver.__new__(GuardedResolver)
    resolver.guard = NetGuard(AllowList.parse(["127.0.0.1"]))
    resolver.stats = None
    with pytest.raises(DNSLookupError):
        resolver._check("127.0.0.1", "rebind.evil.test")
    with pytest.raises(DNSLookupError):
        resolver._check("169.254.169.254", "rebind.evil.test")
    assert resolver._check("93.184.216.34", "rebind.evil.test") == "93.184.216.34"
    assert resolver._check("127.0.0.1", "127.0.0.1") == "127.0.0.1"


def test_playwright_predicate_aborts_forbidden_subresources() -> None:
    blocked: list[str] = []
    install_browser_guard(NetGuard(), lambda url, verdict: blocked.append(verdict.reason))
    try:
        urls = {
            "http://169.254.169.254/latest": True,
            "http://10.0.0.1/x.js": True,
            "file:///etc/passwd": True,
            "http://[::1]:9/": True,
            "data:image/png;base64,iVBORw0KGgo=": False,  # inline, no network
            "http://93.184.216.34/pic.jpg": False,
        }
        for url, expected in urls.items():
            assert asyncio.run(playwright_abort_request(SimpleNamespace(url=url))) is expected
        assert blocked == ["link_local", "private", "scheme", "loopback"]
    finally:
        install_browser_guard(NetGuard())


# --- end-to-end: a real crawl against the loopback mockserver -------------------------

CANARIES = ("main,127.0.0.1", "canary,127.0.0.1", "canary2,127.0.0.2", "canary6,::1")


def _planted(server: MockServer) -> dict[str, list[str]]:
    port = server.hostport("canary").rsplit(":", 1)[1]
    c2, c6 = server.urls["canary2"], server.urls["canary6"]
    links = [
        "file:///etc/passwd",
        "data:text/html,<h1>planted</h1>",
        f"ftp://127.0.0.1:{port}/pub",
        f"http://127.0.0.1:{port}/direct",  # allowed host, other port
        f"{c2}/second-loopback",
        f"{c6}/ipv6-loopback",
        f"http://localhost:{port}/name",
        f"http://2130706433:{port}/decimal",
        f"http://0x7f000001:{port}/hex",
        f"http://0177.0.0.1:{port}/octal",
        f"http://[::ffff:127.0.0.1]:{port}/mapped",
        f"http://0.0.0.0:{port}/unspecified",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/admin",
        "http://172.16.0.1/admin",
        "http://192.168.1.1/admin",
        "http://[fd00::1]/admin",
        "http://[fe80::1]/admin",
    ]
    hostname = socket.gethostname()
    try:
        if socket.gethostbyname(hostname).startswith("127."):
            links.append(f"http://{hostname}:{port}/machine-name")  # resolves via DNS
    except OSError:
        pass
    feed = [
        f"{c2}/from-feed",
        f"http://127.0.0.1:{port}/from-feed",
        "http://169.254.169.254/from-feed",
        "file:///etc/hostname",
    ]
    redirects = [f"{c2}/redirected", "http://169.254.169.254/redirected"]
    return {"links": links, "feed": feed, "redirects": redirects}


def _start_urls(server: MockServer, planted: dict[str, list[str]]) -> list[str]:
    def qs(urls: list[str]) -> str:
        return "&".join(f"to={quote(u, safe='')}" for u in urls)

    return [
        server.url("/links?" + qs(planted["links"])),
        server.url("/feed?" + qs(planted["feed"])),
        *(server.url(f"/redirect?to={quote(u, safe='')}") for u in planted["redirects"]),
    ]


@pytest.mark.slow
def test_crawl_fetches_no_planted_link(reactor: Any) -> None:
    with MockServer(*CANARIES) as server:
        planted = _planted(server)
        total = sum(len(v) for v in planted.values())
        result = crawl_here(
            reactor,
            _start_urls(server, planted),
            follow=True,
            settings={"NEWSCRAWL_ALLOWED_PRIVATE_HOSTS": [server.hostport()]},
        )
        hits = server.canary_hits()
    print(f"planted {total} links, ssrf/blocked {result.stat('ssrf/blocked')}, canary {hits}")
    assert hits == {}, hits
    assert result.stat("tripwire/leak") == 0
    assert result.stat("ssrf/blocked") == total, result.stats_with_prefix("newscrawl/ssrf")
    assert result.stat("newscrawl/ssrf/blocked_by/redirect") == len(planted["redirects"])
    assert result.stat("newscrawl/ssrf/blocked/scheme") == 4
    assert "Traceback" not in result.log
    # the pages carrying the links were fetched: the guard is not simply refusing all
    assert {i["status"] for i in result.items} == {200}
    assert len(result.items) == 2


@pytest.mark.slow
def test_canary_counts_when_allowed(reactor: Any) -> None:
    """Control: the same harness does see a hit when the allow-list lets a link through."""
    with MockServer(*CANARIES) as server:
        target = server.urls["canary2"] + "/allowed"
        result = crawl_here(
            reactor,
            [server.url("/links?to=" + quote(target, safe=""))],
            follow=True,
            settings={
                "NEWSCRAWL_ALLOWED_PRIVATE_HOSTS": [server.hostport(), server.hostport("canary2")]
            },
        )
        hits = server.canary_hits()
    assert hits == {"canary2": ["/robots.txt", "/allowed"]}
    assert result.stat("ssrf/blocked") == 0


@pytest.mark.slow
def test_connect_time_resolver_blocks_when_middleware_is_bypassed(reactor: Any) -> None:
    """With the middleware switched off, the resolver alone refuses a loopback name."""
    with MockServer(*CANARIES) as server:
        port = server.hostport("canary").rsplit(":", 1)[1]
        result = crawl_here(
            reactor,
            [f"http://localhost:{port}/via-resolver"],
            settings={
                "NEWSCRAWL_ALLOWED_PRIVATE_HOSTS": [server.hostport()],
                "DOWNLOADER_MIDDLEWARES": {"newscrawl.middlewares.ssrf.SSRFGuardMiddleware": None},
                "RETRY_ENABLED": False,
                "ROBOTSTXT_OBEY": False,
            },
        )
        hits = server.canary_hits()
    assert hits == {}
    assert "SSRF guard refused localhost (resolves_to_loopback" in result.log
    assert [f["url"] for f in result.failures] == [f"http://localhost:{port}/via-resolver"]
    assert result.failures[0]["type"] in {"DNSLookupError", "CannotResolveHostError"}


@pytest.mark.slow
@pytest.mark.browser
def test_browser_subresources_are_not_fetched(reactor: Any) -> None:
    """A rendered page loading scripts from loopback canaries, directly and through a
    same-host redirect: the browser's requests go through the same policy."""
    with MockServer(*CANARIES) as server:
        port = server.hostport("canary").rsplit(":", 1)[1]
        direct = [
            f"{server.urls['canary2']}/pw-script",
            f"{server.urls['canary6']}/pw-script",
            f"http://127.0.0.1:{port}/pw-script",
            f"http://localhost:{port}/pw-script",
        ]
        # A same-host script that redirects to a canary. Playwright's routing does not
        # show redirect hops to PLAYWRIGHT_ABORT_REQUEST; chromium was seen not to follow
        # this one at all (0 hits, nothing counted), so only the hits are asserted for it.
        redirect = server.url("/redirect?to=" + quote(f"{server.urls['canary2']}/pw-redir"))
        page = server.url(
            "/subresources?kind=script&"
            + "&".join(f"to={quote(u, safe='')}" for u in [*direct, redirect])
        )
        result = crawl_here(
            reactor,
            [page],
            playwright=True,
            settings={"NEWSCRAWL_ALLOWED_PRIVATE_HOSTS": [server.hostport()]},
        )
        hits = server.canary_hits()
    assert hits == {}, hits
    assert result.stat("newscrawl/ssrf/blocked_by/browser") == len(direct)
    assert result.stat("ssrf/blocked") == len(direct)
    assert [i["h1"] for i in result.items] == ["Sub"]


@pytest.mark.slow
def test_redirects_off_the_allowed_domains_are_dropped(reactor: Any) -> None:
    """Scrapy's own downloader-side OffsiteMiddleware sees redirect targets too: a spider
    with allowed_domains does not follow a redirect to another (even allow-listed) host."""
    with MockServer("main,127.0.0.1", "other,127.0.0.2") as server:
        target = server.url("/article/9", "other")
        result = crawl_here(
            reactor,
            [server.url("/redirect?to=" + quote(target, safe="")), server.url("/article/1")],
            allowed_domains=["127.0.0.1"],
            settings={
                "NEWSCRAWL_ALLOWED_PRIVATE_HOSTS": [server.hostport(), server.hostport("other")]
            },
        )
        served = [(r["listener"], r["path"]) for r in server.log()]
    assert ("other", "/article/9") not in served
    assert ("other", "/robots.txt") not in served
    assert result.stat("offsite/filtered") == 1
    assert [i["url"] for i in result.items] == [server.url("/article/1")]
    assert result.stat("ssrf/blocked") == 0
