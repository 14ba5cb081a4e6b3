"""Pure functions that clean an extracted Article's fields (headline, authors, credits, images)."""

from __future__ import annotations

from newscrawl.article import Article


def normalize_article(article: Article) -> Article:
    """Return the article with every field normalized. Placeholder: identity for now."""
    return article
