"""One run at a time per (source or start URLs, database): a cron job that fires while the last
run of the same crawl is still going exits at once instead of crawling the same pages twice.

A lock file per key and database (:func:`lock_path`) in ``NEWSCRAWL_LOCK_DIR``, held with
``filelock`` (released when the process ends, however it ends).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from filelock import FileLock, Timeout


class CrawlLocked(RuntimeError):
    """Another run of the same source into the same database holds the lock."""

    def __init__(self, key: str, lock_file: str = "") -> None:
        super().__init__(
            f"another crawl of {key!r} into this database is running (lock {lock_file})"
        )
        self.key = key
        self.lock_file = lock_file


def lock_path(lock_dir: Path, key: str, database_url: str) -> Path:
    """One lock file per (source or start URLs, database).

    >>> lock_path(Path("/locks"), "source:inkl", "sqlite:///news.db").name
    'newscrawl-source_inkl-e8df87f9cbe9b2f7.lock'
    """
    digest = hashlib.sha1(f"{key}\n{database_url}".encode()).hexdigest()[:16]
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in key)[:40]
    return lock_dir / f"newscrawl-{safe}-{digest}.lock"


def acquire_run_lock(lock_dir: Path, key: str, database_url: str) -> FileLock:
    """The run lock of ``key`` into ``database_url``, held; raises :class:`CrawlLocked` at
    once when another run holds it."""
    lock_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(lock_path(lock_dir, key, database_url))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise CrawlLocked(key, lock.lock_file) from None
    return lock
