"""SSRF guard: decide whether a URL may be fetched, before any connection is made.

A news crawler follows links written by strangers (aggregator pages, feeds, redirects,
subresources of rendered pages). Any of them may point at the crawler's own network:
``http://169.254.169.254/`` (cloud metadata), ``http://127.0.0.1:5432/``, a host name
that resolves to ``10.0.0.5``, or an IP spelled ``http://2130706433/``. This module
holds the pure decisions; ``middlewares/ssrf.py`` is the Scrapy glue.

Policy
------
* Only ``http`` and ``https`` are fetched.
* A host that *is* or *resolves to* a non-public address is refused: loopback,
  private (RFC 1918, fc00::/7), link-local (169.254/16, fe80::/10), unspecified
  (0.0.0.0, ::), multicast, reserved, shared (100.64/10) and documentation ranges,
  also when written as an IPv4-mapped/compatible/6to4/NAT64 IPv6 address or in the
  decimal, hex and octal spellings that resolvers accept.
* Exception: hosts in ``NEWSCRAWL_ALLOWED_PRIVATE_HOSTS``. An entry is ``host`` (any
  port) or ``host:port``; it is compared with the URL's host *as written*, so
  allowing ``127.0.0.1`` does not allow ``localhost`` or ``2130706433``.

DNS rebinding
-------------
A name can resolve to a public address when checked and a private one when the
connection is made. The downloader middleware checks its own resolution; the
connection-time resolver (``newscrawl.engine.resolver.GuardedResolver``) checks again the
address the socket will actually use, so a rebinding name is refused at connect time.
Limits: behind an HTTP proxy the proxy resolves names, and a headless browser
resolves names itself (the Playwright predicate checks its own resolution, which a
rebinding server with a near-zero TTL can still race); redirects followed inside the
browser are not re-checked by Playwright's request routing.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: The only schemes newscrawl downloads.
ALLOWED_SCHEMES = frozenset({"http", "https"})
#: Schemes a browser may load without touching the network (inline images, blobs).
BROWSER_LOCAL_SCHEMES = frozenset({"data", "blob", "about"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_SHARED = ipaddress.IPv4Network("100.64.0.0/10")


@dataclass(frozen=True, slots=True)
class Verdict:
    """The guard's answer for one URL. ``reason`` is a stats-friendly slug."""

    allowed: bool
    reason: str = ""
    detail: str = ""


ALLOWED = Verdict(True)


def _parse_ipv4_part(part: str) -> int | None:
    if part[:2].lower() == "0x":
        digits, base = part[2:] or "0", 16
    elif len(part) > 1 and part.startswith("0"):
        digits, base = part[1:], 8
    else:
        digits, base = part, 10
    try:
        return int(digits, base) if digits.isalnum() else None
    except ValueError:
        return None


def parse_ip_host(host: str) -> IPAddress | None:
    """Parse a URL host that is an IP address, in every spelling resolvers accept.

    Returns None for a host name that needs DNS.

    >>> parse_ip_host("2130706433")
    IPv4Address('127.0.0.1')
    >>> parse_ip_host("0x7f000001"), parse_ip_host("0177.0.0.01"), parse_ip_host("127.1")
    (IPv4Address('127.0.0.1'), IPv4Address('127.0.0.1'), IPv4Address('127.0.0.1'))
    >>> parse_ip_host("[::ffff:169.254.169.254]")
    IPv6Address('::ffff:a9fe:a9fe')
    >>> parse_ip_host("10.0.0.1.") , parse_ip_host("example.com"), parse_ip_host("1.2.3.4.5")
    (IPv4Address('10.0.0.1'), None, None)
    """
    host = host.strip().lower().removesuffix(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            return None
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(parts):
        return None
    values = [_parse_ipv4_part(p) for p in parts]
    if any(v is None for v in values):
        return None
    nums: list[int] = [v for v in values if v is not None]
    last_bits = 8 * (5 - len(nums))
    if any(v > 255 for v in nums[:-1]) or nums[-1] >= 1 << last_bits:
        return None
    value = 0
    for v in nums[:-1]:
        value = value << 8 | v
    value = value << last_bits | nums[-1]
    return ipaddress.IPv4Address(value)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if int(ip) >> 32 == 0 and int(ip) > 1:  # deprecated IPv4-compatible ::a.b.c.d
        return ipaddress.IPv4Address(int(ip))
    return None


def forbidden_reason(ip: IPAddress) -> str | None:
    """Why an address must not be fetched (a stats slug), or None if it is public.

    >>> [forbidden_reason(ipaddress.ip_address(a)) for a in
    ...  ("127.0.0.2", "10.1.2.3", "169.254.169.254", "::1", "fd00::1", "0.0.0.0")]
    ['loopback', 'private', 'link_local', 'loopback', 'private', 'unspecified']
    >>> forbidden_reason(ipaddress.ip_address("::ffff:192.168.0.1"))
    'private'
    >>> forbidden_reason(ipaddress.ip_address("93.184.216.34")) is None
    True
    """
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return forbidden_reason(embedded)
    checks = (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link_local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private and not ip.is_reserved),
        ("reserved", ip.is_reserved),
        ("shared", isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED),
    )
    for reason, hit in checks:
        if hit:
            return reason
    return None if ip.is_global else "non_global"


