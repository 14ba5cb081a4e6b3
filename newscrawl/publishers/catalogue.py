"""Whole catalogues: a folder of ``<country>/<key>.toml`` files or one catalogue file.

Here publishers are read together, so this is where a key or alias that names two publishers
is refused, and where the bundled catalogue is read once per process.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from newscrawl.publishers.migrate import from_old_sources, warn_deprecated
from newscrawl.publishers.model import Publisher, PublisherError, fold
from newscrawl.publishers.parse import parse_publisher
from newscrawl.sites.base import SiteDefinition

#: The catalogue shipped with newscrawl: this folder.
BUNDLED_CATALOGUE = Path(__file__).resolve().parent


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
            warn_deprecated(where)
        for publisher in from_old_sources(data["source"], where):
            if publisher.key in found:
                raise PublisherError(f"{where}: source {publisher.key!r} is defined twice")
            found[publisher.key] = publisher
    return found


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


def all_site_definitions() -> tuple[SiteDefinition, ...]:
    """The bundled publishers' extraction overrides (what extraction applies)."""
    sites = (p.site() for p in bundled_catalogue().values())
    return tuple(s for s in sites if s is not None)
