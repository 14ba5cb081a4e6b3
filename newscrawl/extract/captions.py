"""Captions and credits found around a picture.

Inside a ``<figure>`` the ``<figcaption>`` is the caption, and an element in it marked as a
credit (class ``credit``/``copyright``/``source``..., or ``<small>``/``<cite>``) becomes the
credit; a credit may also sit in the figure outside its caption or right after it. Outside any
figure, many sites caption a picture with the element right after it (a caption-like class, or
a short paragraph ending in a credit). A picture nothing captions may be described by its
``alt`` text. Splitting a credit written inside the caption text ("... (Reuters)") is left to
normalization.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from newscrawl.extract.document import text_of
from newscrawl.extract.picture_urls import IMG_TAGS, count_pictures
from newscrawl.normalize.agencies import agencies_only
from newscrawl.normalize.images import credited_caption, looks_like_credit

_CREDIT_CLASS = re.compile(
    r"(credit|copyright|source|photographer|byline|attribution|courtesy|author)", re.IGNORECASE
)


def _is_icon(element: HtmlElement) -> bool:
    """An icon's text ("Camera Icon"): an ``<svg>``, an ``aria-hidden`` element, an icon class."""
    classes = element.get("class") or ""
    return (
        element.tag == "svg"
        or element.get("aria-hidden") == "true"
        or any("icon" in token.lower() for token in classes.split())
    )


def split_figcaption(caption: HtmlElement) -> tuple[str | None, str | None]:
    """(caption text, credit text) of a ``<figcaption>``-like element; icons' text left out."""
    credit_parts: list[str] = []
    icon_parts: list[str] = []
    for element in caption.iter():
        if element is caption or not isinstance(element.tag, str):
            continue
        classes = (element.get("class") or "") + " " + (element.get("itemprop") or "")
        if _is_icon(element):
            text = text_of(element)
            if text:
                icon_parts.append(text)
        elif element.tag in ("small", "cite") or _CREDIT_CLASS.search(classes):
            text = text_of(element)
            if text and text not in credit_parts:
                credit_parts.append(text)
    full = text_of(caption)
    text = full
    for part in (*icon_parts, *credit_parts):
        text = text.replace(part, " ")
    text = " ".join(text.split())
    credit = " ".join(credit_parts) or None
    return (text or None), credit


def credit_in_figure(figure: HtmlElement, caption: HtmlElement | None) -> str | None:
    """A credit printed inside a figure but outside its caption: a ``<footer>``, ``<cite>`` or
    ``<small>``, an element with a credit class, or a lone credit line ("Foto: Seznam")."""
    for element in figure.iter("footer", "cite", "small", "span", "div", "p"):
        if caption is not None and (element is caption or caption in element.iterancestors()):
            continue
        if (
            element.tag in ("span", "div", "p")
            and next(element.iter("img", "picture"), None) is not None
        ):
            continue
        text = text_of(element)
        if not text or len(text) > 120:
            continue
        classes = element.get("class") or ""
        if element.tag in ("footer", "cite", "small") or _CREDIT_CLASS.search(classes):
            return text
        if _lone_credit(text):
            return text
    return None


#: Caption-like classes outside ``<figure>``: many sites caption pictures in plain divs.
_LOOSE_CAPTION_WORDS = (
    *("aption", "legend", "bildunterschrift", "img-info", "image-info", "mediaSubtitle"),
    *("image-text", "imageText", "photo-text"),
)
LOOSE_CAPTION_CLASS = re.compile("|".join(map(re.escape, _LOOSE_CAPTION_WORDS)))


#: How far up a picture's wrappers the paragraph beside it is looked for.
_MAX_WRAPPER_CLIMB = 3
_MAX_CAPTION_CHARS = 400


def _next_text_element(node: HtmlElement) -> HtmlElement | None:
    """The next sibling element with text, skipping empty ones (buttons, ads' slots)."""
    sibling = node.getnext()
    for _ in range(3):
        if sibling is None:
            return None
        if isinstance(sibling.tag, str) and text_of(sibling):
            return sibling
        sibling = sibling.getnext()
    return None


def _beside(picture: HtmlElement) -> HtmlElement | None:
    """The element with text right after a picture or after its wrappers (a ``<div>`` holding
    only the picture), never further than a few wrappers up."""
    node = picture
    for _ in range(_MAX_WRAPPER_CLIMB):
        following = _next_text_element(node)
        if following is not None:
            return following
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "article", "main", "figure"):
            return None
        if text_of(parent) or count_pictures(parent) > 1:
            return None  # the wrapper holds more than this picture
        node = parent
    return None


