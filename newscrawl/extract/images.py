"""Images: the lead image from metadata, then the article's ``<figure>`` pictures.

The flow: find the candidates (figures, pictures, loose captions) in document order, keep
those in the article (:mod:`~newscrawl.extract.placement`), choose each one's URL
(:mod:`~newscrawl.extract.picture_urls`) and caption and credit
(:mod:`~newscrawl.extract.captions`), then merge the renditions of one picture, the lead
first (:func:`merge_images`).
"""

from __future__ import annotations

from lxml.html import HtmlElement

from newscrawl.article import Image
from newscrawl.extract.captions import (
    LOOSE_CAPTION_CLASS,
    caption_beside,
    credit_beside,
    credit_in_figure,
    described,
    split_figcaption,
)
from newscrawl.extract.document import Document
from newscrawl.extract.picture_urls import (
    IMG_TAGS,
    count_pictures,
    noscript_img,
    picture_of,
    picture_url,
    scripted_url,
)
from newscrawl.extract.placement import in_article, in_promo_box
from newscrawl.normalize.images import is_junk
from newscrawl.normalize.renditions import PictureIndex

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
        elif element.tag in IMG_TAGS:
            if any(a.tag == "figure" or a in figures for a in element.iterancestors()):
                continue
            container = picture_of(element)
            caption_element = None
            caption, credit = caption_beside(container)
        elif count_pictures(element) == 1:
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
            credit = credit_in_figure(container, caption_element) or credit_beside(container)
        image = Image(url=url, caption=caption, credit=credit, width=width, height=height)
        if not (caption or credit) and descriptions is not None and (alt := described(container)):
            descriptions[id(image)] = alt
        if element.tag in IMG_TAGS and (is_junk(image) or _bare_copy(element, image)):
            continue  # a logo, an icon or an avatar outside any figure
        if url or caption or credit:
            images.append(image)
    return images


def _bare_copy(img: HtmlElement, image: Image) -> bool:
    """A loose picture shown only by its ``<noscript>`` copy, with no caption, credit or
    description: a teaser's thumbnail more often than the article's picture."""
    if image.caption or image.credit or described(img):
        return False
    return scripted_url(img, img)[0] is None and noscript_img(img) is not None


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
        if tag in IMG_TAGS or element in figures:
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
        count = count_pictures(node)
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
