"""Sources: the crawl's view of a publisher of the catalogue (:mod:`newscrawl.publishers`).

A source is a site newscrawl crawls on a schedule: its name (the publisher's key), whether it
is a publisher or an aggregator, where a crawl starts (feeds, sitemaps, home and section
pages), which domains it may follow links in, whether its pages need a browser, and
politeness overrides (Scrapy settings applied to that source's crawl only). ``scrapy crawl
source -a name=NAME`` crawls one, ``newscrawl crawl --all`` every enabled one.

The catalogue is the one given (``--sources``, the ``NEWSCRAWL_SOURCES_FILE`` setting or
environment variable: a catalogue folder or file), else the one shipped inside the package
(``newscrawl/publishers/``), whatever the working directory and however newscrawl was
installed. Old sources files (``[[source]]`` tables, validated by :meth:`Source.from_dict`)
are still read, with a deprecation warning.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from newscrawl.discover.hosts import domains_of, host_of, on_domain

#: Scrapy settings a source may override.
POLITENESS_KEYS = frozenset(
    {
        "DOWNLOAD_DELAY", "RANDOMIZE_DOWNLOAD_DELAY", "CONCURRENT_REQUESTS_PER_DOMAIN",
        "AUTOTHROTTLE_ENABLED", "AUTOTHROTTLE_START_DELAY", "AUTOTHROTTLE_MAX_DELAY",
        "AUTOTHROTTLE_TARGET_CONCURRENCY", "DOWNLOAD_TIMEOUT", "RETRY_TIMES", "USER_AGENT",
        "ROBOTSTXT_OBEY", "DOWNLOAD_MAXSIZE", "DEPTH_LIMIT",
    }
)  # fmt: skip

Kind = Literal["publisher", "aggregator"]


class SourceError(ValueError):
    """A sources file that cannot be used, with the reason."""


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    kind: Kind
    start_urls: tuple[str, ...]
    allowed_domains: tuple[str, ...] = ()
    needs_js: bool = False
    enabled: bool = True
    politeness: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Source:
        """Validate one ``[[source]]`` table.

        >>> Source.from_dict({"name": "ap", "kind": "publisher",
        ...     "start_urls": ["https://apnews.com/news-sitemap.xml"]}).allowed_domains
        ('apnews.com',)
        >>> Source.from_dict({"name": "x", "kind": "blog", "start_urls": ["https://x.example"]})
        Traceback (most recent call last):
        ...
        newscrawl.sources.SourceError: source 'x': kind must be 'publisher' or 'aggregator'
        """
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            raise SourceError("every source needs a non-empty name")
        unknown = set(data) - {
            "name", "kind", "start_urls", "allowed_domains", "needs_js", "enabled", "politeness"
        }  # fmt: skip
        if unknown:
            raise SourceError(f"source {name!r}: unknown keys {sorted(unknown)}")
        kind = data.get("kind", "publisher")
        if kind not in ("publisher", "aggregator"):
            raise SourceError(f"source {name!r}: kind must be 'publisher' or 'aggregator'")
        start = data.get("start_urls")
        if not isinstance(start, list) or not start or not all(isinstance(u, str) for u in start):
            raise SourceError(f"source {name!r}: start_urls must be a non-empty list of URLs")
        for url in start:
            try:
                check_start_url(url)
            except SourceError as err:
                raise SourceError(f"source {name!r}: {err}") from None
        domains = data.get("allowed_domains") or domains_of(start)
        politeness = dict(data.get("politeness") or {})
        bad = set(politeness) - POLITENESS_KEYS
        if bad:
            raise SourceError(f"source {name!r}: politeness cannot set {sorted(bad)}")
        return cls(
            name=name.strip(),
            kind=kind,
            start_urls=tuple(start),
            allowed_domains=tuple(d.lower() for d in domains),
            needs_js=bool(data.get("needs_js", False)),
            enabled=bool(data.get("enabled", True)),
            politeness=politeness,
        )

    def covers(self, url: str) -> bool:
        """True when ``url`` is on one of the source's domains (or a sub-domain)."""
        return any(on_domain(host_of(url), d) for d in self.allowed_domains)


