"""Old sources files (``[[source]]`` tables): still read, as publishers, with a warning.

Kept apart so the deprecated format can be dropped in one place; ``newscrawl publishers
migrate FILE`` converts such a file to publisher tables.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from newscrawl.publishers.model import EntryPoint, Publisher, PublisherError
from newscrawl.sources import Source, SourceError

#: The package's logger, as before the split (log filters and tests name it).
logger = logging.getLogger("newscrawl.publishers")

_WARNED: set[str] = set()


def warn_deprecated(where: str) -> None:
    """Log once per file that its ``[[source]]`` tables are deprecated."""
    if where not in _WARNED:
        _WARNED.add(where)
        logger.warning(
            "%s: [[source]] tables are deprecated; `newscrawl publishers migrate %s` turns them "
            "into publisher tables",
            where,
            where,
        )


def from_old_sources(tables: Any, where: str) -> list[Publisher]:
    """Old ``[[source]]`` tables, validated as before, as publishers."""
    if not isinstance(tables, list):
        raise PublisherError(f"{where}: source: must be [[source]] tables")
    found: list[Publisher] = []
    for table in tables:
        try:
            source = Source.from_dict(table)
        except SourceError as err:
            raise PublisherError(f"{where}: {err}") from None
        found.append(
            Publisher(
                key=source.name,
                name=source.name,
                kind=source.kind,
                domains=source.allowed_domains,
                entries=tuple(EntryPoint(u, guess_entry_kind(u)) for u in source.start_urls),
                needs_js=source.needs_js,
                enabled=source.enabled,
                politeness=dict(source.politeness),
                origin=where,
            )
        )
    return found


def guess_entry_kind(url: str) -> str:
    """What an old start URL probably is, by its look (discovery reads the response anyway).

    >>> guess_entry_kind("https://x.example/news/rss"), guess_entry_kind("https://x.example/")
    ('feed', 'page')
    """
    lowered = url.lower()
    if "news-sitemap" in lowered or "googlenews" in lowered:
        return "news-sitemap"
    if "sitemap" in lowered:
        return "sitemap"
    if re.search(r"rss|atom|feed", lowered):
        return "feed"
    return "page"
