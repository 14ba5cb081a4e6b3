"""The publisher catalogue: one TOML file per publisher, ``<country>/<key>.toml`` in this folder.

A publisher file says everything newscrawl knows about one site: its display name and every
alias it goes by, country, languages, domains, entry points (feeds, sitemaps, section pages,
each with the date it was checked), whether it needs a browser, politeness overrides and,
only where the generic extractor is wrong, extraction overrides (CSS selectors). The file
name is the publisher's key (``newscrawl crawl --publisher KEY``). ``docs/publishers.md``
describes the format; :func:`load_catalogue` reads it and refuses an unknown key, a bad
selector or a bad URL at load time, naming the file and the key.

The same tables can sit in one catalogue file as ``[publisher.KEY]`` tables (a user's own
list, the demo's newsroom). Old sources files (``[[source]]`` tables) are still read, with a
deprecation warning; ``newscrawl publishers migrate FILE`` converts them.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

from newscrawl.discover.hosts import domains_of, host_of, on_domain
from newscrawl.sites.base import HEADLINE_SOURCES, SiteDefinition, compile_css
from newscrawl.sources import POLITENESS_KEYS, Source, SourceError, check_start_url

logger = logging.getLogger(__name__)

#: The catalogue shipped with newscrawl: this folder.
BUNDLED_CATALOGUE = Path(__file__).resolve().parent

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

_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_COUNTRY_RE = re.compile(r"^[a-z]{2}$")
_LANGUAGE_RE = re.compile(r"^[a-z]{2,3}$")

#: Country codes people type for the ones the catalogue files under ISO 3166 names.
COUNTRY_ALIASES = {"uk": "gb"}


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
    """One catalogue entry (see the module docstring)."""

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


# --- reading ----------------------------------------------------------------------------------


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
    newscrawl.publishers.PublisherError: ap.toml: colour: unknown key (known: aliases, country, \
domains, enabled, entry, extraction, kind, languages, name, needs_js, notes, politeness)
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


# --- catalogues -------------------------------------------------------------------------------


def parse_catalogue_text(text: str, where: str, *, warn: bool = True) -> dict[str, Publisher]:
    """Publishers by key from one catalogue file: ``[publisher.KEY]`` tables and, deprecated,
    ``[[source]]`` tables (logged as such unless ``warn`` is false)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise PublisherError(f"{where}: not valid TOML: {err}") from err
    for unknown in sorted(set(data) - {"publisher", "source"}):
        raise PublisherError(f"{where}: {unknown}: unknown key (known: publisher, source)")
    found: dict[str, Publisher] = {}
    tables = data.get("publisher", {})
    if not isinstance(tables, dict):
        raise PublisherError(f"{where}: publisher: must be [publisher.KEY] tables")
    for key, table in tables.items():
        if not isinstance(table, dict):
            raise PublisherError(f"{where}: publisher.{key}: must be a table")
        found[key] = parse_publisher(key, table, f"{where} [publisher.{key}]")
    if "source" in data:
        if warn:
            _warn_deprecated(where)
        for publisher in _from_old_sources(data["source"], where):
            if publisher.key in found:
                raise PublisherError(f"{where}: source {publisher.key!r} is defined twice")
            found[publisher.key] = publisher
    return found


def _warn_deprecated(where: str) -> None:
    if where not in _WARNED:
        _WARNED.add(where)
        logger.warning(
            "%s: [[source]] tables are deprecated; `newscrawl publishers migrate %s` turns them "
            "into publisher tables",
            where,
            where,
        )


_WARNED: set[str] = set()


def _from_old_sources(tables: Any, where: str) -> list[Publisher]:
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


def read_publisher_file(path: Path, country: str | None = None) -> Publisher:
    """One ``<country>/<key>.toml`` file; its country must be its folder's."""
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise PublisherError(f"{where}: cannot read: {err}") from err
    except tomllib.TOMLDecodeError as err:
        raise PublisherError(f"{where}: not valid TOML: {err}") from err
    publisher = parse_publisher(path.stem, data, where)
    if country is not None and publisher.country != country:
        raise PublisherError(
            f"{where}: country: must be {country!r}, the folder it is in "
            f"(not {publisher.country!r})"
        )
    return publisher


def read_catalogue_dir(folder: Path) -> dict[str, Publisher]:
    """Every ``<country>/<key>.toml`` under ``folder``."""
    found: dict[str, Publisher] = {}
    for path in sorted(folder.glob("*/*.toml")):
        publisher = read_publisher_file(path, path.parent.name)
        if publisher.key in found:
            raise PublisherError(
                f"{path}: key {publisher.key!r} is also {found[publisher.key].origin}"
            )
        found[publisher.key] = publisher
    return found


def load_catalogue(path: str | Path | None = None) -> dict[str, Publisher]:
    """Publishers by key from ``path``: a catalogue folder or file (default: the bundled
    catalogue). Aliases are checked to name one publisher each."""
    if path is None:
        return dict(bundled_catalogue())
    target = Path(path)
    if target.is_dir():
        found = read_catalogue_dir(target)
    else:
        try:
            text = target.read_text(encoding="utf-8")
        except OSError as err:
            raise PublisherError(f"cannot read sources file {target}: {err}") from err
        found = parse_catalogue_text(text, str(target))
    check_names(found.values())
    return found


