"""Headline clean-up: entities, whitespace, NFC, and the site name pages glue onto titles.

The site name is learned from the page itself (its og:site_name, publisher, section and host),
never from a list of known sites, so "... | The Independent", "BBC News - ..." and "... | inkl"
all go while the headline's own dashes, colons and quotes stay.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from newscrawl.dedupe.urls import site_domain
from newscrawl.normalize.text import clean_text, fold_key

# " | ", " - ", " – ", " — ", " · ", " • ", " :: ", " » ", " › " (pipes may lack spaces).
_SEPARATOR_RE = re.compile(r"\s+[-–—·•»›|:*ㅣ]\s+|\s*[|｜：]\s*|\s+::\s+")
#: Separators that never occur inside a headline itself, only before a site or section name.
_PIPE_RE = re.compile(r"\s+[|ㅣ]\s+|\s*｜\s*")
#: A tail after a pipe this short (words) names the site or section, even undeclared.
_MAX_TAIL_WORDS = 4
_DATE = re.compile(r"^\d{1,4}(?:[./-]\d{1,2}){1,2}[./-]?\d{0,4}$")
#: A site-name part is short; anything longer is part of the headline.
_MAX_SITE_WORDS = 6
#: How much longer than a known name a title part may be and still be that name
#: ("The Independent" vs "The Independent UK", "BBC News" vs "bbc").
_MAX_EXTRA_CHARS = 8


def _is_site_name(part: str, names: list[str]) -> bool:
    """Whether ``part`` (one side of a separator) names the site."""
    if len(part.split()) > _MAX_SITE_WORDS:
        return False
    key = fold_key(part)
    if not key:
        return False
    bare = key.removeprefix("the")
    for name in names:
        short, long_ = sorted((bare, name.removeprefix("the")), key=len)
        # A very short key must match exactly: "bb" must not eat "bbc".
        if (
            short
            and long_.startswith(short)
            and len(long_) - len(short) <= _MAX_EXTRA_CHARS
            and (len(short) >= 3 or short == long_)
        ):
            return True
    return False


def _is_label(part: str, names: list[str]) -> bool:
    """A section label or date printed next to the site name ("- Sport - SZ.de", "| 28.04.2023")."""
    words = part.split()
    if _DATE.match(part) or fold_key(part) in names:
        return True
    return len(words) <= 2 and all(w[:1].isupper() for w in words) and part[-1:] not in "?!.\"'”’»"


def host_names(host: str | None) -> list[str]:
    """Names a site's host suggests ("www.golem.de" -> "golem.de", "golem").

    >>> host_names("www.independent.co.uk")
    ['independent.co.uk', 'independent']
    """
    found = site_domain(host)  # the Public Suffix List (tldextract): bbc.co.uk, abc.net.au
    return list(found) if found else []


def site_name_keys(names: Iterable[str | None]) -> list[str]:
    """Comparison keys for the names a page calls its site by (empty ones dropped)."""
    keys = {_name_key(n) for n in names if n}
    return sorted(k for k in keys if k)


@lru_cache(maxsize=4096)  # a crawl sees the same few site names on every page
def _name_key(name: str) -> str:
    return fold_key(clean_text(name))


def strip_site_name(headline: str, names: list[str]) -> str:
    """Remove a site name glued before or after the headline, with the labels around it.

    ``names`` are keys from :func:`site_name_keys`.

    >>> keys = site_name_keys(["The Independent UK", "inkl", "golem.de"])
    >>> strip_site_name("Russia admits – as Ukraine gains ground | The Independent", keys)
    'Russia admits – as Ukraine gains ground'
    >>> strip_site_name("Inkl - Brexit: what now?", keys)
    'Brexit: what now?'
    >>> strip_site_name("LTE-Patent: Samsung soll Smartphones zerstören - Golem.de", keys)
    'LTE-Patent: Samsung soll Smartphones zerstören'
    >>> strip_site_name("Ukraine – The Independent view", keys)
    'Ukraine – The Independent view'
    """
    if not names:
        return headline
    while True:
        cuts = list(_SEPARATOR_RE.finditer(headline))
        if not cuts:
            return headline
        starts = [0, *(m.end() for m in cuts)]
        ends = [*(m.start() for m in cuts), len(headline)]
        parts = [headline[a:b] for a, b in zip(starts, ends, strict=True)]
        if _is_site_name(parts[0], names) and fold_key(headline[starts[1] :]):
            first = 1  # "Tageblatt.lu | Sport | Headline": the label after the name goes too
            while first < len(parts) - 1 and _is_label(parts[first], names):
                first += 1
            headline = headline[starts[first] :].strip()
            continue
        site = next((i for i in range(1, len(parts)) if _is_site_name(parts[i], names)), None)
        if site is None:
            return headline
        # Drop the site name, everything after it, and labels just before it.
        keep = site
        while keep > 1 and _is_label(parts[keep - 1], names):
            keep -= 1
        return headline[: ends[keep - 1]].strip()


def without_pipe_tail(headline: str) -> str:
    """Drop short parts after a pipe at the end ("… | Site-Name", "…-section ㅣ site"): pages
    that declare no site name still glue it on that way.

    >>> without_pipe_tail("Lawmakers pass the budget | Daily Planet")
    'Lawmakers pass the budget'
    >>> without_pipe_tail("Budget passes | Politics | Daily Planet")
    'Budget passes'
    >>> without_pipe_tail("Why the budget passed | and what it means for the schools next year")
    'Why the budget passed | and what it means for the schools next year'
    """
    while True:
        cuts = list(_PIPE_RE.finditer(headline))
        if not cuts:
            return headline
        tail = headline[cuts[-1].end() :]
        if (
            not tail
            or len(tail.split()) > _MAX_TAIL_WORDS
            or not fold_key(headline[: cuts[-1].start()])
        ):
            return headline
        headline = headline[: cuts[-1].start()].strip()


def h1_with_tail(title: str, h1: str) -> bool:
    """Whether ``title`` is the page's ``h1`` with a separator and a short tail (a site or
    section name) before or after it.

    >>> h1_with_tail("Budget passes - Politik - Example", "Budget passes")
    True
    >>> h1_with_tail("Budget passes: what the new rules mean for every family", "Budget passes")
    False
    """
    if not h1 or title == h1 or len(title) <= len(h1):
        return False
    if title.startswith(h1):
        match = _SEPARATOR_RE.match(title, len(h1))
        tail = title[match.end() :] if match else ""
    elif title.endswith(h1):
        head = title[: len(title) - len(h1)]
        match = next((m for m in _SEPARATOR_RE.finditer(head) if m.end() == len(head)), None)
        tail = head[: match.start()] if match else ""
    else:
        return False
    if match is None or match.group().strip() == ":":  # "Topic: headline" is the headline
        return False
    return 0 < len(tail.split()) <= _MAX_TAIL_WORDS


def normalize_headline(headline: str | None, site_names: Iterable[str | None] = ()) -> str | None:
    """The clean headline, without the site name; None only when there is no headline.

    >>> normalize_headline("  Spain&#8217;s election: 5 takeaways - BBC News ", ["BBC News"])
    'Spain’s election: 5 takeaways'
    >>> normalize_headline("BBC News", ["BBC News"])  # never empty when the page had one
    'BBC News'
    """
    text = clean_text(headline)
    if not text:
        return None
    stripped = without_pipe_tail(strip_site_name(text, site_name_keys(site_names)))
    return stripped if fold_key(stripped) else text
