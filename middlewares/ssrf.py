"""SSRF guard downloader middleware (Scrapy glue).

Every request — start URLs, followed links, redirect targets (RedirectMiddleware sends
them back through the downloader middlewares) and robots.txt — is checked by
:mod:`newscrawl.fetch.netguard` before it reaches the downloader. A refused request raises
:class:`SSRFBlocked` (an ``IgnoreRequest``), is logged with its URL and reason and
counted as ``ssrf/blocked`` and ``newscrawl/ssrf/blocked/<reason>``.

:class:`newscrawl.engine.resolver.GuardedResolver` (``TWISTED_DNS_RESOLVER``) re-checks the
address the socket will connect to, which defeats DNS rebinding between the check and the
connection.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from newscrawl.engine.resolver import connect_resolver_stats
from scrapy.exceptions import IgnoreRequest

from newscrawl.fetch.netguard import (
    AllowList,
    DnsCache,
    NetGuard,
    Verdict,
    check_url,
    install_browser_guard,
)

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


class SSRFBlocked(IgnoreRequest):
    """A request refused by the SSRF guard."""


@dataclass(frozen=True, slots=True)
class SSRFSettings:
    allowed_hosts: tuple[str, ...]
    dns_ttl: float

    @classmethod
    def from_settings(cls, settings: Any) -> SSRFSettings:
        return cls(
            allowed_hosts=tuple(settings.getlist("NEWSCRAWL_ALLOWED_PRIVATE_HOSTS")),
            dns_ttl=settings.getfloat("NEWSCRAWL_SSRF_DNS_TTL", 300.0),
        )


def count_block(stats: StatsCollector | None, url: str, verdict: Verdict, where: str) -> None:
    """Count and log one refused URL (shared by the middleware, resolver and browser)."""
    if stats is not None:
        stats.inc_value("ssrf/blocked")
        stats.inc_value(f"newscrawl/ssrf/blocked/{verdict.reason}")
        stats.inc_value(f"newscrawl/ssrf/blocked_by/{where}")
    logger.warning("SSRF guard refused %s (%s: %s)", url, verdict.reason, verdict.detail)


class SSRFGuardMiddleware:
    """Refuse requests to non-http(s) schemes and to private/loopback/link-local hosts."""

    def __init__(self, crawler: Crawler, config: SSRFSettings) -> None:
        self.stats = crawler.stats
        self.guard = NetGuard(AllowList.parse(config.allowed_hosts))
        self.cache = DnsCache(ttl=config.dns_ttl)
        install_browser_guard(self.guard, self._browser_blocked)
        connect_resolver_stats(crawler.stats)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SSRFGuardMiddleware:
        return cls(crawler, SSRFSettings.from_settings(crawler.settings))

    def _browser_blocked(self, url: str, verdict: Verdict) -> None:
        count_block(self.stats, url, verdict, "browser")

    async def process_request(self, request: Request) -> None:
        verdict = await check_url(request.url, self.guard, self.cache)
        if not verdict.allowed:
            where = "redirect" if request.meta.get("redirect_times") else "request"
            count_block(self.stats, request.url, verdict, where)
            raise SSRFBlocked(f"SSRF guard: {verdict.reason}: {verdict.detail}")
