"""Membership in a list of values sent as one bound parameter, so the statement stays cached.

``column.in_(values)`` renders one placeholder per value: SQLAlchemy rebuilds the SQL
and binds each value in Python on every call, and one batch of 200 articles looks up
thousands of LSH band keys. Here the list travels as a single parameter, a JSON array
read with ``json_each`` on SQLite and an array compared with ``= ANY`` on Postgres;
both are still answered from the column's index (see tests/test_store_indexes.py).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam, cast, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.types import BigInteger, Text


def _array_type(column: ColumnElement[Any]) -> ARRAY:
    """bigint[] for integer columns (ids, band keys), text[] for the rest (URLs, hashes)."""
    return ARRAY(BigInteger if column.type.python_type is int else Text)


def one_of(
    connection: Connection, column: ColumnElement[Any], values: Collection[Any]
) -> ColumnElement[bool]:
    """``column IN values`` for ``connection``'s dialect, with ``values`` as one parameter."""
    if connection.dialect.name == "postgresql":
        array_type = _array_type(column)
        return column == any_(cast(bindparam(None, list(values), type_=array_type), array_type))
    listed = func.json_each(bindparam(None, json.dumps(list(values)), type_=Text))
    return column.in_(select(listed.table_valued("value").c.value))