@lru_cache(maxsize=1)
def bundled_catalogue() -> Mapping[str, Publisher]:
    """The catalogue shipped with newscrawl (read once per process)."""
    found = read_catalogue_dir(BUNDLED_CATALOGUE)
    check_names(found.values())
    return found


def check_names(publishers: Iterable[Publisher]) -> None:
    """Every key, name and alias names one publisher (after :func:`fold`)."""
    owner: dict[str, Publisher] = {}
    for publisher in publishers:
        for name in {fold(n) for n in (publisher.key, *publisher.names)}:
            other = owner.setdefault(name, publisher)
            if other is not publisher:
                raise PublisherError(
                    f"{publisher.origin}: aliases: {name!r} also names {other.key!r} "
                    f"({other.origin})"
                )


# --- selection --------------------------------------------------------------------------------


def find_publisher(catalogue: Mapping[str, Publisher], name: str) -> Publisher | None:
    """The publisher a key, display name or alias names (case and punctuation ignored)."""
    wanted = fold(name)
    for publisher in catalogue.values():
        if wanted in {fold(n) for n in (publisher.key, *publisher.names)}:
            return publisher
    return None


def country_code(value: str) -> str:
    """A country as the catalogue files it (``UK`` -> ``gb``)."""
    code = value.strip().lower()
    return COUNTRY_ALIASES.get(code, code)


def select_publishers(
    catalogue: Mapping[str, Publisher],
    names: Iterable[str] = (),
    *,
    country: str | None = None,
    language: str | None = None,
) -> list[Publisher]:
    """The publishers named (by key, name or alias), else those of ``country`` and/or
    ``language``; :class:`PublisherError` for a name the catalogue does not know or a
    country / language no publisher has."""
    names = list(names)
    if names:
        chosen: list[Publisher] = []
        unknown = []
        for name in names:
            found = find_publisher(catalogue, name)
            if found is None:
                unknown.append(name)
            elif found not in chosen:
                chosen.append(found)
        if unknown:
            raise PublisherError(
                f"unknown publishers: {', '.join(unknown)} (`newscrawl publishers` lists them)"
            )
        return chosen
    chosen = list(catalogue.values())
    if country:
        code = country_code(country)
        chosen = [p for p in chosen if p.country == code]
        if not chosen:
            known = ", ".join(sorted({p.country for p in catalogue.values() if p.country}))
            raise PublisherError(f"no publisher in country {country!r} (known: {known})")
    if language:
        code = language.strip().lower()
        chosen = [p for p in chosen if code in p.languages]
        if not chosen:
            raise PublisherError(f"no publisher in language {language!r} with those choices")
    return chosen


def all_site_definitions() -> tuple[SiteDefinition, ...]:
    """The bundled publishers' extraction overrides (what extraction applies)."""
    sites = (p.site() for p in bundled_catalogue().values())
    return tuple(s for s in sites if s is not None)


_SITE_FIELDS = {f.name for f in fields(SiteDefinition)}
assert EXTRACTION_KEYS <= _SITE_FIELDS, "extraction keys must be SiteDefinition fields"


# --- writing ----------------------------------------------------------------------------------


def toml_value(value: Any) -> str:
    """One TOML value (strings, booleans, numbers, dates and lists of them).

    >>> toml_value(["a\\"b", 2, True, dt.date(2026, 12, 3)])
    '["a\\\\"b", 2, true, 2026-12-03]'
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def publisher_toml(publisher: Publisher, table: str | None = None) -> str:
    """A publisher as a file's text (``table`` None) or as a ``[publisher.KEY]`` table of a
    catalogue file; :func:`parse_publisher` reads it back to the same publisher."""
    prefix = f"{table}." if table else ""
    lines = [f"[{table}]"] if table else []
    plain: dict[str, Any] = {
        "name": publisher.name,
        "aliases": list(publisher.aliases),
        "kind": publisher.kind if publisher.kind != "publisher" else None,
        "country": publisher.country,
        "languages": list(publisher.languages),
        "domains": list(publisher.domains),
        "needs_js": publisher.needs_js or None,
        "enabled": None if publisher.enabled else False,
        "notes": publisher.notes,
    }
    lines += [f"{k} = {toml_value(v)}" for k, v in plain.items() if v not in (None, [])]
    for entry in publisher.entries:
        lines += ["", f"[[{prefix}entry]]", f"url = {toml_value(entry.url)}"]
        lines.append(f"kind = {toml_value(entry.kind)}")
        lines += [f"checked = {toml_value(entry.checked)}"] if entry.checked else []
        lines += [f"via = {toml_value(entry.via)}"] if entry.via else []
    for name in ("politeness", "extraction"):
        values = getattr(publisher, name)
        if values:
            lines += ["", f"[{prefix}{name}]"]
            lines += [f"{k} = {toml_value(v)}" for k, v in values.items()]
    return "\n".join(lines) + "\n"
