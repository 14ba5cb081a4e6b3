"""What a publisher is: the records the loader builds and every other module reads.

Kept apart from the loader so that code which only reads publishers (the crawl, the checks,
the one-name index) depends on the records, not on how TOML is validated.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from newscrawl.discover.hosts import host_of, on_domain
from newscrawl.sites.base import SiteDefinition
from newscrawl.sources import Source, SourceError


class PublisherError(SourceError):
    """A publisher definition that cannot be used: ``str()`` names the file and key."""


@dataclass(frozen=True, slots=True)
class EntryPoint:
    """Where a crawl of the publisher starts: a feed, a sitemap or a page."""

    url: str
    kind: str = "page"
    checked: dt.date | None = None
    via: str | None = None


@dataclass(frozen=True, slots=True)
class Publisher:
    """One catalogue entry (see :mod:`newscrawl.publishers`)."""

    key: str
    name: str
    aliases: tuple[str, ...] = ()
    kind: str = "publisher"
    country: str | None = None
    languages: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    entries: tuple[EntryPoint, ...] = ()
    needs_js: bool = False
    enabled: bool = True
    politeness: Mapping[str, Any] = field(default_factory=dict)
    extraction: Mapping[str, Any] = field(default_factory=dict)
    notes: str | None = None
    origin: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        """The display name and every alias."""
        return (self.name, *self.aliases)

    def source(self) -> Source:
        """The crawl's view of the publisher (what the spiders read)."""
        return Source(
            name=self.key,
            kind="aggregator" if self.kind == "aggregator" else "publisher",
            start_urls=tuple(e.url for e in self.entries),
            allowed_domains=self.domains,
            needs_js=self.needs_js,
            enabled=self.enabled,
            politeness=dict(self.politeness),
        )

    def site(self) -> SiteDefinition | None:
        """The extraction overrides as a site definition; None without overrides."""
        if not self.extraction:
            return None
        aggregator = self.kind == "aggregator"
        return SiteDefinition(
            name=self.key,
            domains=self.domains,
            site_names=self.names,
            source=self.key if aggregator else None,
            is_aggregator=aggregator,
            **_site_fields(self.extraction),
        )

    def covers(self, url: str) -> bool:
        """True when ``url`` is on one of the publisher's domains."""
        return any(on_domain(host_of(url), d) for d in self.domains)


def _site_fields(extraction: Mapping[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in extraction.items()}


def fold(name: str) -> str:
    """A name as it is looked up: case, spaces and punctuation do not count.

    >>> fold("The Associated Press"), fold("AP-News"), fold("中日新聞")
    ('theassociatedpress', 'apnews', '中日新聞')
    """
    return re.sub(r"[\W_]+", "", name.casefold())
