"""The Article contract: the one item type that flows from extraction to storage.

Its JSON form (:meth:`Article.to_dict`) is public: the ``extract`` and ``export``
commands print it and downstream jobs read it. Add fields, never rename them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: Field names of the public JSON form, in the order they are printed.
CONTRACT_FIELDS: tuple[str, ...] = (
    "url",
    "canonical_url",
    "source",
    "publisher",
    "section",
    "headline",
    "description",
    "authors",
    "wire_credits",
    "published_at",
    "modified_at",
    "language",
    "body",
    "images",
    "tags",
    "fetched_at",
    "id",
)


@dataclass(slots=True)
class Image:
    """One picture of an article: the largest rendition, its caption and its credit.

    ``url`` is None for a picture known only by its caption and credit (a text copy of a
    page, or a figure whose picture the copy lost).
    """

    url: str | None
    caption: str | None = None
    credit: str | None = None
    width: int | None = None
    height: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Image:
        fields: dict[str, Any] = {f.name: data.get(f.name) for f in dataclasses.fields(cls)}
        return cls(**fields)


@dataclass(slots=True)
class Article:
    """A news article as newscrawl understands it.

    Dates are timezone-aware ``datetime`` objects in Python and ISO 8601 strings
    with an offset in the JSON form. ``hints`` carries what extraction saw but the
    contract does not hold (raw byline strings, site names, credit organisations)
    so that normalization can use it; it is never serialized or stored.
    """

    url: str
    canonical_url: str | None = None
    source: str | None = None
    publisher: str | None = None
    section: str | None = None
    headline: str | None = None
    description: str | None = None
    authors: list[str] = field(default_factory=list)
    wire_credits: list[str] = field(default_factory=list)
    published_at: datetime | None = None
    modified_at: datetime | None = None
    language: str | None = None
    body: str | None = None
    images: list[Image] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    fetched_at: datetime | None = None
    #: The stored article's ``articles.id`` (``export`` only): stable while ``canonical_url``
    #: may change when a better URL of the article is seen, so incremental readers key on it.
    id: int | None = None
    hints: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The public JSON form: contract fields only, dates as ISO 8601 strings."""
        out: dict[str, Any] = {}
        for name in CONTRACT_FIELDS:
            value = getattr(self, name)
            if isinstance(value, datetime):
                value = value.isoformat()
            elif name == "images":
                value = [image.to_dict() for image in value]
            elif isinstance(value, list):
                value = list(value)
            out[name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        """Inverse of :meth:`to_dict` (unknown keys are ignored)."""
        kwargs: dict[str, Any] = {name: data.get(name) for name in CONTRACT_FIELDS if name in data}
        for name in ("published_at", "modified_at", "fetched_at"):
            if isinstance(kwargs.get(name), str):
                kwargs[name] = datetime.fromisoformat(kwargs[name])
        kwargs["images"] = [Image.from_dict(i) for i in kwargs.get("images") or []]
        for name in ("authors", "wire_credits", "tags"):
            kwargs[name] = list(kwargs.get(name) or [])
        return cls(**kwargs)
