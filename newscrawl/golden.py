"""Golden pages: saved pages of catalogue publishers with the Article values they must give.

Layout, by convention: ``tests/golden/<country>/<key>/<page>.html.gz`` with ``<page>.json``
beside it and a ``SOURCE.md`` note per publisher saying where the pages and values come
from. The JSON holds the page's ``url``, the ``expected`` values (contract fields:
``headline``, ``authors``, ``published_at``, ``body``, ``tags``, ``images``) and ``pinned``, the
fields a test compares. A value that extraction does not get right yet stays in ``expected``
unpinned: :func:`repin` pins exactly the expected fields the current extraction matches, so
after an extraction change the pins are refreshed with ``newscrawl golden refresh`` and the
diff shows what was gained or lost.

Comparison rules (one per field, :func:`field_matches`): headline equal after whitespace
normalisation; authors the same set ignoring case; published_at the same instant to the
second (the same wall-clock minute when the expected value has no offset); body at least
:data:`BODY_F1` F1 over 4-token shingles; tags the same set ignoring case; images: every
expected picture found (one of its URLs among the article's image URLs).
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

#: Fields a golden page may pin, in the order they are reported.
GOLDEN_FIELDS = ("headline", "authors", "published_at", "body", "tags", "images")

#: Body F1 (4-token shingles of ``\w+`` tokens) at or above which the body matches.
BODY_F1 = 0.9

_SPACES = re.compile(r"\s+")
_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class GoldenPage:
    """One saved page and its expected values."""

    page: Path
    country: str
    publisher: str

    @property
    def expected_file(self) -> Path:
        return self.page.with_name(self.page.name.removesuffix(".html.gz") + ".json")

    @property
    def id(self) -> str:
        return f"{self.country}/{self.publisher}/{self.page.name.removesuffix('.html.gz')}"

    def load(self) -> dict[str, Any]:
        return json.loads(self.expected_file.read_text(encoding="utf-8"))

    def html(self) -> bytes:
        return gzip.decompress(self.page.read_bytes())


def golden_pages(root: Path) -> list[GoldenPage]:
    """Every ``<country>/<key>/*.html.gz`` under ``root``, sorted."""
    return [
        GoldenPage(path, path.parent.parent.name, path.parent.name)
        for path in sorted(root.glob("*/*/*.html.gz"))
    ]


def norm(text: str | None) -> str:
    """Whitespace-normalised text."""
    return _SPACES.sub(" ", text or "").strip()


def shingle_f1(expected: str, found: str, size: int = 4) -> float:
    """F1 of the multisets of ``size``-token shingles (lower-cased ``\\w+`` tokens).

    >>> shingle_f1("a b c d e", "a b c d e"), shingle_f1("a b c d e", "x y z w v")
    (1.0, 0.0)
    """

    def shingles(text: str) -> Counter[tuple[str, ...]]:
        tokens = _TOKEN.findall(text.lower())
        return Counter(tuple(tokens[i : i + size]) for i in range(max(len(tokens) - size + 1, 0)))

    want, got = shingles(expected), shingles(found)
    if not want and not got:
        return 1.0
    common = sum((want & got).values())
    if not common:
        return 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def _instant(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def dates_match(expected: str | None, found: str | None) -> bool:
    """Same instant to the second; without an expected offset, the same wall-clock minute.

    >>> dates_match("2024-05-03T15:47:42.389+00:00", "2024-05-03T17:47:42+02:00")
    True
    >>> dates_match("2024-05-03 15:47:00", "2024-05-03T15:47:42+02:00")
    True
    """
    want, got = _instant(expected), _instant(found)
    if want is None or got is None:
        return want is got
    if want.tzinfo is None:
        return want.replace(second=0, microsecond=0) == got.replace(
            tzinfo=None, second=0, microsecond=0
        )
    if got.tzinfo is None:
        return False
    return abs((want - got).total_seconds()) < 1


def _folded(values: Any) -> set[str]:
    return {norm(v).casefold() for v in values or [] if norm(v)}


def field_matches(name: str, expected: Any, article: dict[str, Any]) -> bool:
    """Whether the article's value of ``name`` matches the expected one (module docstring)."""
    found = article.get(name)
    if name == "headline":
        return norm(expected) == norm(found)
    if name in ("authors", "tags"):
        return _folded(expected) == _folded(found)
    if name == "published_at":
        return dates_match(expected, found)
    if name == "body":
        return shingle_f1(expected or "", found or "") >= BODY_F1
    if name == "images":
        urls = {image.get("url") for image in found or []}
        return all(urls & set(picture.get("urls") or ()) for picture in expected or [])
    raise ValueError(f"not a golden field: {name!r}")


def extract_golden(page: GoldenPage, url: str) -> dict[str, Any]:
    """What ``newscrawl extract`` (a crawl) makes of the page: the Article's JSON form, or
    ``{"error": ...}``."""
    from newscrawl.cli.extract import extract_path

    return extract_path(str(page.page), url=url)


def mismatches(page: GoldenPage) -> list[str]:
    """The pinned fields the page's extraction gets wrong, each with what it found."""
    data = page.load()
    article = extract_golden(page, data["url"])
    if "error" in article and not article.get("headline"):
        return [f"not extracted: {article['error']}"] if data.get("pinned") else []
    wrong = []
    for name in data.get("pinned", []):
        expected = data["expected"].get(name)
        if not field_matches(name, expected, article):
            shown = json.dumps(article.get(name), ensure_ascii=False)[:200]
            wrong.append(
                f"{name}: expected {json.dumps(expected, ensure_ascii=False)[:200]}, got {shown}"
            )
    return wrong


def repin(data: dict[str, Any], article: dict[str, Any]) -> list[str]:
    """The expected fields the article matches: what ``pinned`` should be."""
    expected = data.get("expected", {})
    return [n for n in GOLDEN_FIELDS if n in expected and field_matches(n, expected[n], article)]


def expected_from_article(article: dict[str, Any]) -> dict[str, Any]:
    """An article's values as a golden page's ``expected`` (for a person to review)."""
    out: dict[str, Any] = {}
    for name in GOLDEN_FIELDS:
        value = article.get(name)
        if name == "images":
            value = [
                {"urls": [i["url"]], "caption": i.get("caption"), "credit": i.get("credit")}
                for i in value or []
                if i.get("url")
            ]
        if value not in (None, "", []):
            out[name] = value
    return out


def write_expected(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def iter_counts(pages: list[GoldenPage]) -> Iterator[tuple[GoldenPage, int, int]]:
    """(page, pinned, available) per page."""
    for page in pages:
        data = page.load()
        yield page, len(data.get("pinned", [])), len(data.get("expected", {}))
