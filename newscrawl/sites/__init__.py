"""Per-site extraction overrides, as extraction looks them up.

The overrides live in the publisher catalogue (the ``[extraction]`` table of a publisher's
file, :mod:`newscrawl.publishers`); :class:`SiteDefinition` is their shape. Extraction asks
:func:`site_for` with the page's URL and the site names the page declares (og:site_name...),
so a saved copy of a page is recognised wherever it was loaded from.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from newscrawl.discover.hosts import host_of
from newscrawl.sites.base import SiteDefinition

__all__ = ["SiteDefinition", "all_sites", "site_for"]


@lru_cache(maxsize=1)
def all_sites() -> tuple[SiteDefinition, ...]:
    """Every bundled publisher's extraction overrides (the catalogue is read once)."""
    from newscrawl.publishers import all_site_definitions  # it imports sites.base

    return all_site_definitions()


def site_for(url: str, site_names: Iterable[str] = ()) -> SiteDefinition | None:
    """The definition for a page: by host first, then by a declared site name.

    >>> site_for("https://www.inkl.com/news/some-story").name
    'inkl'
    >>> site_for("file:///tmp/page.html", ["inkl"]).name
    'inkl'
    >>> site_for("https://example.com/") is None
    True
    """
    host = host_of(url)
    if host:
        for site in all_sites():
            if site.matches_host(host):
                return site
    names = {n.strip().lower() for n in site_names if n}
    if names:
        for site in all_sites():
            if names & {n.lower() for n in site.site_names}:
                return site
    return None
