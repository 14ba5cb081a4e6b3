"""Which URL stands for a picture, and at what size.

Pages rarely put the picture in ``src``: the largest rendition is chosen among
``srcset``/``data-srcset`` candidates (``<picture><source>`` included, and any library's
``data-…srcset``), then full-size and lazy-loading attributes (``data-src`` and friends, which a
gallery's script copies to ``src`` when the slide shows), then a placeholder's ``<noscript>``
copy, then ``src``; placeholders (spacers, 1x1 gifs) are skipped and the URL is made absolute.
A ``<noscript>`` copy of a lazy picture is the same picture, never a second one.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from newscrawl.extract.document import Document
from newscrawl.normalize.renditions import Rendition, largest, parse_srcset

_PLACEHOLDER = re.compile(
    r"(placeholder|blank\.(gif|png)|spacer|pixel\.(gif|png)|transparent\.(gif|png)|1x1|"
    r"lazy[-_]?load|loading\.(gif|svg)|/grey\.|data:image)",
    re.IGNORECASE,
)

_LAZY_SRC_ATTRS = (
    "data-src",
    "data-lazy-src",
    "data-original",
    "data-lazy",
    "data-url",
    "data-hi-res-src",
    "data-full-src",
)
#: Lazy-loading attributes of any library ("data-flickity-lazyload", "data-lazyimage-src",
#: "data-echo"): a carousel's script copies them to ``src``/``srcset`` when the slide shows,
#: so a gallery's pictures are often only there.
_LAZY_SRC_NAME = re.compile(r"^data-[\w-]*(?:src|lazyload|lazy|original|echo)$")
_LAZY_SRCSET_NAME = re.compile(r"^data-[\w-]*srcset$")
IMG_TAGS = ("img", "amp-img")
#: Attributes holding a zoom / full-screen rendition ("data-fullscreen-src", "data-zoom-image",
#: "data-large-src", "data-hi-res-src"): the picture at its largest when no srcset says.
_FULL_SIZE_ATTR = re.compile(r"^data-[\w-]*(?:full|zoom|large|hi-?res|highres|big|max)[\w-]*$")


def _full_size(img: HtmlElement) -> str | None:
    for name, value in img.attrib.items():
        url = value.strip()
        usable = "/" in url and " " not in url and not _PLACEHOLDER.search(url)
        if usable and _FULL_SIZE_ATTR.match(name):
            return url
    return None


def _srcsets(source: HtmlElement) -> list[Rendition]:
    """Candidates of ``source``'s ``srcset`` and of its lazy-loading srcset attributes."""
    renditions: list[Rendition] = []
    for name, value in source.attrib.items():
        lazy = name.startswith("data-") and _LAZY_SRCSET_NAME.match(name)
        if (name == "srcset" or lazy) and value and not _PLACEHOLDER.search(value[:100]):
            renditions.extend(parse_srcset(value))
    return renditions


def _usable(value: str | None) -> bool:
    url = (value or "").strip()
    return bool(url) and " " not in url and not _PLACEHOLDER.search(url)


def _src(img: HtmlElement) -> str | None:
    value = img.get("src")
    return value if value and not _PLACEHOLDER.search(value) else None


def _lazy_src(img: HtmlElement) -> str | None:
    """The URL a lazy-loading script would put in ``src``: a known attribute first, then any
    ``data-…src``/``data-…lazyload`` one holding a URL (not ``src`` itself)."""
    for attr in _LAZY_SRC_ATTRS:
        value = img.get(attr)
        if value and not _PLACEHOLDER.search(value):
            return value
    for name, value in img.attrib.items():
        lazy = name.startswith("data-") and _LAZY_SRC_NAME.match(name)
        if lazy and _usable(value) and ("/" in value or "." in value):
            return value.strip()
    return None


def noscript_img(element: HtmlElement) -> HtmlElement | None:
    """The ``<img>`` of the ``<noscript>`` copy beside or inside a lazy picture: what readers
    without scripts see, the real picture when the visible one is a placeholder."""
    holders = [element] if element.tag not in IMG_TAGS else []
    parent = element.getparent()
    if parent is not None and element.tag in (*IMG_TAGS, "picture"):
        holders.append(parent)
    for holder in holders:
        for noscript in holder.iter("noscript"):
            img = next(noscript.iter("img"), None)
            if img is not None:
                return img
    return None


def picture_url(doc: Document, element: HtmlElement) -> tuple[str | None, int | None, int | None]:
    """Best absolute URL (and size) of the picture in ``element`` (a figure, picture or img):
    the widest ``srcset`` candidate (lazy ones included), else a full-size attribute, else a
    lazy ``src``, else the ``<noscript>`` copy's picture, else the plain ``src``."""
    img: HtmlElement | None = element if element.tag in IMG_TAGS else None
    if img is None:
        img = next((i for i in element.iter(*IMG_TAGS) if not _in_noscript(i, element)), None)
    url, width = scripted_url(element, img)
    if url is None and (copy := noscript_img(img if img is not None else element)) is not None:
        url, width = scripted_url(copy, copy)
        url = url or _src(copy)
    if url is None and img is not None:
        url = _src(img)
    if url is None:
        url = next((r.url for s in _sources(element) for r in _srcsets(s)), None)
    height = None
    if img is not None and width is None:
        width = _int(img.get("width"))
        height = _int(img.get("height"))
    return doc.absolute(url), width, height


def _sources(element: HtmlElement) -> list[HtmlElement]:
    if element.tag in (*IMG_TAGS, "source"):
        return [element]
    return [s for s in element.iter("source", *IMG_TAGS) if not _in_noscript(s, element)]


def scripted_url(element: HtmlElement, img: HtmlElement | None) -> tuple[str | None, int | None]:
    """(URL, width) a browser running the page's scripts would show: the widest ``srcset``
    candidate, else a full-size or lazy-loading attribute; the plain ``src`` is left out (it
    is often a placeholder the scripts replace)."""
    renditions = [r for source in _sources(element) for r in _srcsets(source)]
    chosen = largest(r for r in renditions if r.width or r.density)
    if chosen is not None:
        return chosen.url, chosen.width
    if img is not None:
        return _full_size(img) or _lazy_src(img), None
    return None, None


def picture_of(img: HtmlElement) -> HtmlElement:
    """The ``<picture>`` around a loose img (its sources are the img's renditions; libxml2
    may nest the img in a ``<source>``), else the img itself."""
    node = img.getparent()
    while node is not None and node.tag == "source":
        node = node.getparent()
    return node if node is not None and node.tag == "picture" else img


def _in_noscript(element: HtmlElement, top: HtmlElement) -> bool:
    for ancestor in element.iterancestors():
        if ancestor is top:
            return False
        if ancestor.tag == "noscript":
            return True
    return False


def _int(value: str | None) -> int | None:
    if value and value.strip().isdigit():
        return int(value.strip())
    return None


def count_pictures(element: HtmlElement) -> int:
    """Pictures in ``element``; a ``<noscript>`` copy of a lazy picture is the same picture."""
    return sum(
        1
        for img in element.iter(*IMG_TAGS)
        if not any(a.tag == "noscript" for a in img.iterancestors())
    )
