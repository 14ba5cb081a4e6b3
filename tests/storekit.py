"""Helpers for storage and dedupe tests: synthetic articles and row counts."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from newscrawl.article import Article, Image
from newscrawl.store import Store
from newscrawl.store.schema import metadata

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
VOCABULARY = [f"w{i}" for i in range(5000)]


def text(seed: int, n_words: int = 300) -> str:
    """A reproducible body of ``n_words`` words, paragraphs of 60 words."""
    rng = random.Random(seed)
    tokens = [rng.choice(VOCABULARY) for _ in range(n_words)]
    paragraphs = [" ".join(tokens[i : i + 60]) + "." for i in range(0, n_words, 60)]
    return "\n\n".join(paragraphs)


def article(seed: int, url: str, minutes: int = 0, **fields) -> Article:
    """An article whose body and headline depend only on ``seed``."""
    values = {
        "headline": f"Headline number {seed} about the storm",
        "body": text(seed),
        "publisher": "The Independent",
        "source": "independent",
        "authors": ["Jane Doe"],
        "published_at": T0,
        "fetched_at": T0 + timedelta(minutes=minutes),
        "images": [Image(f"https://img.example/{seed}.jpg", caption="A storm")],
    }
    values.update(fields)
    return Article(url=url, **values)


def counts(store: Store) -> dict[str, int]:
    """Rows per table."""
    with store.engine.connect() as connection:
        return {
            table.name: connection.scalar(select(func.count()).select_from(table))
            for table in metadata.sorted_tables
        }
