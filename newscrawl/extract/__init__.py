"""HTML page + URL -> :class:`~newscrawl.article.Article` (not yet normalized)."""

from __future__ import annotations

from newscrawl.article import Article


def extract_article(html: str | bytes, url: str, *, source: str | None = None) -> Article:
    """Extract an Article from one page. Placeholder until the extraction core lands."""
    raise NotImplementedError
