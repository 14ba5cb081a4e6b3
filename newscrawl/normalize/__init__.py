"""Pure functions that clean an extracted Article's fields (headline, authors, credits, images).

:func:`normalize_article` runs them all, in the crawl (``pipelines/normalize.py``) and in the
``extract`` command alike. Every decision is reported through ``on_outcome`` as a stats key
``newscrawl/normalize/<field>/<outcome>`` so a crawl's stats show what was cleaned and why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from urllib.parse import urlsplit

from newscrawl.article import Article
from newscrawl.normalize.agencies import agency_for_host, lookup
from newscrawl.normalize.byline import parse_bylines
from newscrawl.normalize.credits import (
    credits_from_copyright,
    credits_from_organisations,
    find_body_credits,
)
from newscrawl.normalize.headline import host_names, normalize_headline
from newscrawl.normalize.images import normalize_images
from newscrawl.normalize.text import clean_text, fold_key

__all__ = ["STAT_PREFIX", "normalize_article"]

STAT_PREFIX = "newscrawl/normalize"

OnOutcome = Callable[[str], None]


def _strings(value: object) -> list[str]:
    """Hints may hold a string, a list of strings, or nothing."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable):
        return [v for v in value if isinstance(v, str)]
    return []


def _self_agencies(article: Article, site_names: list[str]) -> set[str]:
    """Agencies that published this page themselves (their own credits are not credits)."""
    found = {a.name for a in map(lookup, site_names) if a is not None}
    for url in (article.canonical_url, article.url):
        agency = agency_for_host(urlsplit(url or "").hostname)
        if agency is not None:
            found.add(agency.name)
    return found


def _without_captions(
    body: str | None, captions: set[str], credits: set[str]
) -> tuple[str | None, int]:
    """Drop body paragraphs that are an image caption, or a photo credit at the top.

    Captions never belong in the body; a lone "Reuters" under the headline is the lead
    photo's credit, not a credit for the text.
    """
    if not body or not (captions or credits):
        return body, 0
    longest = max(map(len, captions | credits)) * 2 + 40  # keys are shorter than their text
    paragraphs = body.split("\n\n")
    kept = []
    for i, paragraph in enumerate(paragraphs):
        key = fold_key(clean_text(paragraph)) if len(paragraph) <= longest else ""
        if key and (key in captions or (i < 2 and key in credits)):
            continue
        kept.append(paragraph)
    return "\n\n".join(kept) or None, len(paragraphs) - len(kept)


class _Outcomes:
    """Sends ``newscrawl/normalize/<field>/<outcome>`` keys to the caller's callback."""

    def __init__(self, callback: OnOutcome | None) -> None:
        self.callback = callback

    def __call__(self, field: str, outcome: str, times: int = 1) -> None:
        if self.callback is not None:
            for _ in range(times):
                self.callback(f"{STAT_PREFIX}/{field}/{outcome}")


def _headline(article: Article, names: list[str], count: _Outcomes) -> str | None:
    headline = normalize_headline(article.headline, [*names, article.section])
    if headline is None:
        count("headline", "missing")
    elif headline != clean_text(article.headline):
        count("headline", "site_name_stripped")
    else:
        count("headline", "ok")
    return headline


def _authors(
    article: Article, names: list[str], count: _Outcomes
) -> tuple[list[str], list[tuple[str, str]]]:
    """Person names from the extractor's authors (else its raw bylines), and byline agencies."""
    hints = article.hints
    byline = parse_bylines(_strings(article.authors) or _strings(hints.get("bylines")), names)
    extra = parse_bylines(_strings(hints.get("bylines")), names)
    count("authors", "found" if byline.authors else "none")
    count("authors", "rejected", len(byline.rejected))
    return byline.authors, [("byline", n) for n in (*byline.agencies, *extra.agencies)]


def _extracted_credits(article: Article) -> list[tuple[str, str]]:
    """Credits already on the article (set by the extractor, or by an earlier normalization:
    first, so that normalizing twice keeps their order)."""
    return [
        ("extracted", a.name) for a in map(lookup, _strings(article.wire_credits)) if a is not None
    ]


def _metadata_credits(article: Article) -> list[tuple[str, str]]:
    """Credits in JSON-LD organisations and copyright lines."""
    hints = article.hints
    found = [
        ("organisation", n)
        for n in credits_from_organisations(_strings(hints.get("credit_organisations")))
    ]
    found += [("copyright", n) for n in credits_from_copyright(_strings(hints.get("copyright")))]
    return found


def _wire_credits(
    credits: list[tuple[str, str]], self_agencies: set[str], count: _Outcomes
) -> list[str]:
    """Canonical names in order of discovery, without the publishing agency itself."""
    out: list[str] = []
    for where, name in credits:
        if name in self_agencies:
            count("wire_credits", "self_credit_ignored")
        elif name not in out:
            out.append(name)
            count("wire_credits", where)
    if not out:
        count("wire_credits", "none")
    return out


def normalize_article(article: Article, *, on_outcome: OnOutcome | None = None) -> Article:
    """Return a normalized copy of ``article`` (the input is left as it was).

    ``on_outcome`` receives one stats key per decision, e.g.
    ``newscrawl/normalize/wire_credits/trailer``.
    """
    count = _Outcomes(on_outcome)
    site_names = [
        clean_text(n) for n in (*_strings(article.hints.get("site_names")), article.publisher)
    ]
    site_names = [n for n in site_names if n]
    host = urlsplit(article.canonical_url or article.url or "").hostname
    hosts = host_names(host)

    headline = _headline(article, [*site_names, *hosts], count)
    # The registrable domain signs bylines too ("nieuwsblad.be").
    authors, byline_credits = _authors(article, [*site_names, *hosts[:1]], count)

    # Images first: their captions are removed from the body.
    images = normalize_images(article.images, article.canonical_url or article.url)
    for outcome, times in sorted(images.outcomes.items()):
        count("images", outcome, times)
    pictures = (*article.images, *images.images)
    captions = {fold_key(i.caption) for i in pictures if i.caption} - {""}
    photo_credits = {fold_key(i.credit) for i in pictures if i.credit} - {""}
    body, dropped = _without_captions(article.body, captions, photo_credits)
    count("body", "caption_removed", dropped)
    found = find_body_credits(body)
    count("body", "credit_line_removed", len(found.removed))

    credits = [
        *_extracted_credits(article),
        *byline_credits,
        *found.credits,
        *_metadata_credits(article),
    ]
    wire_credits = _wire_credits(credits, _self_agencies(article, site_names), count)
    return replace(
        article,
        headline=headline,
        authors=authors,
        wire_credits=wire_credits,
        body=found.body,
        images=images.images,
        hints=dict(article.hints),
    )
