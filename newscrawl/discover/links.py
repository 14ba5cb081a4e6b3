"""Which links of a home, section or aggregator listing page lead to articles.

A listing page links to articles, to other listings (sections) and to pages that are never
articles (tags, authors, videos, galleries, log-in, shop). The spider follows the first two
kinds within the allowed domains; this module tells them apart from the URL alone, cheaply,
before anything is fetched. Whether a fetched page *is* an article is decided from the page
itself (:mod:`newscrawl.discover.pages`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin, urlsplit

from newscrawl.discover.hosts import host_of, on_domain

#: Path segments of pages that are never articles.
SKIP_SEGMENTS = frozenset(
    {
        "tag", "tags", "topic", "topics", "keyword", "keywords",
        "author", "authors", "profile", "profiles", "people", "contributor", "contributors",
        "video", "videos", "watch", "gallery", "galleries", "pictures", "photos", "in-pictures",
        "podcast", "podcasts", "audio", "live-tv", "tv",
        "search", "login", "signin", "sign-in", "register", "subscribe", "subscription",
        "newsletter", "newsletters", "account", "shop", "store", "jobs", "careers",
        "contact", "contact-us", "about", "about-us", "privacy", "terms", "cookies",
        "advertise", "help", "faq", "rss", "feeds", "cdn-cgi", "wp-admin", "wp-login.php",
    }
)  # fmt: skip

#: File extensions that are not web pages.
SKIP_EXTENSIONS = frozenset(
    {
        ".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg", ".ico", ".pdf", ".zip", ".mp3",
        ".mp4", ".m3u8", ".css", ".js", ".json", ".xml", ".rss", ".gz", ".txt", ".woff2",
    }
)  # fmt: skip

_DATE_IN_PATH = re.compile(r"/(19|20)\d\d[/-](0?[1-9]|1[0-2])([/-](0?[1-9]|[12]\d|3[01]))?(/|-|$)")
_LONG_ID = re.compile(r"(^|[/_.-])\d{5,}([/_.-]|$)")
_WORD = re.compile(r"[^\W\d_]{2,}")


def in_domains(url: str, domains: Iterable[str]) -> bool:
    """True when the URL's host is one of ``domains`` or a sub-domain of one.

    An empty ``domains`` allows every host (Scrapy's ``allowed_domains`` rule).

    >>> in_domains("https://www.news.example/a", ["news.example"])
    True
    >>> in_domains("https://badnews.example/a", ["news.example"])
    False
    >>> in_domains("https://anything.example/", [])
    True
    """
    wanted = [d for d in domains if d]
    if not wanted:
        return True
    host = host_of(url)
    return any(on_domain(host, d) for d in wanted)


def path_segments(url: str) -> list[str]:
    """Non-empty, lower-case path segments.

    >>> path_segments("https://n.example/News/World//story-1/")
    ['news', 'world', 'story-1']
    """
    return [s.lower() for s in urlsplit(url).path.split("/") if s]


def is_skipped(url: str) -> bool:
    """True for URLs that never lead to an article: tags, authors, videos, galleries, files.

    >>> is_skipped("https://n.example/topic/ukraine")
    True
    >>> is_skipped("https://n.example/authors/chris-stevenson")
    True
    >>> is_skipped("https://n.example/img/lead.jpg")
    True
    >>> is_skipped("mailto:desk@n.example")
    True
    >>> is_skipped("https://n.example/world/europe/russia-falls-back-near-bakhmut")
    False
    """
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        return True
    segments = path_segments(url)
    if any(segment in SKIP_SEGMENTS for segment in segments):
        return True
    last = segments[-1] if segments else ""
    dot = last.rfind(".")
    return dot > 0 and last[dot:] in SKIP_EXTENSIONS


def looks_like_article(url: str) -> bool:
    """Does the URL look like an article rather than a section? (a hint for link order only)

    Articles have a date in the path, a long numeric id, or a slug of several words.

    >>> looks_like_article("https://n.example/2024/05/03/world/story")
    True
    >>> looks_like_article("https://n.example/news/world/russia-admits-forces-fallen-back-a123")
    True
    >>> looks_like_article("https://n.example/article/ab12-3456789")
    True
    >>> looks_like_article("https://n.example/news/world")
    False
    >>> looks_like_article("https://n.example/")
    False
    """
    path = urlsplit(url).path
    if _DATE_IN_PATH.search(path) or _LONG_ID.search(path):
        return True
    segments = path_segments(url)
    if not segments:
        return False
    slug = segments[-1].rsplit(".", 1)[0]
    return len(_WORD.findall(slug)) >= 4 and slug.count("-") + slug.count("_") >= 3


@dataclass(slots=True)
class LinkSelection:
    """Links worth following from a listing page, split by what they probably are."""

    articles: list[str] = field(default_factory=list)
    listings: list[str] = field(default_factory=list)


def select_links(
    page_url: str, hrefs: Iterable[str], allowed_domains: Iterable[str] = ()
) -> LinkSelection:
    """Resolve, de-duplicate and sort a listing page's links.

    Fragments are dropped; query strings are kept (a tracking-parameter variant is its own
    sighting of the article). Links off the allowed domains (by default: the page's own host)
    and skipped pages are left out; the page itself is not linked back.

    >>> sel = select_links(
    ...     "https://n.example/news",
    ...     ["/news/world", "/news/world/russia-admits-it-fell-back-near-bakhmut#comments",
    ...      "/tag/ukraine", "https://other.example/2024/05/03/x", "#top", "/news",
    ...      "/news/world/russia-admits-it-fell-back-near-bakhmut"],
    ... )
    >>> sel.articles
    ['https://n.example/news/world/russia-admits-it-fell-back-near-bakhmut']
    >>> sel.listings
    ['https://n.example/news/world']
    """
    domains = list(allowed_domains) or [host_of(page_url)]
    own = urldefrag(page_url)[0]
    seen = {own}
    selection = LinkSelection()
    for href in hrefs:
        href = (href or "").strip()
        if not href or href.startswith("#"):
            continue
        url = urldefrag(urljoin(page_url, href))[0]
        if url in seen:
            continue
        seen.add(url)
        if is_skipped(url) or not in_domains(url, domains):
            continue
        (selection.articles if looks_like_article(url) else selection.listings).append(url)
    return selection
