"""JSON-LD: every ``application/ld+json`` block, flattened, and the article node chosen.

Publishers nest the article in lists, in ``@graph``, in ``mainEntity`` or in another node,
and often ship several blocks (breadcrumbs, organisation, video, article). All of them are
read; the article node is the best-scoring node of an article type.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from newscrawl.extract.document import INVISIBLE_CHARS, Document

#: schema.org types that describe the page's article, best first.
ARTICLE_TYPES: tuple[str, ...] = (
    "newsarticle",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "reviewnewsarticle",
    "askpublicnewsarticle",
    "liveblogposting",
    "blogposting",
    "article",
    "report",
    "techarticle",
    "scholarlyarticle",
    "socialmediaposting",
    "satiricalarticle",
)
_ARTICLE_RANK = {name: rank for rank, name in enumerate(ARTICLE_TYPES)}
_PAGE_TYPES = {"webpage", "itempage", "collectionpage", "medicalwebpage"}
_ORG_TYPES = {"organization", "newsmediaorganization", "corporation", "organisation"}
_CDATA = re.compile(r"^\s*(<!\[CDATA\[|//\s*<!\[CDATA\[)|(\]\]>|//\s*\]\]>)\s*$")
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_SPACES = re.compile(r"\s+")


@dataclass(slots=True)
class JsonLd:
    """What the page's JSON-LD says about its article (raw strings, not yet normalized)."""

    nodes: list[dict[str, Any]] = field(default_factory=list)
    article: dict[str, Any] | None = None
    webpage: dict[str, Any] | None = None

    def get_text(self, key: str) -> str | None:
        """A text field of the article node (falls back to the WebPage node)."""
        for node in (self.article, self.webpage):
            if node is not None:
                value = _as_text(node.get(key))
                if value:
                    return value
        return None


def read_jsonld(doc: Document) -> JsonLd:
    """Parse every JSON-LD block of the page; unreadable blocks are skipped."""
    cached = doc.cache.get("jsonld")
    if cached is not None:
        return cached
    nodes: list[dict[str, Any]] = []
    others: list[Any] = []  # the other inline scripts, for readers of inline JSON (galleries)
    for script in doc.tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            if script.get("src") is None:
                others.append(script)
            continue
        data = _load(script.text or "")
        if data is not None:
            nodes.extend(_flatten(data, depth=0))
    result = JsonLd(nodes=nodes, article=_pick_article(nodes, doc.url), webpage=_pick_page(nodes))
    doc.cache["jsonld"] = result
    doc.cache["inline_scripts"] = others
    return result


def _load(raw: str) -> Any:
    raw = _CDATA.sub("", raw.strip())
    if not raw:
        return None
    for text in (raw, _TRAILING_COMMA.sub(r"\1", raw)):
        try:
            return json.loads(text, strict=False)
        except ValueError:
            continue
    return None


def _flatten(data: Any, depth: int) -> Iterator[dict[str, Any]]:
    """Yield every typed node: list items, ``@graph`` members and nested main entities."""
    if depth > 6:
        return
    if isinstance(data, list):
        for item in data:
            yield from _flatten(item, depth + 1)
        return
    if not isinstance(data, dict):
        return
    if "@type" in data:
        yield data
    graph = data.get("@graph")
    if graph is not None:
        yield from _flatten(graph, depth + 1)
    for key in ("mainEntity", "mainEntityOfPage", "hasPart", "itemListElement", "item"):
        child = data.get(key)
        if isinstance(child, dict | list):
            yield from _flatten(child, depth + 1)


def types_of(node: dict[str, Any]) -> set[str]:
    """The node's ``@type`` values, lower-cased, without a schema.org prefix."""
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {str(v).rsplit("/", 1)[-1].lower() for v in values if v}


