"""Publication dates: strings from metadata -> timezone-aware ``datetime``.

A date that carries no UTC offset (``2023-05-12T09:30`` or ``12 May 2023``) is taken as
UTC: a page seldom says which zone a naive time is in, and UTC keeps every stored value
comparable. Dates that cannot be read give ``None`` rather than an exception.
"""

from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime

from dateutil import parser as dateutil_parser

_EPOCH = re.compile(r"^\d{10}(\d{3})?$")
_HAS_DIGIT = re.compile(r"\d")
#: A year between 1990 and 2099 must appear somewhere, which weeds out "5 min read".
_YEAR = re.compile(r"(?<!\d)(19[9]\d|20\d\d)(?!\d)")
_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
#: Zone abbreviations seen in news pages, as UTC offsets in seconds (dateutil knows none).
TZ_ABBREVIATIONS: dict[str, int] = {
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "BST": 3600,
    "IST": 19800,
    "CET": 3600,
    "MEZ": 3600,
    "CEST": 7200,
    "MESZ": 7200,
    "EET": 7200,
    "EEST": 10800,
    "MSK": 10800,
    "EST": -18000,
    "EDT": -14400,
    "CST": -21600,
    "CDT": -18000,
    "MST": -25200,
    "MDT": -21600,
    "PST": -28800,
    "PDT": -25200,
    "AEST": 36000,
    "AEDT": 39600,
    "ACST": 34200,
    "AWST": 28800,
    "NZST": 43200,
    "NZDT": 46800,
    "JST": 32400,
    "KST": 32400,
    "HKT": 28800,
    "SGT": 28800,
    "WIB": 25200,
}


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
    >>> parse_date("3 May 2024, 10:15 CEST").isoformat()
    '2024-05-03T10:15:00+02:00'
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
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return dateutil_parser.parse(text, fuzzy=True, tzinfos=TZ_ABBREVIATIONS)
        except (ValueError, OverflowError, TypeError):
            return None
