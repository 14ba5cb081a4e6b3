"""Galleries known only from inline JSON: a ``data-*`` prop of an element of the article
(``data-gallery='[…]'``, ``data-props='{"slides": […]}'``) or a ``<script>`` blob of the page
(``type="application/json"``, a framework's hydration state ``window.__STATE__ = {…}``).

Lazy galleries and carousels often print one slide, or none, and keep their pictures in such
JSON for a script to render. A JSON blob also holds teasers, logos and author pictures, so only
arrays under a gallery key are read, and only when their pictures carry captions or credits
(a gallery's, not a list of links): in a page-wide ``<script>``, gallery keys proper
("gallery", "slides", "photos"...); in a prop of an element inside the article, also
"images"/"media". Pictures with a small declared width, icons and logos are left out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from lxml import etree
from lxml.html import HtmlElement, fromstring

from newscrawl.article import Image
from newscrawl.extract.document import Document
from newscrawl.normalize.images import is_junk

#: Keys of a gallery's array in a page-wide blob, and (wider) in a prop of an article element.
_GALLERY_KEY = re.compile(
    r"^(?:[\w-]*[-_])?(?:gallery|galleries|slideshow|slides|carousel|photos|pictures|"
    r"bildergalerie|fotogalerie|galerie|galeria)$",
    re.IGNORECASE,
)
_PROP_KEY = re.compile(rf"{_GALLERY_KEY.pattern}|^(?:[\w-]*[-_])?(?:images|media)$", re.IGNORECASE)
#: After a gallery key's stem, in a script: the end of the key and an array opening.
_KEY_TAIL = re.compile(r"\w{0,4}\"\s*:\s*\[")
_ASSIGNMENT = re.compile(r"^\s*(?:(?:var|let|const)\s+)?[\w$.\[\]\"']+\s*=\s*(?=[\[{])")
_URL_KEYS = ("url", "src", "contentUrl", "imageUrl", "image_url", "originalUrl", "original",
             "large", "full", "file", "image", "img", "picture")  # fmt: skip
#: Keys of a picture's renditions, by size name or in a list ({"400px": {"src": …}, …}).
_RENDITION_KEYS = ("variants", "renditions", "sizes", "versions", "formats", "crops", "sources")
_CAPTION_KEYS = ("caption", "description", "legend", "subtitle", "alt", "altText", "text")
_CREDIT_KEYS = ("credit", "credits", "creditText", "copyright", "copyrightHolder",
                "photographer", "source", "author", "byline", "rights", "agency")  # fmt: skip
_IMAGE_PATH = re.compile(
    r"\.(?:jpe?g|png|webp|avif|gif)(?:$|[?#/_-])|/(?:image|img|images|photo|photos|media|"
    r"picture|pictures|bilder?|foto|fotos|dims\d*|resizer)/",
    re.IGNORECASE,
)
_MIN_WIDTH = 200
_MAX_BLOB = 3_000_000
_MAX_PICTURES = 200


def json_gallery_images(doc: Document, scope: HtmlElement) -> list[Image]:
    """Pictures of the galleries in the article's JSON props and the page's JSON scripts."""
    images: list[Image] = []
    for blob, prop in _blobs(doc, scope):
        for key, items in _arrays(blob):
            if _GALLERY_KEY.match(key) or (prop and len(items) > 1 and _PROP_KEY.match(key)):
                images.extend(_gallery(doc, items))
            if len(images) >= _MAX_PICTURES:
                return images
    return images


#: Attributes whose value opens a JSON array or object (libxml2's XPath: one C walk).
_JSON_ATTRS = etree.XPath(
    ".//@*[starts-with(name(), 'data-') or name() = 'props']"
    "[starts-with(., '[') or starts-with(., '{')]"
)
#: The ends of the gallery keys ("imageGallery", "bildergalerie"): a script is parsed only
#: when one is followed by an array (plain substring searches: a case-blind regex over a
#: page's scripts costs more than the rest of the image pass).
_STEMS = ("aller", "lide", "arousel", "hotos", "icture", "aleri")


_MAX_HITS = 50


def _names_gallery(text: str) -> bool:
    """Whether ``text`` has a gallery key followed by an array ("slides": [)."""
    for stem in _STEMS:
        start = text.find(stem)
        hits = 0
        while start >= 0 and hits < _MAX_HITS:
            if _KEY_TAIL.match(text, start + len(stem)):
                return True
            start = text.find(stem, start + len(stem))
            hits += 1
    return False


def _blobs(doc: Document, scope: HtmlElement) -> Iterator[tuple[Any, bool]]:
    """(parsed JSON, whether it is a prop of an article element) of every candidate blob."""
    for value in _JSON_ATTRS(scope):
        name = getattr(value, "attrname", "") or ""
        parsed = _loads(str(value))
        if isinstance(parsed, list):
            yield {name.removeprefix("data-"): parsed}, True
        elif parsed is not None:
            yield parsed, True
    scripts = doc.cache.get("inline_scripts")  # read_jsonld's walk found them
    for script in doc.tree.iter("script") if scripts is None else scripts:
        text = script.text
        if not text or len(text) > _MAX_BLOB or "ld+json" in (script.get("type") or "").lower():
            continue
        head = text[:200].lstrip()
        start = 0 if head[:1] in "[{" else _assigned_at(head)
        if start is None or not _names_gallery(text):
            continue  # code, not data; or data without a gallery
        parsed = _loads(text) if start == 0 else _raw_decode(text.lstrip(), start)
        if parsed is not None:
            yield parsed, False


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _assigned_at(head: str) -> int | None:
    """Where the value starts in a script assigning JSON (``window.__STATE__ = {…};``)."""
    match = _ASSIGNMENT.match(head)
    return match.end() if match else None


def _raw_decode(text: str, start: int) -> Any:
    try:
        return json.JSONDecoder().raw_decode(text, start)[0]
    except ValueError:
        return None


def _arrays(value: Any, depth: int = 0) -> Iterator[tuple[str, list[Any]]]:
    """(key, array of objects) pairs anywhere in ``value``."""
    if depth > 12:
        return
    if isinstance(value, dict):
        for key, child in value.items():
            if isinstance(child, list) and child and isinstance(child[0], dict):
                yield str(key), child
            if isinstance(child, (dict, list)):
                yield from _arrays(child, depth + 1)
    elif isinstance(value, list):
        for child in value:
            if isinstance(child, (dict, list)):
                yield from _arrays(child, depth + 1)


def _gallery(doc: Document, items: list[Any]) -> list[Image]:
    """The pictures of one array, if it is a captioned gallery (most pictures described)."""
    pictures = [p for p in (_picture(doc, item) for item in items) if p is not None]
    described = sum(1 for p in pictures if p.caption or p.credit)
    if not pictures or described * 2 < len(pictures):
        return []
    return [p for p in pictures if not is_junk(p)]


def _picture(doc: Document, item: Any) -> Image | None:
    if not isinstance(item, dict):
        return None
    url, width, height = _url(item)
    if url is None or (width is not None and width < _MIN_WIDTH):
        return None
    absolute = doc.absolute(url)
    if absolute is None:
        return None
    return Image(
        url=absolute,
        caption=_text(item, _CAPTION_KEYS),
        credit=_text(item, _CREDIT_KEYS),
        width=width,
        height=height,
    )


def _url(item: dict[str, Any], depth: int = 0) -> tuple[str | None, int | None, int | None]:
    """(URL, width, height) of an item: a URL key, a nested image object, the widest of a
    list of renditions."""
    for key in _URL_KEYS:
        value = item.get(key)
        if isinstance(value, str) and _image_url(value):
            width = _number(item.get("width")) or _number(item.get("maxWidth"))
            return value.strip(), width, _number(item.get("height"))
        if isinstance(value, dict) and depth < 2:
            found = _url(value, depth + 1)
            if found[0]:
                return found
        if isinstance(value, list) and depth < 2:
            sized = [_url(v, depth + 1) for v in value if isinstance(v, dict)]
            sized = [s for s in sized if s[0]]
            if sized:
                return max(sized, key=lambda s: s[1] or 0)
    for key in _RENDITION_KEYS:
        value = item.get(key)
        children = value.values() if isinstance(value, dict) else value
        if isinstance(children, (list, type({}.values()))) and depth < 2:
            sized = [_url(v, depth + 1) for v in children if isinstance(v, dict)]
            sized = [s for s in sized if s[0]]
            if sized:
                return max(sized, key=lambda s: s[1] or 0)
    return None, None, None


def _image_url(value: str) -> bool:
    url = value.strip()
    return (
        url.startswith(("http://", "https://", "//", "/"))
        and not any(c in url for c in " {}*")  # not a template ("…/{size}/…", "**width**")
        and not url.lower().split("?")[0].endswith((".svg", ".html", ".htm", ".php"))
        and bool(_IMAGE_PATH.search(url))
    )


def _number(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _text(item: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    """The first non-empty text under ``keys`` (a name object's ``name``; markup stripped)."""
    for key in keys:
        value = item.get(key)
        if isinstance(value, dict):
            value = value.get("name") or value.get("text")
        if isinstance(value, list):
            value = ", ".join(v for v in value if isinstance(v, str))
        if isinstance(value, str) and value.strip() and not _image_url(value):
            text = value.strip()
            if "<" in text:
                text = fromstring(f"<div>{text}</div>").text_content()
            text = " ".join(text.split())
            if text:
                return text
    return None