def caption_beside(picture: HtmlElement) -> tuple[str | None, str | None]:
    """(caption, credit) printed right after a picture outside any ``<figure>``.

    The element after the picture (or after the wrappers holding only it) is its caption
    when it has a caption-like class or is a short paragraph ending in a parenthesised
    agency or photo credit ("… on its way to Bakhmut (Reuters)"); a lone credit ("Reuters",
    "Photo: Jane Doe") is its credit.
    """
    element = _beside(picture)
    if element is None or element.tag in ("h1", "h2", "h3", "figure", "ul", "ol", "table"):
        return None, None
    text = text_of(element)
    if len(text) > _MAX_CAPTION_CHARS:
        return None, None
    classes = " ".join(e.get("class") or "" for e in element.iter() if isinstance(e.tag, str))
    if _BESIDE_CAPTION_CLASS.search(classes) or credited_caption(text):
        return _caption_box(element)
    if _CREDIT_CLASS.search(element.get("class") or "") or _lone_credit(text):
        return None, text
    if _CREDIT_CLASS.search(classes):  # a description with its credit part inside
        caption, credit = split_figcaption(element)
        if caption and credit:
            return caption, credit
    return None, None


def _caption_box(element: HtmlElement) -> tuple[str | None, str | None]:
    """(caption, credit) of a block beside a picture. When the block is a slide's info box
    (a counter "2 of 12", a "Read more" button) around a caption-classed element, the caption
    is that element's text; credits are read from the whole block."""
    caption, credit = split_figcaption(element)
    if _BESIDE_CAPTION_CLASS.search(element.get("class") or ""):
        return caption, credit
    for inner in element.iterdescendants():
        classes = inner.get("class") if isinstance(inner.tag, str) else None
        if classes and _BESIDE_CAPTION_CLASS.search(classes) and not _CREDIT_CLASS.search(classes):
            inner_caption, inner_credit = split_figcaption(inner)
            return (inner_caption or caption), (credit or inner_credit)
    return caption, credit


#: Right after a picture, a block with one of these classes is its caption ("…__description").
_BESIDE_CAPTION_CLASS = re.compile(f"{LOOSE_CAPTION_CLASS.pattern}|descr", re.IGNORECASE)


#: An ``alt`` that names a file or says only "image" is no description.
_FILE_NAME = re.compile(
    r"\.(?:jpe?g|png|gif|webp|avif|tiff?)\b|^(?:img|dsc|image|photo|foto)[-_ ]?\d", re.I
)
_MIN_ALT_WORDS = 4


def described(container: HtmlElement) -> str | None:
    """The picture's own description (``alt``, else ``title``) when nothing captions it: a
    sentence of a few words, not a file name. Publishers that print no caption often put it
    there."""
    img = container if container.tag in IMG_TAGS else next(container.iter(*IMG_TAGS), None)
    if img is None:
        return None
    for attr in ("alt", "title"):
        text = " ".join((img.get(attr) or "").split())
        if len(text.split()) >= _MIN_ALT_WORDS and not _FILE_NAME.search(text):
            return text
    return None


def not_teasers(descriptions: dict[int, str], teasers: list[str | None]) -> dict[int, str]:
    """``descriptions`` without the ones that repeat the headline or the standfirst: a lead
    picture's ``alt`` is often the teaser text, which is the article's, not a caption."""
    keys = [" ".join(t.split()).casefold() for t in teasers if t]
    return {
        k: alt
        for k, alt in descriptions.items()
        if not any(key.startswith(alt.casefold()) or alt.casefold() == key for key in keys)
    }


def _lone_credit(text: str) -> bool:
    """A line that is only a photo credit ("Reuters", "Photo: Jane Doe/AP")."""
    words = text.split()
    if not words or len(words) > 8 or text.endswith((".", "!", "?")):
        return False
    return bool(agencies_only(text)) or looks_like_credit(text) or bool(_CREDIT_LABEL.match(text))


_CREDIT_LABEL = re.compile(
    r"^(?:photo|foto|bild|image|picture|credit|crédit|fotos?|photos?)s?\s*(?::|by\b)|^©",
    re.IGNORECASE,
)


def credit_beside(figure: HtmlElement) -> str | None:
    """A credit printed right after a figure, outside it (``<figure>…</figure><p class=
    "credit">Reuters</p>``)."""
    following = _next_text_element(figure)
    if following is None or following.tag not in ("p", "div", "span", "small", "cite"):
        return None
    text = text_of(following)
    classes = following.get("class") or ""
    if len(text) <= 120 and (_CREDIT_CLASS.search(classes) or _lone_credit(text)):
        return text
    return None
