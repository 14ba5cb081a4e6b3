"""Where an article's page is in a WARC file: a hint the article carries to its sighting.

An imported page's place is its record in the file imported (a path, or the URL of a file a
listing named); a crawled page's is the record ``NEWSCRAWL_WARC_DIR`` wrote. The store keeps
it in ``sightings.warc_file`` and ``sightings.warc_offset``.
"""

from __future__ import annotations

from pathlib import Path

from newscrawl.article import Article

#: The hint (``article.hints``) holding ``{"file": ..., "offset": ...}``.
WARC_HINT = "warc"


def warc_location(article: Article) -> tuple[str, int] | None:
    """The WARC file and offset of the article's page, if it has one.

    >>> page = Article(url="https://news.example/a")
    >>> set_warc_location(page, "/w/x.warc.gz", 1024); warc_location(page)
    ('/w/x.warc.gz', 1024)
    """
    value = article.hints.get(WARC_HINT)
    if isinstance(value, dict) and isinstance(value.get("file"), str):
        offset = value.get("offset")
        if isinstance(offset, int) and not isinstance(offset, bool):
            return value["file"], offset
    return None


def set_warc_location(article: Article, file: str | Path, offset: int) -> None:
    """Say where the article's page is (also on its de-duplication preparation, made
    before the place was known)."""
    article.hints[WARC_HINT] = {"file": str(file), "offset": int(offset)}
    if article.prepared is not None:
        article.prepared.warc = (str(file), int(offset))
