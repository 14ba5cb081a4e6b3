"""One archived page through the crawl's page flow, and what an import keeps.

:func:`process_record` runs in an extraction worker (or inline): it reads the record's body
from the file itself, decodes it as a crawl decodes a response
(:func:`newscrawl.fetch.encoding.decode_html`) and hands it to
:func:`newscrawl.process.process_page`, so an archived copy of a page becomes the very
Article a crawl of it would. :class:`ImportFilter` is ``--publisher``, ``--since`` and
``--until``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from newscrawl.archive.read import read_page
from newscrawl.article import Article
from newscrawl.discover.hosts import host_of, on_domain
from newscrawl.fetch.encoding import decode_html
from newscrawl.process import PageOutcome, process_page
from newscrawl.publishers import Publisher, find_publisher


def process_record(
    path: str,
    offset: int,
    url: str,
    *,
    max_size: int,
    source: str | None = None,
    fetched_at: datetime | None = None,
) -> PageOutcome:
    """The outcome of the response record at ``offset`` of ``path``, a page of ``url``."""
    try:
        body, content_type = read_page(path, offset, max_size)
    except (OSError, ValueError) as err:
        return PageOutcome("failed", error=f"record unreadable: {err}")
    if not body.strip():
        return PageOutcome("unparsable", error="empty body")
    text, _codec = decode_html(body, content_type)
    return process_page(text, url, source=source, fetched_at=fetched_at)


def _domain_like(name: str) -> bool:
    return "." in name and " " not in name.strip()


@dataclass(frozen=True)
class ImportFilter:
    """Which archived pages an import keeps.

    ``since``/``until``: the record's fetch time (``WARC-Date``), inclusive. ``publishers``:
    a name matches an article whose publisher or source has that name (any case), or whose
    URL is on that domain (``bbc.co.uk``); a publisher of the catalogue named by key, name
    or alias (:func:`~newscrawl.publishers.find_publisher`, as ``crawl --publisher``) stands
    for its domains and every name it goes by. When every name is a domain or a catalogue
    publisher, pages on other hosts are skipped before extraction; otherwise every page is
    extracted and then matched.
    """

    since: datetime | None = None
    until: datetime | None = None
    names: frozenset[str] = field(default_factory=frozenset)
    domains: tuple[str, ...] = ()
    by_host_only: bool = False

    @classmethod
    def build(
        cls,
        publishers: Iterable[str] = (),
        catalogue: Mapping[str, Publisher] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> ImportFilter:
        names: set[str] = set()
        domains: list[str] = []
        host_only = True
        for raw in publishers:
            name = raw.strip().casefold()
            if not name:
                continue
            names.add(name)  # a name as stored (a host, a name the catalogue does not know)
            found = find_publisher(catalogue or {}, name)
            if found is not None:
                names.update(n.casefold() for n in (found.key, *found.names))
                domains.extend(found.domains)
            elif _domain_like(name):
                domains.append(name.removeprefix("www."))
            else:
                host_only = False
        return cls(since, until, frozenset(names), tuple(domains), host_only and bool(names))

    def in_time(self, fetched_at: datetime | None) -> bool:
        if fetched_at is None:
            return self.since is None and self.until is None
        if self.since is not None and fetched_at < self.since:
            return False
        return self.until is None or fetched_at <= self.until

    def _on_domains(self, url: str) -> bool:
        host = host_of(url)
        return any(on_domain(host, domain) for domain in self.domains)

    def admits_url(self, url: str) -> bool:
        """Before extraction: may a page at ``url`` be kept?"""
        return not self.by_host_only or self._on_domains(url)

    def admits(self, article: Article) -> bool:
        """After extraction: is the article one of the publishers asked for?"""
        if not self.names:
            return True
        for value in (article.publisher, article.source):
            if value and value.strip().casefold() in self.names:
                return True
        return self._on_domains(article.url)