@dataclass(frozen=True, slots=True)
class AllowList:
    """Hosts (optionally with a port) that may be fetched although private.

    >>> allow = AllowList.parse(["127.0.0.1:8080", "Intranet.local", "[::1]"])
    >>> allow.allows("127.0.0.1", 8080), allow.allows("127.0.0.1", 8081)
    (True, False)
    >>> allow.allows("intranet.local", 443), allow.allows("::1", 1), allow.host_listed("127.0.0.1")
    (True, True, True)
    """

    entries: frozenset[tuple[str, int | None]] = frozenset()

    @classmethod
    def parse(cls, items: Iterable[str]) -> AllowList:
        entries: set[tuple[str, int | None]] = set()
        for raw in items:
            item = raw.strip().lower()
            if not item:
                continue
            host, port = item, None
            if item.startswith("["):
                host, _, rest = item[1:].partition("]")
                port = int(rest[1:]) if rest.startswith(":") else None
            elif item.count(":") == 1:
                host, _, port_text = item.partition(":")
                port = int(port_text)
            entries.add((host, port))
        return cls(frozenset(entries))

    def allows(self, host: str, port: int | None) -> bool:
        host = host.lower().strip("[]")
        return (host, None) in self.entries or (host, port) in self.entries

    def host_listed(self, host: str) -> bool:
        """Whether the host is listed with any port (what a resolver can check)."""
        host = host.lower().strip("[]")
        return any(entry_host == host for entry_host, _ in self.entries)


class NetGuard:
    """The SSRF policy for one crawl: static URL checks plus checks of resolved IPs."""

    def __init__(self, allow: AllowList | None = None) -> None:
        self.allow = allow or AllowList()

    def check_static(self, url: str, *, browser: bool = False) -> Verdict | None:
        """Decide from the URL alone; None means the host name must be resolved first.

        >>> guard = NetGuard(AllowList.parse(["127.0.0.1:8080"]))
        >>> guard.check_static("file:///etc/passwd").reason
        'scheme'
        >>> guard.check_static("http://0x7f.0.0.1/").reason, guard.check_static("http://[::1]/").reason
        ('loopback', 'loopback')
        >>> guard.check_static("http://127.0.0.1:8080/a").allowed
        True
        >>> guard.check_static("http://foo.localhost/").reason
        'localhost_name'
        >>> guard.check_static("https://example.com/") is None
        True
        """
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            return Verdict(False, "bad_url", str(exc))
        scheme = parts.scheme.lower()
        if scheme not in ALLOWED_SCHEMES:
            if browser and scheme in BROWSER_LOCAL_SCHEMES:
                return ALLOWED
            return Verdict(False, "scheme", f"scheme {scheme or '(none)'!r} is not fetched")
        host = (parts.hostname or "").lower()
        if not host:
            return Verdict(False, "bad_url", "no host")
        if self.allow.allows(host, port if port is not None else _DEFAULT_PORTS[scheme]):
            return ALLOWED
        ip = parse_ip_host(host)
        if ip is not None:
            reason = forbidden_reason(ip)
            return Verdict(False, reason, f"{host} is {ip}") if reason else ALLOWED
        name = host.removesuffix(".")
        if name == "localhost" or name.endswith(".localhost"):
            return Verdict(False, "localhost_name", f"{host} is a loopback name")
        return None

    def check_resolved(self, host: str, addresses: Iterable[str]) -> Verdict:
        """Decide for a host name from the addresses it resolved to.

        >>> NetGuard().check_resolved("evil.example", ["93.184.216.34", "10.0.0.7"]).reason
        'resolves_to_private'
        >>> NetGuard(AllowList.parse(["evil.example"])).check_resolved("evil.example", ["10.0.0.7"])
        Verdict(allowed=True, reason='', detail='')
        """
        if self.allow.host_listed(host):
            return ALLOWED
        for address in addresses:
            try:
                ip = ipaddress.ip_address(address.split("%", 1)[0])
            except ValueError:
                return Verdict(False, "bad_address", f"{host} resolves to {address!r}")
            reason = forbidden_reason(ip)
            if reason:
                return Verdict(False, f"resolves_to_{reason}", f"{host} resolves to {address}")
        return ALLOWED


