"""Storage: SQLAlchemy schema, engine, migrations and the de-duplicating batch writer.

Entry points: :class:`~newscrawl.store.store.Store` (``Store.open(url)``, ``write``,
``record_crawl_run``),
:func:`~newscrawl.store.migrate.upgrade` and
:class:`~newscrawl.store.buffer.BufferedWriter` (retries while the database is away).

The names below are imported on first use (PEP 562), not with the package: importing
one light module such as :mod:`newscrawl.store.problems` (the CLI's error handling) must
not load Alembic and the de-duplication stack (about 0.7 s).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from newscrawl.store.migrate import SchemaOutdatedError, upgrade
    from newscrawl.store.store import (
        BatchReport,
        StorageFullError,
        Store,
        StoreUnavailableError,
    )

#: each public name and the module that defines it
_HOMES = {
    "BatchReport": "newscrawl.store.store",
    "SchemaOutdatedError": "newscrawl.store.migrate",
    "StorageFullError": "newscrawl.store.store",
    "Store": "newscrawl.store.store",
    "StoreUnavailableError": "newscrawl.store.store",
    "upgrade": "newscrawl.store.migrate",
}

__all__ = [
    "BatchReport",
    "SchemaOutdatedError",
    "StorageFullError",
    "Store",
    "StoreUnavailableError",
    "upgrade",
]


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
