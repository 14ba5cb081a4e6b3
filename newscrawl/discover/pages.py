"""Decide from an HTML page itself whether it is an article, or an app shell needing a browser.

No per-site lists: the page's structured data (JSON-LD ``@type``, ``og:type``) decides when it
is present, and its structure (one ``<article>``/``<main>`` with a heading and several real
paragraphs, few links) when it is not.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import lxml.html
from lxml.html import HtmlElement

#: schema.org types of a single article page.
ARTICLE_TYPES = frozenset(
    {
        "Article", "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle",
        "OpinionNewsArticle", "BackgroundNewsArticle", "ReviewNewsArticle", "BlogPosting",
        "LiveBlogPosting", "SatiricalArticle", "Report", "TechArticle", "ScholarlyArticle",
    }
)  # fmt: skip

#: schema.org types of a listing page (a home page, a section, search results).
LISTING_TYPES = frozenset({"CollectionPage", "ItemList", "SearchResultsPage", "ProfilePage"})

#: ``id`` values of the empty mount point of single-page applications.
APP_ROOT_IDS = frozenset({"root", "app", "__next", "__nuxt", "___gatsby", "svelte", "main-app"})

MIN_PARAGRAPH_CHARS = 80
MIN_ARTICLE_PARAGRAPHS = 3
MIN_ARTICLE_CHARS = 600
MAX_LINK_DENSITY = 0.35
APP_SHELL_MAX_TEXT = 200


def parse_html(html: str | bytes) -> HtmlElement:
    """One lxml tree for the page (an empty document never raises).

    >>> parse_html("").tag
    'html'
    """
    if isinstance(html, str):
        html = html.encode("utf-8")
    if not html.strip():
        return lxml.html.fromstring("<html></html>")
    try:
        return lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return lxml.html.fromstring("<html></html>")


def _walk_jsonld(node: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Top-level objects, ``@graph`` members and ``mainEntity`` (not list items)."""
    if depth > 4:
        return
    if isinstance(node, list):
        for item in node:
            yield from _walk_jsonld(item, depth + 1)
    elif isinstance(node, dict):
        yield node
        for key in ("@graph", "mainEntity"):
            if key in node:
                yield from _walk_jsonld(node[key], depth + 1)


def jsonld_types(tree: HtmlElement) -> set[str]:
    """The schema.org ``@type`` names the page declares about itself.

    >>> tree = parse_html('<script type="application/ld+json">{"@context": "https://schema.org",'
    ...     ' "@graph": [{"@type": "WebPage"}, {"@type": ["NewsArticle"]}]}</script>')
    >>> sorted(jsonld_types(tree))
    ['NewsArticle', 'WebPage']
    """
    types: set[str] = set()
    for script in tree.xpath('//script[contains(@type, "ld+json")]'):
        try:
            data = json.loads(script.text_content() or "null", strict=False)
        except ValueError:
            continue
        for obj in _walk_jsonld(data):
            value = obj.get("@type")
            for name in value if isinstance(value, list) else [value]:
                if isinstance(name, str):
                    types.add(name.rpartition("/")[2].rpartition(":")[2])
    return types


def meta_content(tree: HtmlElement, key: str) -> str | None:
    """``<meta property|name=key content=…>``, stripped, or None."""
    for value in tree.xpath(f'//meta[@property="{key}" or @name="{key}"]/@content'):
        if value.strip():
            return value.strip()
    return None


def _text(el: HtmlElement) -> str:
    return " ".join(el.text_content().split())


#: Elements whose text a reader never sees.
_INVISIBLE = frozenset({"script", "style", "noscript", "template"})


