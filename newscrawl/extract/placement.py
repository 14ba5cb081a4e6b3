"""Whether a picture belongs to the article or to the page around it.

Pages hold many pictures that are not the article's: navigation, asides, footers, teaser /
promo / share boxes and author pictures (:func:`in_article`, by the ancestors' class tokens),
and small boxes that ask something of the reader, a newsletter sign-up or a pay wall
(:func:`in_promo_box`). A box with much text is the article itself, so a subscribers-only
container keeps its pictures.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

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
_SKIP_ANCESTORS = frozenset({"nav", "aside", "footer", "noscript"})


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
