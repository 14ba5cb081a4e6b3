"""Per-site definitions, one module per site: adding a site touches one file.

Each module in this package defines ``SITE`` (a :class:`SiteDefinition`) or ``SITES`` (a
list of them); the registry below finds them all. Extraction asks :func:`site_for` with the
page's URL and the site names the page declares (og:site_name...), so a saved copy of a page
is recognised wherever it was loaded from.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from functools import lru_cache

from newscrawl.discover.hosts import host_of
from newscrawl.sites.base import SiteDefinition

__all__ = ["SiteDefinition", "all_sites", "site_for"]


@lru_cache(maxsize=1)
def all_sites() -> tuple[SiteDefinition, ...]:
    """Every definition in this package (modules are imported once)."""
    found: list[SiteDefinition] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name == "base" or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if isinstance(getattr(module, "SITE", None), SiteDefinition):
            found.append(module.SITE)
        found.extend(s for s in getattr(module, "SITES", ()) if isinstance(s, SiteDefinition))
    return tuple(found)


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
