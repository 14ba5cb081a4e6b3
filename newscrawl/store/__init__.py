"""Storage: SQLAlchemy schema, engine, migrations and the de-duplicating batch writer.

Entry points: :class:`~newscrawl.store.store.Store` (``Store.open(url)``, ``write``,
``record_crawl_run``),
:func:`~newscrawl.store.migrate.upgrade` and
:class:`~newscrawl.store.buffer.BufferedWriter` (retries while the database is away).
"""

from __future__ import annotations

from newscrawl.store.migrate import SchemaOutdatedError, upgrade
from newscrawl.store.store import BatchReport, StorageFullError, Store, StoreUnavailableError

__all__ = [
    "BatchReport",
    "SchemaOutdatedError",
    "StorageFullError",
    "Store",
    "StoreUnavailableError",
    "upgrade",
]
