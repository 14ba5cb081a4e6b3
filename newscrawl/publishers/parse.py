"""Reading one publisher table: the keys a file may use and their validation.

A mistake in a publisher file (an unknown key, a bad selector, a bad URL) is refused here, at
load time, with the file and the key named, rather than surfacing mid-crawl.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from newscrawl.discover.hosts import domains_of
from newscrawl.publishers.model import EntryPoint, Publisher, PublisherError
from newscrawl.sites.base import HEADLINE_SOURCES, SiteDefinition, compile_css
from newscrawl.sources import POLITENESS_KEYS, SourceError, check_start_url

#: What an entry point is. Discovery reads any of them (it looks at the response); the kind
#: says what the publisher offers and what ``publishers`` lists.
ENTRY_KINDS = frozenset({"feed", "sitemap", "sitemap-index", "news-sitemap", "page"})

PUBLISHER_KEYS = frozenset(
    {
        "name", "aliases", "kind", "country", "languages", "domains", "needs_js", "enabled",
        "politeness", "entry", "extraction", "notes",
    }
)  # fmt: skip
ENTRY_KEYS = frozenset({"url", "kind", "checked", "via"})

#: Extraction overrides: :class:`SiteDefinition` fields a publisher file may set.
SELECTOR_KEYS = frozenset(
    {
        "headline", "publisher", "section", "byline", "date", "body", "body_blocks", "figure",
        "caption", "lead_figure", "original_link",
    }
)  # fmt: skip
SELECTOR_LIST_KEYS = frozenset({"remove"})
PATTERN_KEYS = frozenset({"boilerplate", "body_stop"})
#: Keys naming one of a fixed set of values: the key and the values it may take.
CHOICE_KEYS = {"headline_from": HEADLINE_SOURCES}
EXTRACTION_KEYS = SELECTOR_KEYS | SELECTOR_LIST_KEYS | PATTERN_KEYS | CHOICE_KEYS.keys()

_SITE_FIELDS = {f.name for f in fields(SiteDefinition)}
assert EXTRACTION_KEYS <= _SITE_FIELDS, "extraction keys must be SiteDefinition fields"

_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_COUNTRY_RE = re.compile(r"^[a-z]{2}$")
_LANGUAGE_RE = re.compile(r"^[a-z]{2,3}$")


class _Reader:
    """Validates one publisher table; errors name ``where`` (file and table) and the key."""

    def __init__(self, where: str, data: Mapping[str, Any]) -> None:
        self.where = where
        self.data = data

    def fail(self, key: str, message: str) -> PublisherError:
        return PublisherError(f"{self.where}: {key}: {message}")

    def string(self, key: str, default: str | None = None) -> str | None:
        value = self.data.get(key, default)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise self.fail(key, "must be a non-empty string")
        return value.strip() if isinstance(value, str) else None

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(key, "must be a list of non-empty strings")
        return tuple(v.strip() for v in value)

    def boolean(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, "must be true or false")
        return value

    def table(self, key: str) -> dict[str, Any]:
        value = self.data.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(key, "must be a table")
        return value


def parse_publisher(key: str, data: Mapping[str, Any], where: str) -> Publisher:
    """Validate one publisher table (``where`` names it in errors).

    >>> p = parse_publisher("ap", {"name": "AP News", "aliases": ["Associated Press"],
    ...     "entry": [{"url": "https://apnews.com/index.rss", "kind": "feed"}]}, "ap.toml")
    >>> p.domains, p.names
    (('apnews.com',), ('AP News', 'Associated Press'))
    >>> parse_publisher("ap", {"name": "AP", "colour": "red"}, "ap.toml")
    Traceback (most recent call last):
    ...
    newscrawl.publishers.model.PublisherError: ap.toml: colour: unknown key (known: aliases, \
country, domains, enabled, entry, extraction, kind, languages, name, needs_js, notes, politeness)
    """
    r = _Reader(where, data)
    if not _KEY_RE.match(key):
        raise r.fail("key", f"{key!r} must be lower-case letters, digits, '-' or '_'")
    for unknown in sorted(set(data) - PUBLISHER_KEYS):
        raise r.fail(unknown, f"unknown key (known: {', '.join(sorted(PUBLISHER_KEYS))})")
    kind = r.string("kind", "publisher")
    if kind not in ("publisher", "aggregator"):
        raise r.fail("kind", "must be 'publisher' or 'aggregator'")
    entries = _entries(r)
    domains = tuple(d.lower().strip(".") for d in r.strings("domains")) or tuple(
        domains_of(e.url for e in entries)
    )
    return Publisher(
        key=key,
        name=r.string("name") or key,
        aliases=r.strings("aliases"),
        kind=kind,
        country=_country(r),
        languages=_languages(r),
        domains=domains,
        entries=entries,
        needs_js=r.boolean("needs_js", False),
        enabled=r.boolean("enabled", True),
        politeness=_politeness(r),
        extraction=_extraction(r),
        notes=r.string("notes"),
        origin=where,
    )


def _country(r: _Reader) -> str | None:
    country = r.string("country")
    if country is not None and not _COUNTRY_RE.match(country):
        raise r.fail("country", f"{country!r} is not a two-letter lower-case country code")
    return country


def _languages(r: _Reader) -> tuple[str, ...]:
    languages = r.strings("languages")
    for language in languages:
        if not _LANGUAGE_RE.match(language):
            raise r.fail("languages", f"{language!r} is not an ISO 639 code such as 'en'")
    return languages


def _entries(r: _Reader) -> tuple[EntryPoint, ...]:
    raw = r.data.get("entry", [])
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        raise r.fail("entry", "must be [[entry]] tables")
    found: list[EntryPoint] = []
    for n, item in enumerate(raw, 1):
        e = _Reader(f"{r.where}: entry {n}", item)
        for unknown in sorted(set(item) - ENTRY_KEYS):
            raise e.fail(unknown, f"unknown key (known: {', '.join(sorted(ENTRY_KEYS))})")
        try:
            url = check_start_url(item.get("url", ""))
        except SourceError as err:
            raise e.fail("url", str(err)) from None
        kind = e.string("kind", "page") or "page"
        if kind not in ENTRY_KINDS:
            raise e.fail("kind", f"{kind!r} is not one of {', '.join(sorted(ENTRY_KINDS))}")
        checked = item.get("checked")
        if checked is not None and not (
            isinstance(checked, dt.date) and not isinstance(checked, dt.datetime)
        ):
            raise e.fail("checked", "must be a date, e.g. checked = 2026-12-03")
        found.append(EntryPoint(url, kind, checked, e.string("via")))
    return tuple(found)


def _politeness(r: _Reader) -> dict[str, Any]:
    politeness = r.table("politeness")
    for bad in sorted(set(politeness) - POLITENESS_KEYS):
        raise r.fail(f"politeness.{bad}", "not a setting a publisher may override")
    return politeness


def _extraction(r: _Reader) -> dict[str, Any]:
    extraction = r.table("extraction")
    for key, value in extraction.items():
        where = f"extraction.{key}"
        if key not in EXTRACTION_KEYS:
            raise r.fail(where, f"unknown key (known: {', '.join(sorted(EXTRACTION_KEYS))})")
        if key in CHOICE_KEYS:
            if not isinstance(value, str) or value not in CHOICE_KEYS[key]:
                raise r.fail(where, f"must be one of {', '.join(sorted(CHOICE_KEYS[key]))}")
            continue
        values = [value] if key in SELECTOR_KEYS else value
        if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
            kind = "a CSS selector" if key in SELECTOR_KEYS else "a list of strings"
            raise r.fail(where, f"must be {kind}")
        for text in values:
            try:
                if key in PATTERN_KEYS:
                    re.compile(text)
                else:
                    compile_css(text)
            except (ValueError, re.error) as err:
                raise r.fail(where, str(err)) from None
    return extraction
