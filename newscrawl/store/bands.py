"""The LSH band index, in three levels so that adding keys stays cheap as it grows.

Band keys are random. In one flat B-tree each new key lands on a page of its own once
the tree outgrows the page cache, so every article dirtied ten scattered pages and the
cost of a write grew with the table. Here new keys go to a small table that stays in
the cache (``lsh_bands_new``), and every batch moves one slice of the key space on to
the next level (``lsh_bands_mid``, then ``lsh_bands``). A slice holds consecutive keys,
so the rows it brings land on a few neighbouring pages of the next level instead of one
page each. Its width is the share of the level's capacity the batch added, which keeps
each level near its capacity without counting rows, and works the same when several
processes write (each moves in proportion to what it added). A lookup reads all three.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import (
    BigInteger,
    Connection,
    Table,
    bindparam,
    cast,
    delete,
    func,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql

from newscrawl.store.engine import dialect_insert
from newscrawl.store.inlist import one_of
from newscrawl.store.schema import lsh_bands, lsh_bands_mid, lsh_bands_new

#: Newest first: keys are written to the first level and settle into the last.
LEVELS: tuple[Table, ...] = (lsh_bands_new, lsh_bands_mid, lsh_bands)
#: Rows the first two levels hold once settled (about 2,000 and 20,000 articles): the
#: first stays in SQLite's page cache; the second is what one slice of the last level
#: is measured against.
CAPACITY: tuple[int, ...] = (20_000, 200_000)
#: Band keys are signed 63-bit integers (newscrawl.dedupe.fingerprint.band_keys).
KEY_MIN, KEY_MAX = -(2**62), 2**62 - 1
SPAN = KEY_MAX - KEY_MIN + 1


def _random_key() -> int:
    return random.randint(KEY_MIN, KEY_MAX)


@dataclass
class BandCursors:
    """Which levels a store writes through, and where each one's next slice starts.

    One per Store; the start is random, so processes move different slices. With an
    empty ``capacity`` keys go straight into ``lsh_bands``: what Postgres does (below).
    """

    capacity: tuple[int, ...] = CAPACITY
    positions: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.positions = self.positions or [_random_key() for _ in self.capacity]

    @property
    def levels(self) -> tuple[Table, ...]:
        """The tables written, newest first: the last ``len(capacity) + 1`` levels."""
        return LEVELS[len(LEVELS) - 1 - len(self.capacity) :]


def cursors_for(dialect: str) -> BandCursors:
    """SQLite writes through the levels. Postgres keys go straight into ``lsh_bands``:
    its shared buffers hold a scattered page until a checkpoint minutes later, however
    often it is dirtied, where SQLite appends every dirty page to its WAL at every commit
    (measured: the levels cost Postgres more in extra statements and dead rows than they
    saved)."""
    return BandCursors() if dialect == "sqlite" else BandCursors(capacity=())


def key_ranges(start: int, width: int) -> list[tuple[int, int]]:
    """The keys ``start`` … ``start + width - 1`` as inclusive ranges, wrapping at the end.

    >>> key_ranges(0, 10)
    [(0, 9)]
    >>> key_ranges(KEY_MAX - 1, 4) == [(KEY_MAX - 1, KEY_MAX), (KEY_MIN, KEY_MIN + 1)]
    True
    >>> key_ranges(5, 0)
    []
    """
    width = min(width, SPAN)
    if width <= 0:
        return []
    end = start + width - 1
    if end <= KEY_MAX:
        return [(start, end)]
    return [(start, KEY_MAX), (KEY_MIN, end - SPAN)]


def _wrap(key: int) -> int:
    return (key - KEY_MIN) % SPAN + KEY_MIN


_BIGINTS = postgresql.ARRAY(BigInteger)


def add_bands(
    connection: Connection, pairs: Sequence[tuple[int, int]], cursors: BandCursors
) -> None:
    """Insert (band key, article id) rows into the first level, then move the slices on.

    The rows are plain integers and the largest insert of a batch, so they skip
    SQLAlchemy's per-row parameter handling: two arrays unnested in one statement on
    Postgres, the driver's own executemany on SQLite.
    """
    if not pairs:
        return
    stmt = dialect_insert(connection, cursors.levels[0]).on_conflict_do_nothing()
    if connection.dialect.name == "postgresql":
        keys = cast(bindparam("keys", [k for k, _ in pairs], type_=_BIGINTS), _BIGINTS)
        owners = cast(bindparam("owners", [a for _, a in pairs], type_=_BIGINTS), _BIGINTS)
        rows = func.unnest(keys, owners).table_valued("band_key", "article_id").render_derived()
        connection.execute(
            stmt.from_select(["band_key", "article_id"], select(rows.c.band_key, rows.c.article_id))
        )
    else:
        connection.exec_driver_sql(str(stmt.compile(dialect=connection.dialect)), list(pairs))
    settle(connection, len(pairs), cursors)


def settle(connection: Connection, added: int, cursors: BandCursors) -> None:
    """Move one slice of each full-enough level to the next: ``added`` rows' worth of keys."""
    for level, capacity in enumerate(cursors.capacity):
        if added <= 0:
            return
        width = SPAN * added // capacity
        start = cursors.positions[level]
        added = sum(
            _move(connection, cursors.levels[level], cursors.levels[level + 1], low, high)
            for low, high in key_ranges(start, width)
        )
        cursors.positions[level] = _wrap(start + width)


def _move(connection: Connection, source: Table, target: Table, low: int, high: int) -> int:
    """Move the rows with keys in ``low`` … ``high`` from ``source`` to ``target``."""
    in_range = source.c.band_key.between(low, high)
    rows = select(source.c.band_key, source.c.article_id).where(in_range)
    connection.execute(
        dialect_insert(connection, target)
        .from_select(["band_key", "article_id"], rows.order_by(source.c.band_key))
        .on_conflict_do_nothing()
    )
    return connection.execute(delete(source).where(in_range)).rowcount


def find_bands(connection: Connection, keys: Sequence[int]) -> Iterable[tuple[int, int]]:
    """(band key, article id) rows with one of ``keys``, from every level."""
    if not keys:
        return []
    return connection.execute(
        union_all(
            *(
                select(level.c.band_key, level.c.article_id).where(
                    one_of(connection, level.c.band_key, keys)
                )
                for level in LEVELS
            )
        )
    )


def remove_bands(connection: Connection, pairs: Iterable[tuple[int, int]]) -> None:
    """Delete these (band key, article id) rows from whichever level holds them."""
    params = [{"key": key, "owner": owner} for key, owner in pairs]
    if not params:
        return
    for level in LEVELS:
        connection.execute(
            delete(level).where(
                level.c.band_key == bindparam("key"), level.c.article_id == bindparam("owner")
            ),
            params,
        )
