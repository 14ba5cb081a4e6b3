"""Choosing publishers for a crawl: by key, name or alias, or by country and language.

Kept apart from loading: these are the rules of what a user types (``--publisher``,
``--country``, ``--language``), not of what a file may say.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from newscrawl.publishers.model import Publisher, PublisherError, fold

#: Country codes people type for the ones the catalogue files under ISO 3166 names.
COUNTRY_ALIASES = {"uk": "gb"}


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
