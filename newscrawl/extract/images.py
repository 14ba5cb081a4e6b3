"""Images: the lead image from metadata, then the article's ``<figure>`` pictures.

For each picture the largest rendition is chosen among ``srcset``/``data-srcset`` candidates
(``<picture><source>`` included, and any library's ``data-…srcset``), lazy-loading attributes
(``data-src`` and friends), a placeholder's ``<noscript>`` copy and ``src``; URLs are made
absolute. Captions come from ``<figcaption>``; an element in it marked
as a credit (class ``credit``/``copyright``/``source``..., or ``<small>``/``<cite>``) becomes
the credit. Splitting a credit written inside the caption text ("... (Reuters)") is left to
normalization.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from newscrawl.article import Image
from newscrawl.extract.document import Document, text_of
from newscrawl.normalize.agencies import agencies_only
from newscrawl.normalize.images import credited_caption, is_junk, looks_like_credit
from newscrawl.normalize.renditions import PictureIndex, Rendition, largest, parse_srcset

_PLACEHOLDER = re.compile(
    r"(placeholder|blank\.(gif|png)|spacer|pixel\.(gif|png)|transparent\.(gif|png)|1x1|"
    r"lazy[-_]?load|loading\.(gif|svg)|/grey\.|data:image)",
    re.IGNORECASE,
)
_CREDIT_CLASS = re.compile(
    r"(credit|copyright|source|photographer|byline|attribution|courtesy|author)", re.IGNORECASE
)
#: Class tokens of boxes that hold teasers, promos, share bars or author pictures, not the
#: article's own pictures. Matched per token ("commentary" is not "comment"); structural
#: tokens ("sidebar-layout__content") are never taken for a promo box.
_NON_ARTICLE = re.compile(
    r"(?:^|[-_])(related|teaser|recommend|recommended|recommendations|promo|sidebar|newsletter|"
    r"comments?|outbrain|taboola|most-?read|mostread|trending|advert|advertisement|"
    r"sponsor|sponsored|share|sharing|social|avatar|author-?(bio|box|image|img|pic|avatar))"
    r"(s|list|box|card|block|container|wrapper|item|items|links?)?(?:[-_]|$)",
    re.IGNORECASE,
)
_STRUCTURAL = re.compile(r"layout|content|main|page|grid|column|body", re.IGNORECASE)
#: Layout flags that say a box is absent ("without-sidebar", "no-comments", "has-share-bar"),
#: and typography classes that borrow a box's style ("typo-teaser-info-medium" on a gallery).
_FLAG = re.compile(r"^(?:no|without|with|has|hide|show|is|typo|font)[-_]", re.IGNORECASE)


def _promo_token(token: str) -> bool:
    """Whether one class token names a teaser/promo/share box.

    >>> [_promo_token(t) for t in ("related-stories", "article-teaser", "sidebar-layout__content",
    ...     "commentary", "vertical-ad-con", "without-sidebar", "typo-teaser-info-medium")]
    [True, True, False, False, False, False, False]
    """
    return (
        bool(_NON_ARTICLE.search(token))
        and not _STRUCTURAL.search(token)
        and not _FLAG.match(token)
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
_SKIP_ANCESTORS = frozenset({"nav", "aside", "footer", "noscript"})


_IMG_TAGS = ("img", "amp-img")
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


def _noscript_img(element: HtmlElement) -> HtmlElement | None:
    """The ``<img>`` of the ``<noscript>`` copy beside or inside a lazy picture: what readers
    without scripts see, the real picture when the visible one is a placeholder."""
    holders = [element] if element.tag not in _IMG_TAGS else []
    parent = element.getparent()
    if parent is not None and element.tag in (*_IMG_TAGS, "picture"):
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
    img: HtmlElement | None = element if element.tag in _IMG_TAGS else None
    if img is None:
        img = next((i for i in element.iter(*_IMG_TAGS) if not _in_noscript(i, element)), None)
    url, width = _scripted_url(element, img)
    if url is None and (copy := _noscript_img(img if img is not None else element)) is not None:
        url, width = _scripted_url(copy, copy)
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
    if element.tag in (*_IMG_TAGS, "source"):
        return [element]
    return [s for s in element.iter("source", *_IMG_TAGS) if not _in_noscript(s, element)]


def _scripted_url(element: HtmlElement, img: HtmlElement | None) -> tuple[str | None, int | None]:
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


def _picture_of(img: HtmlElement) -> HtmlElement:
    """The ``<picture>`` around a loose img (its sources are the img's renditions; libxml2
    may nest the img in a ``<source>``), else the img itself."""
    node = img.getparent()
    while node is not None and node.tag == "source":
        node = node.getparent()
    return node if node is not None and node.tag == "picture" else img


def _bare_copy(img: HtmlElement, image: Image) -> bool:
    """A loose picture shown only by its ``<noscript>`` copy, with no caption, credit or
    description: a teaser's thumbnail more often than the article's picture."""
    if image.caption or image.credit or described(img):
        return False
    return _scripted_url(img, img)[0] is None and _noscript_img(img) is not None


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


def _credit_in_figure(figure: HtmlElement, caption: HtmlElement | None) -> str | None:
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


def in_article(element: HtmlElement, known: dict[HtmlElement, bool] | None = None) -> bool:
    """False when ``element`` sits in navigation, an aside, a footer or a teaser/promo box.

    ``known`` remembers the verdict of ancestors already looked at (pictures of one page share
    most of their ancestors), so a page's pictures cost one walk up the tree, not one each.
    """
    seen: list[HtmlElement] = []
    verdict = True
    for ancestor in element.iterancestors():
        if known is not None and ancestor in known:
            verdict = known[ancestor]
            break
        tag = ancestor.tag
        if tag in ("body", "html"):
            break
        seen.append(ancestor)
        classes = ancestor.get("class")
        if tag in _SKIP_ANCESTORS or (
            classes and any(_promo_token(token) for token in classes.split())
        ):
            verdict = False
            break
    if known is not None:
        known.update(dict.fromkeys(seen, verdict))
    return verdict


#: Class or id tokens of a pay, registration or sign-up wall ("reg-wall-new-user",
#: "piano-reg-wall", "paywall__container", "c-newsletterSignup"). A wall is told from the
#: article it covers by its little text (:data:`_BOX_TEXT`): "paywall" also names the
#: container of a subscriber's article.
_WALL = re.compile(
    r"(?:^|[-_])(?:pay-?wall|reg-?wall|registration-?wall|login-?wall|subscribe-?wall|"
    r"subscription-?wall|sign-?up|signup|newsletter-?signup)",
    re.IGNORECASE,
)
#: Input types of a form a reader fills in (a newsletter's e-mail field, a log-in).
_FORM_INPUTS = frozenset(("", "text", "email", "password", "tel"))
#: A box around a picture holding more text than this is the article, not a promo box.
_BOX_TEXT = 2000
_MAX_BOX_CLIMB = 4
#: A sign-up form is right beside its picture (in the picture's box or the one around it).
_MAX_FORM_CLIMB = 2


def _wall_box(box: HtmlElement) -> bool:
    tokens = f"{box.get('class') or ''} {box.get('id') or ''}".split()
    return any(_WALL.search(token) for token in tokens)


def _form_box(box: HtmlElement) -> bool:
    if next(box.iter("form"), None) is not None:
        return True
    return any(
        (i.get("type") or "").lower() in _FORM_INPUTS and i.get("readonly") is None
        for i in box.iter("input")
    )  # a read-only field is a share bar's "copy the link"


def in_promo_box(element: HtmlElement, known: dict[HtmlElement, str | None] | None = None) -> bool:
    """Whether a picture sits in a small box that asks something of the reader: a newsletter
    sign-up (a form right beside the picture) or a pay or registration wall. Only boxes with
    little text count, a few levels up at most, so an article with a comment form or a
    subscribers-only container keeps its pictures."""
    if known is None:
        known = {}
    node = element
    for level in range(_MAX_BOX_CLIMB):
        box = node.getparent()
        if box is None or box.tag in ("body", "html", "article", "main"):
            return False
        if box not in known:  # a box's verdict: None (too much text), form, wall or neither
            known[box] = _box_kind(box)
        kind = known[box]
        if kind is None:
            return False
        if kind == "wall" or (kind == "form" and level < _MAX_FORM_CLIMB):
            return True
        node = box
    return False


def _box_kind(box: HtmlElement) -> str | None:
    if len(box.text_content()) > _BOX_TEXT:
        return None
    if _wall_box(box):
        return "wall"
    return "form" if _form_box(box) else ""


#: Caption-like classes outside ``<figure>``: many sites caption pictures in plain divs.
_LOOSE_CAPTION_WORDS = (
    *("aption", "legend", "bildunterschrift", "img-info", "image-info", "mediaSubtitle"),
    *("image-text", "imageText", "photo-text"),
)
LOOSE_CAPTION_CLASS = re.compile("|".join(map(re.escape, _LOOSE_CAPTION_WORDS)))
_MAX_CAPTION_CLIMB = 3


def figure_images(
    doc: Document,
    scope: HtmlElement,
    *,
    figure_xpath: str = ".//figure",
    caption_xpath: str = ".//figcaption",
    descriptions: dict[int, str] | None = None,
) -> list[Image]:
    """Every picture of ``scope`` with its caption, in document order: ``<figure>`` elements,
    pictures captioned by a caption-like element next to them, and pictures outside any
    figure (captioned by the short paragraph beside them, if any). Pictures in
    nav/aside/promo boxes are left out.

    ``descriptions`` receives the ``alt`` text of uncaptioned pictures (by ``id``), for
    :func:`merge_images` to use when no rendition of the picture has a caption."""
    images: list[Image] = []
    taken: set[HtmlElement] = set()
    known: dict[HtmlElement, bool] = {}
    boxes: dict[HtmlElement, str | None] = {}
    figures = set(scope.xpath(figure_xpath))
    for element in _candidates(scope, figures):
        if element in taken or any(a in taken for a in element.iterancestors()):
            continue
        if not in_article(element, known) or in_promo_box(element, boxes):
            continue
        container: HtmlElement | None
        caption = credit = None
        if element in figures:
            container, caption_element = element, next(iter(element.xpath(caption_xpath)), None)
        elif element.tag in _IMG_TAGS:
            if any(a.tag == "figure" or a in figures for a in element.iterancestors()):
                continue
            container = _picture_of(element)
            caption_element = None
            caption, credit = caption_beside(container)
        elif _count_pictures(element) == 1:
            container, caption_element = element, element  # a caption box holding its picture
        else:
            container, caption_element = _picture_near(element), element
            if container is None:
                continue
        url, width, height = picture_url(doc, container)
        if not url and not (caption_element is not None and _lost_picture(container)):
            continue
        taken.add(element)
        if caption_element is not None:
            caption, credit = split_figcaption(caption_element)
        if credit is None and element in figures:
            credit = _credit_in_figure(container, caption_element) or _credit_beside(container)
        image = Image(url=url, caption=caption, credit=credit, width=width, height=height)
        if not (caption or credit) and descriptions is not None and (alt := described(container)):
            descriptions[id(image)] = alt
        if element.tag in _IMG_TAGS and (is_junk(image) or _bare_copy(element, image)):
            continue  # a logo, an icon or an avatar outside any figure
        if url or caption or credit:
            images.append(image)
    return images


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
        if text_of(parent) or _count_pictures(parent) > 1:
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
    img = container if container.tag in _IMG_TAGS else next(container.iter(*_IMG_TAGS), None)
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


def _count_pictures(element: HtmlElement) -> int:
    """Pictures in ``element``; a ``<noscript>`` copy of a lazy picture is the same picture."""
    return sum(
        1
        for img in element.iter(*_IMG_TAGS)
        if not any(a.tag == "noscript" for a in img.iterancestors())
    )


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


def _credit_beside(figure: HtmlElement) -> str | None:
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


_MEDIA = ("img", "amp-img", "picture", "video", "audio", "iframe", "svg", "canvas", "object",
          "embed", "table", "blockquote", "pre", "code", "math", "noscript")  # fmt: skip


def _lost_picture(figure: HtmlElement) -> bool:
    """A ``<figure>`` holding nothing but its caption: a picture the copy lost (a text copy, a
    reader view), known by its caption and credit only."""
    return figure.tag == "figure" and next(figure.iter(*_MEDIA), None) is None


def _candidates(scope: HtmlElement, figures: set[HtmlElement]) -> list[HtmlElement]:
    """Figures, pictures and loose captions of ``scope``, in document order.

    One walk over the elements with the cheapest tests first, inline: this runs on every
    element of every page (an XPath with the class tests is slower in libxml2 than this loop).
    """
    search = LOOSE_CAPTION_CLASS.search
    found = []
    for element in scope.iter():
        tag = element.tag
        if tag in _IMG_TAGS or element in figures:
            found.append(element)
            continue
        if tag != "figcaption":
            classes = element.get("class")
            if not classes or tag in _NOT_CAPTION_TAGS or not search(classes):
                continue
        if not any(a.tag == "figure" for a in element.iterancestors()):
            found.append(element)
    return found


_NOT_CAPTION_TAGS = frozenset(("figure", "picture", "source"))


def _picture_near(caption: HtmlElement) -> HtmlElement | None:
    """The closest ancestor (a few levels up) holding one picture, for a loose caption."""
    if next(caption.iter("img"), None) is not None:
        return None
    node = caption.getparent()
    for _ in range(_MAX_CAPTION_CLIMB):
        if node is None or node.tag in ("body", "article", "main"):
            return None
        count = _count_pictures(node)
        if count:
            return node if count <= 2 else None
        node = node.getparent()
    return None


def fuller_credit(first: str | None, second: str | None) -> str | None:
    """``first``, unless ``second`` says the same and more ("Reuters" < "Reuters/John Doe").

    >>> fuller_credit("Getty Images", "Getty Images/Juanmonino")
    'Getty Images/Juanmonino'
    """
    if not first or (second and second.startswith(first) and len(second) > len(first)):
        return second or first
    return first


def _enrich(kept: Image, other: Image) -> None:
    kept.caption = kept.caption or other.caption
    kept.credit = fuller_credit(kept.credit, other.credit)
    if kept.url == other.url:
        kept.width = kept.width or other.width
        kept.height = kept.height or other.height


def merge_images(
    lead: Image | None, figures: list[Image], descriptions: dict[int, str] | None = None
) -> list[Image]:
    """One entry per picture, the lead first.

    The lead (from JSON-LD or og:image) is usually another rendition of a figure of the
    article: then the figure's URL is kept (it is what the page shows), with what the
    metadata adds (a caption the figure lacks, a fuller credit). A picture no entry
    captions or credits takes its ``alt`` description (``descriptions``, from
    :func:`figure_images`): a picture printed with a credit and no caption has none.
    """
    pictures = ([lead] if lead is not None else []) + [f for f in figures if f is not lead]
    index = PictureIndex([p.url for p in pictures])
    out: list[Image] = []
    slots: list[int] = []  # index in ``pictures`` of each kept entry
    for i, picture in enumerate(pictures):
        same = next((n for n, j in enumerate(slots) if _same(index, pictures, i, j)), None)
        if same is None:
            out.append(picture)
            slots.append(i)
        elif lead is not None and slots[same] == 0:  # the lead, shown by this figure
            out[same] = picture
            slots[same] = i
            _enrich(picture, lead)
        else:
            _enrich(out[same], picture)
    if descriptions:
        for i, kept in zip(slots, out, strict=True):
            alt = descriptions.get(id(kept)) or next(
                (
                    descriptions[id(p)]
                    for j, p in enumerate(pictures)
                    if id(p) in descriptions and _same(index, pictures, i, j)
                ),
                None,
            )
            if kept.caption is None and kept.credit is None and alt:
                kept.caption = alt  # a printed credit without caption: none was meant
    return out


def _same(index: PictureIndex, pictures: list[Image], a: int, b: int) -> bool:
    """Same rendition rule, or (for the lead) the same caption as a figure."""
    if index.same(a, b):
        return True
    first, second = pictures[a], pictures[b]
    return bool(first.caption and first.caption == second.caption and 0 in (a, b))
