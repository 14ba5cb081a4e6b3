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

The code is one module per concern: :mod:`.model` (the records), :mod:`.parse` (one
publisher table and its validation), :mod:`.catalogue` (folders and files of them, the
bundled catalogue), :mod:`.selection` (choosing publishers for a crawl), :mod:`.migrate` (old
``[[source]]`` tables) and :mod:`.write` (publishers back as TOML). This module re-exports
their public names, so callers import from ``newscrawl.publishers``.
"""

from __future__ import annotations

from newscrawl.publishers.catalogue import (
    BUNDLED_CATALOGUE,
    all_site_definitions,
    bundled_catalogue,
    check_names,
    load_catalogue,
    parse_catalogue_text,
    read_catalogue_dir,
    read_publisher_file,
)
from newscrawl.publishers.migrate import guess_entry_kind, logger
from newscrawl.publishers.model import EntryPoint, Publisher, PublisherError, fold
from newscrawl.publishers.parse import (
    CHOICE_KEYS,
    ENTRY_KEYS,
    ENTRY_KINDS,
    EXTRACTION_KEYS,
    PATTERN_KEYS,
    PUBLISHER_KEYS,
    SELECTOR_KEYS,
    SELECTOR_LIST_KEYS,
    parse_publisher,
)
from newscrawl.publishers.selection import (
    COUNTRY_ALIASES,
    country_code,
    find_publisher,
    select_publishers,
)
from newscrawl.publishers.write import publisher_toml, toml_value

__all__ = [
    "BUNDLED_CATALOGUE",
    "CHOICE_KEYS",
    "COUNTRY_ALIASES",
    "ENTRY_KEYS",
    "ENTRY_KINDS",
    "EXTRACTION_KEYS",
    "PATTERN_KEYS",
    "PUBLISHER_KEYS",
    "SELECTOR_KEYS",
    "SELECTOR_LIST_KEYS",
    "EntryPoint",
    "Publisher",
    "PublisherError",
    "all_site_definitions",
    "bundled_catalogue",
    "check_names",
    "country_code",
    "find_publisher",
    "fold",
    "guess_entry_kind",
    "load_catalogue",
    "logger",
    "parse_catalogue_text",
    "parse_publisher",
    "publisher_toml",
    "read_catalogue_dir",
    "read_publisher_file",
    "select_publishers",
    "toml_value",
]
