"""Who published an article, reduced to a key that compares equal across spellings.

Aggregators name publishers their own way ("The Independent UK"), publishers
name themselves another ("The Independent"), and the URL says independent.co.uk:
all three must mean the same publisher for the merge rules.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from newscrawl.dedupe.urls import domain_label, is_http_url

_WORD_RE = re.compile(r"[^\W_]+")
_LEADING = {"the"}
#: Trailing words that name an edition, not a different publisher.
_TRAILING = {
    "uk", "us", "usa", "au", "ca", "nz", "ie", "in", "online", "digital", "edition",
    "com", "co", "net", "org", "international", "news", "newspaper",
}  # fmt: skip
_DOMAIN_LIKE_RE = re.compile(r"^[\w-]+(\.[\w-]+)+$")


def _words(name: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    return _WORD_RE.findall(folded)


@lru_cache(maxsize=16384)
def publisher_key(name: str | None) -> str:
    """A compact key for a publisher name; '' when there is no name.

    >>> publisher_key("The Independent UK"), publisher_key("the independent")
    ('independent', 'independent')
    >>> publisher_key("independent.co.uk"), publisher_key("BBC News"), publisher_key("Le Monde")
    ('independent', 'bbc', 'lemonde')
    """
    if not name or not name.strip():
        return ""
    name = name.strip()
    if _DOMAIN_LIKE_RE.match(name):
        return domain_label("http://" + name.lower())
    words = _words(name)
    while len(words) > 1 and words[0] in _LEADING:
        words = words[1:]
    while len(words) > 1 and words[-1] in _TRAILING:
        words = words[:-1]
    return "".join(words)


def _initials(name: str) -> str:
    words = [w for w in _words(name) if w not in _LEADING]
    return "".join(w[0] for w in words)


def domain_matches_publisher(url: str | None, publisher: str | None) -> bool:
    """True when the URL's registrable domain plausibly belongs to the publisher.

    >>> domain_matches_publisher("https://www.independent.co.uk/x", "The Independent UK")
    True
    >>> domain_matches_publisher("https://www.nytimes.com/x", "The New York Times")
    True
    >>> domain_matches_publisher("https://www.inkl.com/x", "The Independent UK")
    False
    """
    if not publisher or not is_http_url(url):
        return False
    assert url is not None
    label = domain_label(url).replace("-", "")
    key = publisher_key(publisher)
    if len(label) < 2 or not key:
        return False
    if label == key or (len(label) >= 4 and label in key) or (len(key) >= 4 and key in label):
        return True
    initials = _initials(publisher)
    return len(initials) >= 2 and label.startswith(initials)
