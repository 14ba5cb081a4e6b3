"""One publisher, one name: the name an article is stored under.

A site's pages name their publisher in several ways ("AP News", "Associated Press"), and an
aggregator names it its own way ("The Independent UK"). Stored articles carry one name per
publisher, so that ``stats``, the reader and de-duplication (:func:`publisher_key` of the
name) see one publisher where there is one:

1. a page on a catalogue publisher's domain: that publisher's display name;
2. a page on another registrable domain: the domain itself (``example-news.com``): the only
   name that cannot change from page to page of the site;
3. an aggregator's copy, or a page with no registrable domain (a saved file, a loopback
   host): the name the page states, as the catalogue spells it when it is one of a
   publisher's names or aliases (or keys equal to one: ``The Independent UK``), else as stated.

An aggregator copy whose publisher's URL is known (``original_url``) is named by that URL.
The bundled catalogue is indexed once per process; a lookup is a few dictionary probes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from newscrawl.dedupe.publisher import publisher_key
from newscrawl.dedupe.urls import is_http_url, site_domain
from newscrawl.discover.hosts import host_of
from newscrawl.publishers import Publisher, bundled_catalogue, fold


@dataclass(frozen=True, slots=True, eq=False)  # hashed by identity: lookups are cached per index
class NameIndex:
    """The catalogue's names, folded, by what they are looked up with."""

    by_name: dict[str, str]  # fold(key, name or alias) -> display name
    by_key: dict[str, str]  # publisher_key(name or alias) -> display name, when unambiguous
    by_domain: dict[str, str]  # a publisher's domain -> display name ("" for an aggregator)

    @classmethod
    def of(cls, publishers: Iterable[Publisher]) -> NameIndex:
        by_name: dict[str, str] = {}
        keys: dict[str, set[str]] = defaultdict(set)
        domains: dict[str, set[str]] = defaultdict(set)
        for p in publishers:
            for name in (p.key, *p.names):
                by_name.setdefault(fold(name), p.name)
                keys[publisher_key(name)].add(p.name)
            for domain in p.domains:
                domains[domain.lower()].add("" if p.kind == "aggregator" else p.name)
        return cls(
            by_name=by_name,
            by_key={k: next(iter(v)) for k, v in keys.items() if k and len(v) == 1},
            by_domain={d: next(iter(v)) for d, v in domains.items() if len(v) == 1},
        )

    def for_name(self, name: str) -> str | None:
        """The display name of the publisher ``name`` names, if the catalogue knows it.

        >>> index = NameIndex.of([Publisher("ap", "AP News", ("Associated Press",))])
        >>> index.for_name("associated press"), index.for_name("The AP News"), index.for_name("x")
        ('AP News', 'AP News', None)
        """
        return self.by_name.get(fold(name)) or self.by_key.get(publisher_key(name))

    def for_host(self, host: str) -> str | None:
        """The display name of the publisher whose domain ``host`` is on ("" for an
        aggregator's), None when no catalogue domain holds it (longest domain first)."""
        labels = host.lower().rstrip(".").split(".")
        for start in range(len(labels) - 1):
            found = self.by_domain.get(".".join(labels[start:]))
            if found is not None:
                return found
        return None


@lru_cache(maxsize=1)
def name_index() -> NameIndex:
    """The bundled catalogue's names (indexed once per process)."""
    return NameIndex.of(bundled_catalogue().values())


@lru_cache(maxsize=4096)  # a crawl sees a few hosts many times
def _host_name(host: str, index: NameIndex) -> str | None:
    """The name a host gives its pages: its catalogue publisher's, else its registrable
    domain; None for an aggregator's host or one without a registrable domain."""
    known = index.for_host(host)
    if known is not None:
        return known or None
    domain = site_domain(host)
    return domain[0] if domain is not None else None


def name_key(name: str) -> str:
    """The ``publisher_key`` articles of the publisher ``name`` names are stored under (a
    user's ``--publisher Associated Press`` finds AP News); the name's own key when the
    catalogue does not know it.

    >>> name_key("Associated Press"), name_key("The Independent UK"), name_key("Daily Planet")
    ('ap', 'independent', 'dailyplanet')
    """
    return catalogue_key(name) or publisher_key(name)


def catalogue_key(name: str) -> str | None:
    """The ``publisher_key`` of the bundled catalogue's publisher that ``name`` names by key,
    display name or alias (the rule of ``newscrawl crawl --publisher``,
    :func:`~newscrawl.publishers.find_publisher`, through the index), None when none does:
    a link by any of its names leads to the one page articles are stored under.

    >>> catalogue_key("apnews"), catalogue_key("ASSOCIATED PRESS"), catalogue_key("Daily Planet")
    ('ap', 'ap', None)
    """
    found = name_index().for_name(name)
    return publisher_key(found) if found is not None else None


def canonical_publisher(
    stated: str | None,
    url: str | None,
    *,
    copy: bool = False,
    original_url: str | None = None,
    index: NameIndex | None = None,
) -> str | None:
    """The name an article is stored under (see the module docstring).

    ``stated``: the publisher the page names; ``url``: where the page was fetched;
    ``copy``: the page is an aggregator's copy of another publisher's article, whose URL
    ``original_url`` is, when known.

    >>> canonical_publisher("Associated Press", "https://apnews.com/article/x")
    'AP News'
    >>> canonical_publisher("Associated Press", "http://127.0.0.3:8080/article/x")
    'AP News'
    >>> canonical_publisher("The Independent UK", "https://www.inkl.com/news/x", copy=True)
    'The Independent'
    >>> canonical_publisher("Daily Planet", "https://www.dailyplanet.co.uk/a")
    'dailyplanet.co.uk'
    """
    index = index or name_index()
    page = original_url if copy else url
    host = host_of(page) if page and is_http_url(page) else ""
    named = _host_name(host, index) if host else None
    if named:
        return named
    if not stated or not stated.strip():
        return None
    stated = stated.strip()
    return index.for_name(stated) or stated
