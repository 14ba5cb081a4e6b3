"""Publication dates: strings from metadata -> timezone-aware ``datetime``.

A date that carries no UTC offset (``2023-05-12T09:30`` or ``12 May 2023``) is taken as
UTC: a page seldom says which zone a naive time is in, and UTC keeps every stored value
comparable. Dates that cannot be read give ``None`` rather than an exception.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from dateutil import parser as dateutil_parser

_EPOCH = re.compile(r"^\d{10}(\d{3})?$")
_HAS_DIGIT = re.compile(r"\d")
#: A year between 1990 and 2099 must appear somewhere, which weeds out "5 min read".
_YEAR = re.compile(r"(?<!\d)(19[9]\d|20\d\d)(?!\d)")
_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)


def parse_date(value: object) -> datetime | None:
    """Parse an ISO 8601, RFC 2822, epoch or free-form date into an aware datetime (naive -> UTC).

    >>> parse_date("2023-05-12T09:30:00+02:00").isoformat()
    '2023-05-12T09:30:00+02:00'
    >>> parse_date("2023-05-12 09:30").isoformat()
    '2023-05-12T09:30:00+00:00'
    >>> parse_date("Fri, 12 May 2023 09:30:00 GMT").isoformat()
    '2023-05-12T09:30:00+00:00'
    >>> parse_date("1683883800").isoformat()
    '2023-05-12T09:30:00+00:00'
    >>> parse_date("yesterday") is None
    True
    """
    if isinstance(value, int | float):
        value = str(int(value))
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or not _HAS_DIGIT.search(text) or len(text) > 80:
        return None
    if _EPOCH.match(text):
        seconds = int(text[:10])
        return datetime.fromtimestamp(seconds, tz=UTC)
    if not _YEAR.search(text):
        return None
    parsed = _parse_iso(text) or _parse_free(text)
    if parsed is None:
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        parsed = parsed.replace(tzinfo=UTC)
    if parsed < _EARLIEST:
        return None
    return parsed


def _parse_iso(text: str) -> datetime | None:
    try:
        return dateutil_parser.isoparse(text)
    except (ValueError, OverflowError):
        pass
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _parse_free(text: str) -> datetime | None:
    try:
        return dateutil_parser.parse(text, fuzzy=True)
    except (ValueError, OverflowError, TypeError):
        return None
