"""The connect-time DNS resolver of the SSRF policy (Scrapy glue: ``TWISTED_DNS_RESOLVER``).

It sees the address Twisted will connect to, so a name that rebinds to a private address
after passing :class:`newscrawl.middlewares.ssrf.SSRFGuardMiddleware`'s check is refused here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.error import DNSLookupError

from newscrawl.fetch.netguard import AllowList, NetGuard, parse_ip_host

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector


def connect_resolver_stats(stats: StatsCollector | None) -> None:
    """The resolver is built per process, before any crawler: give it this crawl's stats."""
    from twisted.internet import reactor

    resolver = getattr(reactor, "resolver", None)
    if isinstance(resolver, GuardedResolver):
        resolver.stats = stats


#: Names the resolver refused for the SSRF policy, in this process. Twisted turns the refusal
#: into a generic "no results for hostname lookup", so the download error cannot tell it from
#: a name that does not exist: a refused name is final, not a host to wait for
#: (:func:`newscrawl.middlewares.unreachable.unreachable_reason_for`).
REFUSED_NAMES: set[str] = set()
_REFUSED_NAMES_MAX = 10_000


def refused_by_policy(name: str) -> bool:
    return name.lower() in REFUSED_NAMES


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver that refuses non-public answers for names not allowed.

    Set as ``TWISTED_DNS_RESOLVER``. It sees the address Twisted will connect to, so a
    name that rebinds to 127.0.0.1 after passing the middleware's check is refused here.
    """

    guard: NetGuard = NetGuard()
    stats: StatsCollector | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> GuardedResolver:
        # Scrapy passes the CrawlerProcess here: settings, but no stats yet.
        resolver = super().from_crawler(crawler, reactor)
        from newscrawl.middlewares.ssrf import SSRFSettings

        config = SSRFSettings.from_settings(crawler.settings)
        resolver.guard = NetGuard(AllowList.parse(config.allowed_hosts))
        return resolver

    def getHostByName(self, name: str, timeout: Any = ()) -> Any:
        deferred = super().getHostByName(name, timeout)
        deferred.addCallback(self._check, name)
        return deferred

    def _check(self, address: str, name: str) -> str:
        if self.guard.allow.host_listed(name) or parse_ip_host(name) is not None:
            # IP literals were judged by the middleware, with the port it knows.
            return address
        verdict = self.guard.check_resolved(name, [address])
        if not verdict.allowed:
            from newscrawl.middlewares.ssrf import count_block

            count_block(self.stats, name, verdict, "resolver")
            if len(REFUSED_NAMES) < _REFUSED_NAMES_MAX:
                REFUSED_NAMES.add(name.lower())
            raise DNSLookupError(f"SSRF guard: {verdict.detail}")
        return address
