"""Headline clean-up: entities, whitespace, NFC, and the site name pages glue onto titles.

The site name is learned from the page itself (its og:site_name, publisher, section and host),
never from a list of known sites, so "... | The Independent", "BBC News - ..." and "... | inkl"
all go while the headline's own dashes, colons and quotes stay.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from newscrawl.normalize.text import clean_text, fold_key

# " | ", " - ", " – ", " — ", " · ", " • ", " :: ", " » " (pipes may lack spaces).
_SEPARATOR = r"(?:\s+[-–—·•»|]\s+|\s*\|\s*|\s+::\s+)"
_SEPARATOR_RE = re.compile(_SEPARATOR)
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


def site_name_keys(names: Iterable[str | None]) -> list[str]:
    """Comparison keys for the names a page calls its site by (empty ones dropped)."""
    keys = {fold_key(clean_text(n)) for n in names if n}
    return sorted(k for k in keys if k)


def strip_site_name(headline: str, names: list[str]) -> str:
    """Remove a site name glued before or after the headline, as often as it occurs.

    ``names`` are keys from :func:`site_name_keys`.

    >>> keys = site_name_keys(["The Independent UK", "inkl"])
    >>> strip_site_name("Russia admits – as Ukraine gains ground | The Independent", keys)
    'Russia admits – as Ukraine gains ground'
    >>> strip_site_name("Inkl - Brexit: what now?", keys)
    'Brexit: what now?'
    >>> strip_site_name("Ukraine – The Independent view", keys)
    'Ukraine – The Independent view'
    """
    if not names:
        return headline
    while True:
        separators = list(_SEPARATOR_RE.finditer(headline))
        if not separators:
            return headline
        last, first = separators[-1], separators[0]
        for head, tail in (
            (headline[: last.start()], headline[last.end() :]),
            (headline[first.end() :], headline[: first.start()]),
        ):
            if fold_key(head) and _is_site_name(tail, names):
                headline = head.strip()
                break
        else:
            return headline


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
    stripped = strip_site_name(text, site_name_keys(site_names))
    return stripped if fold_key(stripped) else text