def _pick_article(nodes: list[dict[str, Any]], url: str) -> dict[str, Any] | None:
    best: tuple[tuple[int, int, int], dict[str, Any]] | None = None
    for node in nodes:
        ranks = [_ARTICLE_RANK[t] for t in types_of(node) if t in _ARTICLE_RANK]
        if not ranks:
            continue
        has_headline = 1 if (node.get("headline") or node.get("name")) else 0
        richness = sum(
            1 for key in ("datePublished", "author", "articleBody", "image") if node.get(key)
        )
        score = (has_headline, richness, -min(ranks))
        if best is None or score > best[0]:
            best = (score, node)
    return best[1] if best else None


def _pick_page(nodes: list[dict[str, Any]]) -> dict[str, Any] | None:
    for node in nodes:
        if types_of(node) & _PAGE_TYPES:
            return node
    return None


def _as_text(value: Any) -> str | None:
    if isinstance(value, list):
        value = next(
            (v for v in value if isinstance(v, str | int | float) and str(v).strip()), None
        )
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value")
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return clean_text(str(value))
    return None


def clean_text(value: str) -> str | None:
    """Unescape HTML entities (JSON-LD often carries them) and collapse whitespace.

    >>> clean_text("Kohberger&#8217;s  &quot;defense&quot;")
    'Kohberger’s "defense"'
    """
    if "&" in value:
        value = html.unescape(html.unescape(value))
    return _SPACES.sub(" ", INVISIBLE_CHARS.sub("", value)).strip() or None


def people_and_organisations(value: Any) -> tuple[list[str], list[str]]:
    """Split an ``author``/``creator`` value into person names and organisation names.

    >>> people_and_organisations([{"@type": "Person", "name": "Ann Lee"},
    ...     {"@type": "Organization", "name": "Reuters"}, "Bo Ek"])
    (['Ann Lee', 'Bo Ek'], ['Reuters'])
    """
    people: list[str] = []
    orgs: list[str] = []
    items = value if isinstance(value, list) else [value]
    name: str | None
    for item in items:
        if isinstance(item, str):
            name = clean_text(item) or ""
            if name and not name.startswith(("http://", "https://")) and name not in people:
                people.append(name)
            continue
        if not isinstance(item, dict):
            continue
        name = _as_text(item.get("name"))
        if not name:
            given = _as_text(item.get("givenName")) or ""
            family = _as_text(item.get("familyName")) or ""
            name = f"{given} {family}".strip() or None
        if not name or name.startswith(("http://", "https://")):
            continue
        target = orgs if types_of(item) & _ORG_TYPES else people
        if name not in target:
            target.append(name)
    return people, orgs


def image_urls(value: Any) -> list[str]:
    """URLs of an ``image``/``thumbnailUrl`` value (string, ImageObject, or a list of them)."""
    out: list[str] = []
    items = value if isinstance(value, list) else [value]
    for item in items:
        url = None
        if isinstance(item, str):
            url = item
        elif isinstance(item, dict):
            url = _as_text(item.get("url")) or _as_text(item.get("contentUrl"))
        if url and url not in out:
            out.append(url)
    return out


def image_objects(value: Any) -> list[dict[str, Any]]:
    """The ImageObject dicts of an ``image`` value (for captions, credits, sizes)."""
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, dict)]


def organisation_names(nodes: list[dict[str, Any]], value: Any) -> list[str]:
    """Names of a ``publisher``/``sourceOrganization`` value; ``@id`` references are resolved."""
    out: list[str] = []
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, dict) and "name" not in item and "@id" in item:
            item = next((n for n in nodes if n.get("@id") == item["@id"]), item)
        name = _as_text(item)
        if name and name not in out:
            out.append(name)
    return out


def resolve_refs(nodes: list[dict[str, Any]], value: Any) -> Any:
    """Replace ``{"@id": ...}`` references (common in Yoast ``@graph``) by the nodes they name."""
    if isinstance(value, list):
        return [resolve_refs(nodes, v) for v in value]
    if isinstance(value, dict) and set(value) <= {"@id"} and "@id" in value:
        return next((n for n in nodes if n.get("@id") == value["@id"] and len(n) > 1), value)
    return value