def visible_text_exceeds(tree: HtmlElement, limit: int) -> bool:
    """Whether the ``<body>``'s visible text, whitespace-collapsed, is longer than ``limit``.

    Walks the tree and stops as soon as the limit is passed (a real page passes it within
    its first few elements) instead of collecting the whole page's text. Order does not
    matter for a length: each text node adds its words and one separator per word.

    >>> visible_text_exceeds(parse_html("<body><p>ab  cd</p><script>x</script>e</body>"), 7)
    False
    >>> visible_text_exceeds(parse_html("<body><p>ab  cd</p><script>x</script>ef</body>"), 7)
    True
    """
    body = tree.find("body")
    if body is None:
        return False
    length = -1  # n words joined by single spaces: their letters + (n - 1)
    stack = [body]
    while stack:
        element = stack.pop()
        texts = [element.text]
        for child in element:
            texts.append(child.tail)
            tag = child.tag
            if isinstance(tag, str) and tag not in _INVISIBLE:  # not comments, PIs, scripts
                stack.append(child)
        for text in texts:
            if text:
                words = text.split()
                length += sum(map(len, words)) + len(words)
        if length > limit:
            return True
    return False


def _looks_structured_like_article(tree: HtmlElement) -> bool:
    """One content container with a heading and several real paragraphs, few links."""
    containers = tree.xpath("//article") or tree.xpath("//main") or tree.xpath("//body")
    for container in containers:
        if not container.xpath(".//h1"):
            continue
        paragraphs = [p for p in container.xpath(".//p") if len(_text(p)) >= MIN_PARAGRAPH_CHARS]
        text = sum(len(_text(p)) for p in paragraphs)
        if len(paragraphs) < MIN_ARTICLE_PARAGRAPHS or text < MIN_ARTICLE_CHARS:
            continue
        link_text = sum(len(_text(a)) for p in paragraphs for a in p.xpath(".//a"))
        if link_text / text <= MAX_LINK_DENSITY:
            return True
    return False


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a page is an article, and which signal decided."""

    is_article: bool
    reason: str


def article_verdict(tree: HtmlElement) -> Verdict:
    """Is this page one article? Structured data first, then the page's structure.

    >>> article_verdict(parse_html('<meta property="og:type" content="article">'))
    Verdict(is_article=True, reason='og:type')
    >>> article_verdict(parse_html('<meta property="og:type" content="website"><h1>News</h1>'))
    Verdict(is_article=False, reason='og:type')
    >>> para = "<p>" + "A sentence of reporting that is long enough to count. " * 3 + "</p>"
    >>> article_verdict(parse_html("<article><h1>Headline</h1>" + para * 4 + "</article>"))
    Verdict(is_article=True, reason='structure')
    >>> article_verdict(parse_html("<main><h1>Contact us</h1><p>Call us.</p></main>"))
    Verdict(is_article=False, reason='structure')
    """
    types = jsonld_types(tree)
    if types & ARTICLE_TYPES:
        return Verdict(True, "json-ld")
    og_type = (meta_content(tree, "og:type") or "").lower()
    if og_type == "article" or og_type.startswith("article:"):
        return Verdict(True, "og:type")
    if types & LISTING_TYPES:
        return Verdict(False, "json-ld")
    if og_type in {"website", "profile", "video.other", "video.movie", "music.song"}:
        return Verdict(False, "og:type")
    return Verdict(_looks_structured_like_article(tree), "structure")


def is_app_shell(tree: HtmlElement) -> bool:
    """An empty page that only JavaScript fills: scripts, a mount point, almost no text.

    >>> is_app_shell(parse_html('<html><body><div id="root"></div>'
    ...     '<script src="/app.js"></script></body></html>'))
    True
    >>> is_app_shell(parse_html('<html><body><div id="root"><h1>Server-rendered</h1>'
    ...     + "<p>text</p>" * 100 + '</div><script src="/app.js"></script></body></html>'))
    False
    """
    if not tree.xpath("//body//script"):
        return False
    if visible_text_exceeds(tree, APP_SHELL_MAX_TEXT):
        return False
    ids = {value.lower() for value in tree.xpath("//body//*/@id")}
    return bool(ids & APP_ROOT_IDS) or not tree.xpath("//body//p")
