"""The change cursor: which articles changed since a downstream job's last export.

Every batch stamps the articles it touches with one ``change_seq`` (and ``updated_at``)
inside its write transaction. The number must never be lower than a cursor an export has
already handed out, whatever the order in which transactions commit:

- **SQLite** serializes writers (``BEGIN IMMEDIATE``), so a counter (``change_counter``)
  bumped inside the write transaction gives numbers in commit order. An export's upper
  bound is the counter + 1, read in its own transaction: every later writer gets more.
- **Postgres** transactions may commit in any order, so a counter could be committed
  below a bound an export already took. ``change_seq`` is the writing transaction's id
  (``pg_current_xact_id()``, 64 bits, never reused), and an export's upper bound is the
  oldest transaction still running (``pg_snapshot_xmin(pg_current_snapshot())``): every
  transaction with a lower id has finished, so no row can appear below the bound later.
  A long transaction holds the bound back (its rows, and those after it, wait for the
  next export); it never makes one skip a row.

An export prints the rows with ``cursor <= change_seq < bound`` and hands out the bound as
the next cursor: an opaque string tagged with the dialect, so a cursor from a Postgres
database is refused by an SQLite one and the other way round.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Connection, Text, cast, func, select

from newscrawl.store.engine import dialect_insert
from newscrawl.store.schema import articles, change_counter

#: Cursor strings: ``nc1-<dialect>-<number>``.
_CURSOR = re.compile(r"nc1-(sqlite|postgresql)-(\d{1,19})")


class CursorError(ValueError):
    """A cursor that is malformed, for another kind of database, or ahead of this one."""


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where the next incremental export starts (rows with ``change_seq >= seq``)."""

    dialect: str
    seq: int

    def __str__(self) -> str:
        return f"nc1-{self.dialect}-{self.seq}"

    @classmethod
    def parse(cls, text: str) -> Cursor:
        """A cursor printed by ``newscrawl export``.

        >>> Cursor.parse(" nc1-sqlite-42\\n")
        Cursor(dialect='sqlite', seq=42)
        >>> Cursor.parse("42")
        Traceback (most recent call last):
        ...
        newscrawl.store.changes.CursorError: not a newscrawl export cursor: '42'
        """
        found = _CURSOR.fullmatch(text.strip())
        if found is None:
            raise CursorError(f"not a newscrawl export cursor: {text.strip()[:80]!r}")
        return cls(found.group(1), int(found.group(2)))


def _xid(expression: ColumnElement[Any]) -> ColumnElement[int]:
    """An ``xid8`` as bigint (xid8 has no direct cast to integer types)."""
    return cast(cast(expression, Text), BigInteger)


def next_change_seq(connection: Connection) -> int:
    """The ``change_seq`` of the batch being written on ``connection`` (in its transaction)."""
    if connection.dialect.name == "postgresql":
        return connection.execute(select(_xid(func.pg_current_xact_id()))).scalar_one()
    # The counter, and never below a stored row (its row may have been deleted by hand).
    floor = select(func.coalesce(func.max(articles.c.change_seq), 0)).scalar_subquery()
    stmt = dialect_insert(connection, change_counter).values(id=1, last_seq=floor + 1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[change_counter.c.id],
        set_={"last_seq": func.max(change_counter.c.last_seq + 1, stmt.excluded.last_seq)},
    )
    return connection.scalar(stmt.returning(change_counter.c.last_seq))


@dataclass(frozen=True, slots=True)
class Window:
    """The rows of one incremental export: ``low <= change_seq < high``."""

    dialect: str
    low: int
    high: int
    #: Changed articles committed at or past ``high`` (held back on Postgres by an older
    #: transaction still running): the next export prints them.
    waiting: int = 0

    @property
    def next_cursor(self) -> Cursor:
        return Cursor(self.dialect, self.high)


def _horizon(connection: Connection) -> tuple[int, int, int | None, int]:
    """``(high, limit, newest, waiting)`` read in one statement, so from one snapshot.

    ``high``: the bound an export may hand out now, every row below it final; ``limit``:
    no committed ``change_seq`` can reach it; ``newest``: the highest stored
    ``change_seq``; ``waiting``: rows at or past ``high``.
    """
    newest = select(func.max(articles.c.change_seq)).scalar_subquery()
    if connection.dialect.name == "postgresql":
        snapshot = func.pg_current_snapshot()
        high = _xid(func.pg_snapshot_xmin(snapshot))
        limit = _xid(func.pg_snapshot_xmax(snapshot))
    else:
        counted = select(change_counter.c.last_seq).where(change_counter.c.id == 1)
        high = func.max(func.coalesce(counted.scalar_subquery(), 0), func.coalesce(newest, 0)) + 1
        limit = high
    waiting = (
        select(func.count()).select_from(articles).where(articles.c.change_seq >= high)
    ).scalar_subquery()
    row = connection.execute(select(high, limit, newest, waiting)).one()
    return row[0], row[1], row[2], row[3]


def export_window(connection: Connection, after: Cursor | None) -> Window:
    """The window of an export starting at ``after`` (None: from the beginning).

    Raises :class:`CursorError` for a cursor of another kind of database, and for one
    this database cannot have handed out (another database, or a restored dump).
    """
    dialect = connection.dialect.name
    if after is not None and after.dialect != dialect:
        raise CursorError(
            f"cursor {after} is for a {dialect_name(after.dialect)} database, this one is "
            f"{dialect_name(dialect)}: pass the cursor printed for this database, or none "
            "to export everything"
        )
    high, limit, newest, waiting = _horizon(connection)
    if newest is not None and newest >= limit:
        raise CursorError(
            f"articles.change_seq holds transaction ids ({newest}) this server has not reached "
            f"({limit}): the data was restored from another server; see 'Moving the "
            "database' in docs/schema.md"
        )
    if after is not None and after.seq > high:
        raise CursorError(
            f"cursor {after} is ahead of this database (at most {Cursor(dialect, high)}): "
            "it was printed for another database; export again without a cursor"
        )
    return Window(dialect, after.seq if after is not None else 0, high, waiting)


def dialect_name(dialect: str) -> str:
    return {"sqlite": "SQLite", "postgresql": "Postgres"}.get(dialect, dialect)


def read_cursor_file(path: str | os.PathLike) -> Cursor | None:
    """The cursor saved in ``path``; None when the file is absent or empty (a first run).

    Raises :class:`CursorError` when the cursor could not be saved there afterwards.
    """
    directory = Path(path).parent
    if not directory.is_dir() or not os.access(directory, os.W_OK):
        raise CursorError(f"cannot save a cursor in {directory}: no such writable directory")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        raise CursorError(f"{path}: not a cursor file") from None
    if not text.strip():
        return None
    try:
        return Cursor.parse(text)
    except CursorError as error:
        raise CursorError(f"{path}: {error}") from None


def write_cursor_file(path: str | os.PathLike, cursor: Cursor) -> None:
    """Replace ``path`` with ``cursor`` atomically: a crash leaves the old cursor or the new."""
    target = Path(path)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("w", encoding="utf-8") as handle:
            handle.write(f"{cursor}\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