class DnsCache:
    """A small TTL + LRU cache of host -> addresses, shared by the guard's lookups.

    >>> cache = DnsCache(ttl=60, size=2, clock=lambda: 0.0)
    >>> cache.put("a.example", ["1.2.3.4"]); cache.get("a.example")
    ['1.2.3.4']
    >>> cache.get("b.example") is None
    True
    """

    def __init__(
        self, ttl: float = 300.0, size: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl, self.size, self.clock = ttl, size, clock
        self._data: OrderedDict[str, tuple[float, list[str]]] = OrderedDict()

    def get(self, host: str) -> list[str] | None:
        item = self._data.get(host)
        if item is None or item[0] < self.clock():
            self._data.pop(host, None)
            return None
        self._data.move_to_end(host)
        return item[1]

    def put(self, host: str, addresses: list[str]) -> None:
        self._data[host] = (self.clock() + self.ttl, addresses)
        self._data.move_to_end(host)
        while len(self._data) > self.size:
            self._data.popitem(last=False)


async def resolve_host(host: str, cache: DnsCache | None = None) -> list[str]:
    """Every address ``host`` resolves to (IPv4 and IPv6), without blocking the loop.

    Raises OSError when the name does not resolve.
    """
    if cache is not None and (hit := cache.get(host)) is not None:
        return hit
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    addresses = sorted({str(info[4][0]) for info in infos})
    if cache is not None:
        cache.put(host, addresses)
    return addresses


async def check_url(
    url: str, guard: NetGuard, cache: DnsCache | None = None, *, browser: bool = False
) -> Verdict:
    """The full check: static rules, then DNS. A name that does not resolve is let
    through (the download fails on its own); the connect-time resolver re-checks."""
    verdict = guard.check_static(url, browser=browser)
    if verdict is not None:
        return verdict
    host = (urlsplit(url).hostname or "").lower()
    try:
        addresses = await resolve_host(host, cache)
    except OSError:
        return ALLOWED
    return guard.check_resolved(host, addresses)


# --- Playwright -----------------------------------------------------------------------
# scrapy-playwright loads PLAYWRIGHT_ABORT_REQUEST with load_object() and gives it no
# settings, so the SSRF middleware installs the crawl's guard here when it is built.
BlockCallback = Callable[[str, Verdict], None]
_browser: dict[str, Any] = {"guard": NetGuard(), "on_block": None, "cache": DnsCache()}


def install_browser_guard(guard: NetGuard, on_block: BlockCallback | None = None) -> None:
    """Make :func:`playwright_abort_request` use this crawl's allow-list and report
    each aborted request to ``on_block(url, verdict)``."""
    _browser.update(guard=guard, on_block=on_block)


async def playwright_abort_request(request: Any) -> bool:
    """``PLAYWRIGHT_ABORT_REQUEST`` predicate: True (abort) for every browser request
    the SSRF policy refuses, e.g. ``<img src="http://169.254.169.254/">``.

    Set ``PLAYWRIGHT_ABORT_REQUEST = "newscrawl.fetch.netguard.playwright_abort_request"``.
    """
    verdict = await check_url(request.url, _browser["guard"], _browser["cache"], browser=True)
    if not verdict.allowed and _browser["on_block"] is not None:
        _browser["on_block"](request.url, verdict)
    return not verdict.allowed
