"""The Fundus development pages (``tests/fixtures/fundus``): expected values there, the saved
pages once, as golden pages (``tests/golden/``), found through the manifest's ``page``."""

from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path
from typing import Any

FUNDUS = Path(__file__).parent / "fixtures" / "fundus"


@cache
def cases() -> tuple[dict[str, Any], ...]:
    """The manifest's rows, in its order."""
    return tuple(json.loads((FUNDUS / "manifest.json").read_text(encoding="utf-8"))["cases"])


def page_of(case: dict[str, Any]) -> Path:
    """The saved page of a case (its golden page)."""
    return (FUNDUS / case["page"]).resolve()


def pages() -> list[tuple[str, Path]]:
    """(Fundus file name, e.g. ``at/DerStandard_2024_05_03.html.gz``, saved page), sorted by
    the Fundus name (the order the pages had in this folder)."""
    return sorted((c["html"], page_of(c)) for c in cases())


def page_named(name: str) -> Path:
    """The saved page Fundus calls ``name`` (``at/DerStandard_2024_05_03.html.gz``)."""
    return dict(pages())[name]


def html(path: Path) -> bytes:
    return gzip.decompress(path.read_bytes())
