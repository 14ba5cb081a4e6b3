"""Write one resolved batch: idempotent upserts, all inside the caller's transaction.

New articles are inserted with ``ON CONFLICT (canonical_url)``, sightings with
``ON CONFLICT (url)``, band keys and credits with ``ON CONFLICT DO NOTHING``, on
SQLite and Postgres alike, so replaying a batch (after a crash, or by a second
process) never duplicates a row. Children of a changed article are replaced in the
same transaction, so readers never see an article without its authors and images.
Every article the batch touches gets the batch's ``change_seq`` and ``updated_at``
(newscrawl.store.changes), so an incremental export prints it again; every article whose
searched text changed is re-indexed (newscrawl.store.fulltext), in the same transaction.
An article whose row is gone by the time it is written (deleted by hand meanwhile) is
inserted again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, bindparam, case, delete, or_, select, update

from newscrawl.dedupe.fingerprint import body_bands, words
from newscrawl.dedupe.merge import Version
from newscrawl.store.bands import BandCursors, add_bands, remove_bands
from newscrawl.store.changes import next_change_seq
from newscrawl.store.engine import dialect_insert
from newscrawl.store.fulltext import reindex
from newscrawl.store.inlist import one_of
from newscrawl.store.lookup import SCALAR_COLUMNS, StoredRow, loaded_body, scalars_of
from newscrawl.store.resolve import Resolution
from newscrawl.store.schema import (
    article_authors,
    article_credits,
    article_revisions,
    articles,
    images,
    sightings,
)


@dataclass(frozen=True, slots=True)
class Change:
    """What every article a batch touches is stamped with."""

    seq: int
    at: datetime

    def values(self) -> dict[str, object]:
        return {"change_seq": self.seq, "updated_at": self.at}


def _children(version: Version) -> tuple[list, list, list]:
    return (list(version.authors), list(version.credits), list(version.images))


#: Scalar columns the full-text index reads (or, for ``language``, is built with).
_SEARCHED = [SCALAR_COLUMNS.index(n) for n in ("headline", "description", "body", "language")]


def _search_changed(row: StoredRow) -> bool:
    """Whether the row's index entry must be rebuilt: new, or its searched text changed."""
    if row.is_new or row.loaded_scalars is None:
        return True
    now = tuple(scalars_of(row.version).values())
    if any(row.loaded_scalars[i] != now[i] for i in _SEARCHED):
        return True
    return row.loaded_children != _children(row.version)


def _recreate_vanished(connection: Connection, rows: list[StoredRow]) -> None:
    """Rows read for this batch but deleted since (by hand) are written as new rows.

    On Postgres the rows still there are locked until commit, so none can vanish later
    in this transaction; on SQLite the write transaction already excludes other writers.
    """
    stored = {r.key: r for r in rows if not r.is_new}
    if not stored:
        return
    query = select(articles.c.id).where(one_of(connection, articles.c.id, sorted(stored)))
    present = set(connection.scalars(query.with_for_update()))
    for key, row in stored.items():
        if key not in present:
            row.is_new = True


def _insert_new(connection: Connection, rows: list[StoredRow], change: Change) -> dict[int, int]:
    if not rows:
        return {}
    stmt = dialect_insert(connection, articles)
    stmt = stmt.on_conflict_do_update(
        index_elements=[articles.c.canonical_url],
        set_={
            "last_seen_at": stmt.excluded.last_seen_at,
            "change_seq": stmt.excluded.change_seq,
            "updated_at": stmt.excluded.updated_at,
        },
    ).returning(articles.c.id, sort_by_parameter_order=True)
    params = [{**scalars_of(r.version), "story_id": r.story_id, **change.values()} for r in rows]
    ids = connection.execute(stmt, params).scalars().all()
    return {row.key: new_id for row, new_id in zip(rows, ids, strict=True)}


def _update_existing(connection: Connection, rows: list[StoredRow], change: Change) -> None:
    """Changed fields, and the batch's change stamp on every row it touched."""
    changed = [r for r in rows if r.loaded_scalars != tuple(scalars_of(r.version).values())]
    if changed:
        columns = [*SCALAR_COLUMNS, "url_rank"]
        stmt = (
            update(articles)
            .where(articles.c.id == bindparam("row_id"))
            .values({**{name: bindparam(f"v_{name}") for name in columns}, **change.values()})
        )
        params = [
            {"row_id": r.key, **{f"v_{k}": v for k, v in scalars_of(r.version).items()}}
            for r in changed
        ]
        connection.execute(stmt, params)
    touched = sorted({r.key for r in rows} - {r.key for r in changed})
    if touched:
        stmt = update(articles).where(one_of(connection, articles.c.id, touched))
        connection.execute(stmt.values(**change.values()))