def check_start_url(url: str) -> str:
    """``url`` without surrounding blanks, if a crawl can start from it (an absolute http or
    https URL with a host); else :class:`SourceError` saying why. Start URLs, seeds and
    ``extract --url`` are checked by this one function.

    >>> check_start_url(" https://apnews.com/hub/world ")
    'https://apnews.com/hub/world'
    >>> check_start_url("htp:/x")
    Traceback (most recent call last):
    ...
    newscrawl.sources.SourceError: not an http(s) URL: 'htp:/x' (give an absolute URL, e.g. https://example.com/news)
    """
    value = url.strip() if isinstance(url, str) else ""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or any(c.isspace() or ord(c) < 32 for c in value)
    ):
        raise SourceError(
            f"not an http(s) URL: {url!r} (give an absolute URL, e.g. https://example.com/news)"
        )
    return value


def check_source_names(sources: Mapping[str, Source], names: Iterable[str]) -> list[str]:
    """``names`` as a list if each is a defined source; else :class:`SourceError` naming the
    unknown ones and the defined ones.

    >>> s = parse_sources('[[source]]\\nname = "ap"\\nstart_urls = ["https://apnews.com/"]')
    >>> check_source_names(s, ["ap"])
    ['ap']
    >>> check_source_names(s, ["ap", "nosuch"])
    Traceback (most recent call last):
    ...
    newscrawl.sources.SourceError: unknown sources: nosuch (defined: ap)
    """
    names = list(names)
    unknown = [n for n in names if n not in sources]
    if unknown:
        known = ", ".join(sorted(sources)) or "none"
        raise SourceError(f"unknown sources: {', '.join(unknown)} (defined: {known})")
    return names


def sources_file(setting: str | Path | None = None) -> Path | None:
    """The catalogue a run reads: the ``NEWSCRAWL_SOURCES_FILE`` setting (``--sources`` or
    ``-s``), else the environment variable, else None for the bundled catalogue. One rule,
    so that a command picks its publishers from the catalogue its crawls will read."""
    chosen = setting or os.environ.get("NEWSCRAWL_SOURCES_FILE")
    return Path(chosen) if chosen else None


def parse_sources(text: str, where: str = "sources file") -> dict[str, Source]:
    """Sources by name from the text of a catalogue file (``[publisher.KEY]`` tables, or
    the deprecated ``[[source]]`` tables).

    >>> s = parse_sources('''
    ... [publisher.inkl]
    ... kind = "aggregator"
    ... needs_js = true
    ... entry = [{ url = "https://www.inkl.com/" }]
    ... ''')
    >>> s["inkl"].kind, s["inkl"].allowed_domains, s["inkl"].needs_js
    ('aggregator', ('inkl.com',), True)
    """
    from newscrawl.publishers import check_names, parse_catalogue_text

    publishers = parse_catalogue_text(text, where)
    check_names(publishers.values())
    return {key: p.source() for key, p in publishers.items()}


def load_sources(path: str | Path | None = None) -> dict[str, Source]:
    """Sources by name from ``path``, a catalogue folder or file (default:
    :func:`sources_file`'s)."""
    from newscrawl.publishers import load_catalogue

    return {key: p.source() for key, p in load_catalogue(sources_file(path)).items()}


def source_for_url(sources: Iterable[Source], url: str) -> Source | None:
    """The source whose domains cover ``url`` (the most specific domain wins)."""
    best: tuple[int, Source] | None = None
    host = host_of(url)
    for source in sources:
        for domain in source.allowed_domains:
            if on_domain(host, domain) and (best is None or len(domain) > best[0]):
                best = (len(domain), source)
    return best[1] if best else None
