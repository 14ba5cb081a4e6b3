"""Items storage must refuse, each with a reason (the suffix of its drop stat).

No length limit real pages can exceed applies here: the headline limit is far above
any real headline and only stops garbage (a whole page captured as a headline).
"""

from __future__ import annotations

from newscrawl.article import Article
from newscrawl.dedupe.urls import is_http_url

#: Headlines longer than this are extraction failures, not headlines.
MAX_HEADLINE_CHARS = 2000


def _strings(article: Article) -> list[str]:
    values: list[str] = []
    for name in ("url", "canonical_url", "source", "publisher", "section", "headline",
                 "description", "language", "body"):  # fmt: skip
        value = getattr(article, name)
        if isinstance(value, str):
            values.append(value)
    for name in ("authors", "wire_credits", "tags"):
        values.extend(v for v in getattr(article, name) if isinstance(v, str))
    for image in article.images:
        values.extend(v for v in (image.url, image.caption, image.credit) if isinstance(v, str))
    return values


def invalid_reason(article: Article, max_headline: int = MAX_HEADLINE_CHARS) -> str | None:
    """Why the article cannot be stored, or ``None`` when it can.

    >>> invalid_reason(Article(url="https://ex.com/a", headline="Storm"))
    >>> invalid_reason(Article(url="https://ex.com/a", headline="Storm\\x00"))
    'nul_byte'
    >>> invalid_reason(Article(url="ftp://ex.com/a", headline="Storm"))
    'bad_url'
    """
    if not is_http_url(article.url):
        return "bad_url"
    if not (article.headline or article.body):
        return "empty"
    if any("\x00" in value for value in _strings(article)):
        return "nul_byte"
    if article.headline and len(article.headline) > max_headline:
        return "headline_too_long"
    return None