def _replace_children(connection: Connection, rows: list[StoredRow], ids: dict[int, int]) -> None:
    """(Re)write authors, credits and images of new rows and of rows whose lists changed."""
    targets = [r for r in rows if r.is_new or r.loaded_children != _children(r.version)]
    old_ids = [r.key for r in targets if not r.is_new]
    for table in (article_authors, article_credits, images):
        if old_ids:
            connection.execute(delete(table).where(table.c.article_id.in_(old_ids)))
    people, agencies, pictures = [], [], []
    for row in targets:
        article_id = ids.get(row.key, row.key)
        v = row.version
        people += [
            {"article_id": article_id, "position": i, "name": n} for i, n in enumerate(v.authors)
        ]
        agencies += [{"article_id": article_id, "agency": a} for a in dict.fromkeys(v.credits)]
        pictures += [  # a picture known only by its caption (a text copy) has no row
            {"article_id": article_id, "position": i, **image.to_dict()}
            for i, image in enumerate(i for i in v.images if i.url)
        ]
    for table, params in (
        (article_authors, people),
        (article_credits, agencies),
        (images, pictures),
    ):
        if params:
            connection.execute(dialect_insert(connection, table).on_conflict_do_nothing(), params)


def _replace_bands(
    connection: Connection, rows: list[StoredRow], ids: dict[int, int], cursors: BandCursors
) -> None:
    """Band keys follow the body: written for new rows, rewritten when the body changed.

    The old keys are those of the body as loaded (the index has no ``article_id`` column
    to search by; see newscrawl.store.bands).
    """
    targets = [r for r in rows if r.is_new or r.version.content_hash != r.loaded_hash]
    stale = {
        (band, r.key) for r in targets if not r.is_new for band in body_bands(words(loaded_body(r)))
    }
    remove_bands(connection, sorted(stale))
    # in key order: the inserts walk the index once instead of jumping about it
    pairs = sorted({(band, ids.get(r.key, r.key)) for r in targets for band in r.version.bands})
    add_bands(connection, pairs, cursors)


def _upsert_sightings(connection: Connection, resolution: Resolution, ids: dict[int, int]) -> None:
    params = [
        {
            "url": url,
            "article_id": ids.get(s.key, s.key),
            "source": s.source,
            "first_seen_at": s.seen_at,
            "seen_at": s.seen_at,
            "content_hash": s.content_hash,
            "warc_file": s.warc[0] if s.warc else None,
            "warc_offset": s.warc[1] if s.warc else None,
        }
        for url, s in resolution.sightings.items()
    ]
    if not params:
        return
    stmt = dialect_insert(connection, sightings)
    new, old = stmt.excluded, sightings.c
    # an archived copy (newscrawl import) may be older than the last fetch: times widen,
    # the last fetch's hash stays, and its record unless it had none
    newer = new.seen_at >= old.seen_at
    record = and_(new.warc_file.is_not(None), or_(newer, old.warc_file.is_(None)))
    stmt = stmt.on_conflict_do_update(
        index_elements=[sightings.c.url],
        set_={
            "seen_at": case((newer, new.seen_at), else_=old.seen_at),
            "first_seen_at": case(
                (new.first_seen_at < old.first_seen_at, new.first_seen_at), else_=old.first_seen_at
            ),
            "content_hash": case((newer, new.content_hash), else_=old.content_hash),
            # a sighting left pointing at a deleted article (by hand, foreign keys off)
            # follows the article its URL now resolves to
            "article_id": stmt.excluded.article_id,
            "warc_file": case((record, new.warc_file), else_=old.warc_file),
            "warc_offset": case((record, new.warc_offset), else_=old.warc_offset),
        },
    )
    connection.execute(stmt, params)


def _insert_revisions(
    connection: Connection, revisions: Iterable[dict], ids: dict[int, int]
) -> None:
    params = []
    for revision in revisions:
        values = dict(revision)
        key = values.pop("article_key")
        params.append({**values, "article_id": ids.get(key, key)})
    if params:
        connection.execute(article_revisions.insert(), params)


def write_resolution(
    connection: Connection, resolution: Resolution, cursors: BandCursors, now: datetime
) -> dict[int, int]:
    """Write everything the batch decided; returns the ids of rows it created (by temp key,
    or by the old id of a row that had vanished)."""
    rows = list(resolution.rows.values())
    _recreate_vanished(connection, rows)
    searched = [r for r in rows if _search_changed(r)]
    change = Change(next_change_seq(connection), now)
    new_rows = [r for r in rows if r.is_new]
    ids = _insert_new(connection, new_rows, change)
    _update_existing(connection, [r for r in rows if not r.is_new], change)
    _replace_children(connection, rows, ids)
    _replace_bands(connection, rows, ids, cursors)
    _upsert_sightings(connection, resolution, ids)
    _insert_revisions(connection, resolution.revisions, ids)
    reindex(connection, sorted(ids.get(r.key, r.key) for r in searched))
    return ids
