"""Rows stored under another name of their publisher, renamed to its one name.

A crawl stores each article under its publisher's one name (:mod:`newscrawl.publishers.names`).
Rows stored before that, or before the catalogue learnt an alias, keep the name they were
stored under: a re-seen article keeps its stored fields (:func:`newscrawl.dedupe.merge.merge`).
``newscrawl db rename-publishers`` gives them the name a crawl would give them now, and the
matching ``publisher_key``, and stamps them as changed so that incremental exports hand them
out again. It can run again at any time (after a catalogue update): rows already right are
left alone.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import Connection, bindparam, select, update

from newscrawl.dedupe.merge import RANK_COPY
from newscrawl.dedupe.prepare import stored_publisher
from newscrawl.store.changes import next_change_seq
from newscrawl.store.schema import articles

#: Rows updated per statement.
BATCH = 1000


def renames(connection: Connection) -> dict[int, tuple[str | None, str | None, str]]:
    """Article id -> (stored name, new name, new key) for every row whose name or key a
    crawl would now store differently."""
    query = select(
        articles.c.id,
        articles.c.publisher,
        articles.c.publisher_key,
        articles.c.canonical_url,
        articles.c.url_rank,
    )
    found: dict[int, tuple[str | None, str | None, str]] = {}
    for row in connection.execute(query):
        # A copy's canonical URL is its original's when that is known (else the aggregator's,
        # whose catalogue domain names nobody): what prepare() was given as original_url.
        copy = row.url_rank == RANK_COPY
        original = row.canonical_url if copy else None
        name, key = stored_publisher(
            row.publisher, row.canonical_url, row.url_rank, original, row.canonical_url
        )
        if (name, key) != (row.publisher, row.publisher_key):
            found[row.id] = (row.publisher, name, key)
    return found


def rename_publishers(connection: Connection, *, dry_run: bool = False) -> Counter[tuple[str, str]]:
    """Rename the rows :func:`renames` finds, in the caller's transaction (none when
    ``dry_run``); returns rows per (old name, new name)."""
    found = renames(connection)
    summary: Counter[tuple[str, str]] = Counter(
        (old or "", new or "") for old, new, _key in found.values()
    )
    if dry_run or not found:
        return summary
    seq, now = next_change_seq(connection), datetime.now(UTC)
    stmt = (
        update(articles)
        .where(articles.c.id == bindparam("row_id"))
        .values(
            publisher=bindparam("new_name"),
            publisher_key=bindparam("new_key"),
            change_seq=seq,
            updated_at=now,
        )
    )
    values = [
        {"row_id": row_id, "new_name": new, "new_key": key}
        for row_id, (_old, new, key) in found.items()
    ]
    for start in range(0, len(values), BATCH):
        connection.execute(stmt, values[start : start + BATCH])
    return summary
