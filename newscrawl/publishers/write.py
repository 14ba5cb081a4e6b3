"""Writing publishers back as TOML: what ``publishers migrate`` and the tests produce.

tomllib only reads, and the catalogue's files are plain enough that a few lines write them in
the catalogue's own layout; :func:`~newscrawl.publishers.parse.parse_publisher` reads the
result back to the same publisher.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from newscrawl.publishers.model import Publisher


def toml_value(value: Any) -> str:
    """One TOML value (strings, booleans, numbers, dates and lists of them).

    >>> toml_value(["a\\"b", 2, True, dt.date(2026, 12, 3)])
    '["a\\\\"b", 2, true, 2026-12-03]'
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def publisher_toml(publisher: Publisher, table: str | None = None) -> str:
    """A publisher as a file's text (``table`` None) or as a ``[publisher.KEY]`` table of a
    catalogue file; :func:`parse_publisher` reads it back to the same publisher."""
    prefix = f"{table}." if table else ""
    lines = [f"[{table}]"] if table else []
    plain: dict[str, Any] = {
        "name": publisher.name,
        "aliases": list(publisher.aliases),
        "kind": publisher.kind if publisher.kind != "publisher" else None,
        "country": publisher.country,
        "languages": list(publisher.languages),
        "domains": list(publisher.domains),
        "needs_js": publisher.needs_js or None,
        "enabled": None if publisher.enabled else False,
        "notes": publisher.notes,
    }
    lines += [f"{k} = {toml_value(v)}" for k, v in plain.items() if v not in (None, [])]
    for entry in publisher.entries:
        lines += ["", f"[[{prefix}entry]]", f"url = {toml_value(entry.url)}"]
        lines.append(f"kind = {toml_value(entry.kind)}")
        lines += [f"checked = {toml_value(entry.checked)}"] if entry.checked else []
        lines += [f"via = {toml_value(entry.via)}"] if entry.via else []
    for name in ("politeness", "extraction"):
        values = getattr(publisher, name)
        if values:
            lines += ["", f"[{prefix}{name}]"]
            lines += [f"{k} = {toml_value(v)}" for k, v in values.items()]
    return "\n".join(lines) + "\n"
