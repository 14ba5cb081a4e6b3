"""The article body: trafilatura on the already parsed tree, then our own clean-up.

trafilatura finds the main content; what it lets through and a reader would not call body
text is dropped here: photo captions and credit lines, bylines, the headline repeated,
"Sign up to read", "Related stories", newsletter and app promos. Paragraphs are separated by
a blank line.
"""

from __future__ import annotations

import copy
import html
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.settings import Extractor

from newscrawl.extract.document import INVISIBLE_CHARS, Document

#: Elements pruned from trafilatura's copy of the tree before extraction.
PRUNE_XPATHS: tuple[str, ...] = (
    "//figcaption",
    "//figure//*[contains(@class,'caption') or contains(@class,'credit')]",
    "//*[contains(@class,'newsletter') and not(self::body) and not(self::html)]",
)

#: Elements trafilatura deletes (with their content, keeping the tail text) in its own tree
#: cleaning, whatever their attributes. Removing them before it runs costs one C-level pass
#: and spares its regex-based XPath prunes (a Python call per element with a class or id)
#: and its tree copies a large share of every page: navigation, footers, asides, scripts.
#: Only tags whose removal trafilatura never undoes are listed (not ``figure``, which can
#: hold a table, ``form`` or ``math``, which it inspects first).
NOISE_TAGS: tuple[str, ...] = (
    "head", "script", "style", "noscript", "template", "nav", "footer", "aside", "menu",
    "svg", "iframe", "embed", "object", "canvas", "video", "audio", "button", "select",
    "textarea", "input", "link",
)  # fmt: skip

#: Short paragraphs that are promos, calls to action or navigation, not article text.
BOILERPLATE = re.compile(
    r"^(sign up (to|for|now|here)\b|subscribe (to|now|for|today)\b|already (a )?(member|"
    r"subscriber|have an account)|log ?in to |related (stories|articles|content|coverage|"
    r"posts|news|topics|reading)\b|read more\b|more from\b|more ?: |download (the|our) app|"
    r"get the app|follow us on\b|follow (the|our) |follow \S+ on (twitter|facebook|x|"
    r"instagram)|(click|tap) here\b|advertisement$|anzeige$|werbung$|share "
    r"(this|on|via)\b|(our|editor'?s'?) picks\b|top stories\b|most (read|popular|viewed)\b|"
    r"recommended (for you|stories|articles|videos)|you (may|might) (also )?like\b|"
    r"(sign up|subscribe) to (our|the) .{0,40}newsletter|join our .{0,30}(newsletter|"
    r"whatsapp|telegram)|this article (was|is) (originally )?(published|updated)|"
    r"(image|photo|picture|foto|bild)( credit)?s?: |copyright ©|© ?\d{4}|all rights reserved|"
    r"we use cookies|cookie settings|(watch|listen)( now)?:? |continue reading\b|"
    r"(report|spot(ted)?) (an error|a typo)|(got|have|do you have) a (news )?(tip|story)\b|"
    r"get in touch\b|contact (us|the author)\b|auch interessant$|lesen sie (auch|mehr)\b|"
    r"mehr (zum thema|themen|dazu)\b|das könnte sie auch interessieren|weitere artikel\b|"
    r"embed$|(skip|jump|springe?) to (the )?(main )?content|(zum )?(haupt)?inhalt$|"
    r"zum artikel$|lire aussi\b|à lire aussi\b|leer más\b|lee también\b|leggi anche\b|"
    r"les også\b|läs också\b|læs også\b|lees ook\b|"
    r"(please )?(join|read) (our|the) .{0,20}comment|would you like to comment|comments? "
    r"(policy|guidelines|forum)\b|join (the |our )?([\w-]+ )?conversations?\b|"
    r"this (is a )?breaking( news?)? story\b)",
    re.IGNORECASE,
)
#: A paywall notice: the article ends there ("この記事は会員限定です", "Cet article est réservé
#: aux abonnés"); what follows is the sign-up offer.
PAYWALL = re.compile(
    r"((this|the rest of this) (article|story) is (only )?(for|available to|reserved for|"
    r"exclusive to) (paying )?(subscribers|members)|(subscribe|sign in|log in) to (continue|"
    r"keep) reading|you('ve| have) reached your (free )?(article )?limit|(dieser|der) "
    r"(artikel|beitrag) ist (nur |exklusiv )?(für|fuer) (abonnent|abonnentinnen|mitglieder|"
    r"plus)|(cet|la suite de cet) article est réservée? aux abonnés|(este|el) (artículo|"
    r"contenido) es (exclusivo )?para (suscriptores|socios)|この記事は(有料)?会員限定|"
    r"会員限定(記事|の記事)|残り\d+文字)",
    re.IGNORECASE,
)
#: Short lines that are picture credits ("STR/AFP via Getty Images", "Foto: dpa").
PHOTO_CREDIT = re.compile(
    r"(getty ?images|imago|shutterstock|istock|picture[- ]alliance|via getty|\bafp/|/afp\b|"
    r"\breuters/|/reuters\b|ap photo|/ap$|keystone|epa-efe|/epa\b|^(foto|photo|bild|image|"
    r"photograph|credit|fotos|photos)s?\s*:|\(image: )",
    re.IGNORECASE,
)
PHOTO_CREDIT_MAX_WORDS = 10
#: At most this many words for a paragraph to be judged by :data:`BOILERPLATE`.
BOILERPLATE_MAX_WORDS = 25
#: A paragraph seen before is dropped only from this many words on: a long repeat is a promo
#: or a pull quote printed twice, short ones repeat legitimately (recipe steps, "Q:", list items).
REPEAT_MIN_WORDS = 6
_BYLINE = re.compile(r"^(by|von|par|por|di|door|av|af)\s+\S", re.IGNORECASE)
_BLOCK_TAGS = ("p", "head", "list", "quote", "code", "table")


def normalize_space(text: str) -> str:
    """Collapse whitespace.

    >>> normalize_space(" a\\n\\t b ")
    'a b'
    """
    if not text.isascii():  # O(1) in CPython; the invisible characters are not ASCII
        text = INVISIBLE_CHARS.sub("", text)
    return " ".join(text.split())  # str.split's whitespace is exactly regex \s


def trafilatura_paragraphs(
    doc: Document, prune: Sequence[str] = (), *, fast: bool = False
) -> list[str]:
    """Main-content blocks found by trafilatura on (a copy of) the shared tree.

    trafilatura runs in its fast mode first (no readability/jusText second opinion: about
    half the time per page) on a tree without :data:`NOISE_TAGS`. Unless ``fast`` is set,
    a result that does not look like an article (:func:`looks_like_article`: thin, mostly
    links, or menu-short blocks) is extracted again with the fallbacks, on a copy that still
    has the noise elements (an article can sit in an unclosed ``<aside>``), and the better of
    the two is kept.

    Links are kept in trafilatura's output only to measure link density: a short block that
    is mostly link text is a "related story" teaser, not article text.
    """
    blocks = _trafilatura_blocks(trafilatura_input(doc, prune), doc.url, fast=True)
    if fast or looks_like_article(blocks):
        return _texts(blocks)
    full = _trafilatura_blocks(trafilatura_input(doc, prune, strip=False), doc.url, fast=False)
    if looks_like_article(full) or _prose_chars(full) >= _prose_chars(blocks):
        return _texts(full)
    return _texts(blocks)


#: Judging a quick result: an article has this much text ...
#: (a fast pass that finds less is where readability/jusText rescue a body)
THIN_BODY_CHARS = 2000
#: ... in at least this many blocks (a menu or edition picker often comes out as one) ...
MIN_BLOCKS = 3
#: ... at most this share of it link text (menus, teaser lists) ...
MAX_LINK_SHARE = 0.5
#: ... and blocks this long on average (menu items and "Sign In" links are shorter).
MIN_CHARS_PER_BLOCK = 40

Blocks = list[tuple[str, float]]


def looks_like_article(blocks: Blocks) -> bool:
    """Whether trafilatura's quick result is an article, not site navigation or a stub.

    >>> looks_like_article([("Skip to content", 1.0), ("Sign In", 1.0)] * 200)
    False
    >>> looks_like_article([("Home News Sport Weather Sign In Edition " * 20, 0.0)] * 3)
    False
    >>> looks_like_article([("A sentence of the article. " * 10, 0.0)] * 10)
    True
    """
    chars = _chars(blocks)
    if chars < THIN_BODY_CHARS or len(blocks) < MIN_BLOCKS:
        return False
    links = sum(len(text) * share for text, share in blocks)
    return (
        links <= MAX_LINK_SHARE * chars
        and chars >= MIN_CHARS_PER_BLOCK * len(blocks)
        and 2 * _prose_chars(blocks) >= chars
    )


def _chars(blocks: Blocks) -> int:
    return sum(len(text) for text, _share in blocks)


_SENTENCE_END = re.compile(r"[.!?。！？।]")


def _prose_chars(blocks: Blocks) -> int:
    """Characters in blocks that read as prose: mostly not links, with a sentence ending
    (a menu run together into one block has none)."""
    return sum(
        len(text) for text, share in blocks if share < MAX_LINK_SHARE and _SENTENCE_END.search(text)
    )


def _texts(blocks: Blocks) -> list[str]:
    return [text for text, share in blocks if not _is_link_block(text, share)]


_PRUNE = tuple(etree.XPath(x) for x in PRUNE_XPATHS)


def trafilatura_input(
    doc: Document, prune: Sequence[str] = (), *, strip: bool = True
) -> HtmlElement:
    """A copy of the page for trafilatura: :data:`NOISE_TAGS` gone (unless ``strip`` is
    false), our prune rules applied."""
    tree = copy.deepcopy(doc.tree)
    if not strip:
        _open_swallowing_asides(tree)
    etree.strip_elements(tree, *NOISE_TAGS, with_tail=False)
    _unhide_paragraphs(tree)
    for expression in (*_PRUNE, *map(etree.XPath, prune)):
        for element in expression(tree):
            _drop_keeping_tail(element)
    return tree


def _open_swallowing_asides(tree: HtmlElement) -> None:
    """An ``<aside>`` holding most of the page's paragraph text swallowed the article (it was
    never closed, so the parser put everything after it inside): make it a ``<div>`` so that
    trafilatura, which deletes asides, reads it."""
    total = sum(len(p.text_content()) for p in tree.iter("p"))
    for aside in list(tree.iter("aside")):
        if 2 * sum(len(p.text_content()) for p in aside.iter("p")) > total:
            aside.tag = "div"


#: Paragraph text (characters) under an ``aria-hidden`` element that makes it article text.
HIDDEN_TEXT_CHARS = 100
_ARIA_HIDDEN = etree.XPath("//*[@aria-hidden='true']")


def _unhide_paragraphs(tree: HtmlElement) -> None:
    """Let trafilatura see paragraphs a paywall script marked ``aria-hidden``: it deletes
    hidden elements, which are otherwise icons and repeated labels (short, no ``<p>``)."""
    for element in _ARIA_HIDDEN(tree):
        if sum(len(p.text_content()) for p in element.iter("p")) >= HIDDEN_TEXT_CHARS:
            del element.attrib["aria-hidden"]


def _drop_keeping_tail(element: HtmlElement) -> None:
    """Remove ``element`` and its content but not the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


@lru_cache(maxsize=2)
def _extractor(fast: bool) -> Extractor:
    """trafilatura's options, built once: building them reads its configuration file's values
    (a ConfigParser lookup each) on every call otherwise."""
    return Extractor(
        output_format="python",
        with_metadata=False,
        comments=False,
        tables=True,
        images=False,
        formatting=False,
        links=True,
        dedup=False,
        fast=fast,
    )


def _trafilatura_blocks(tree: HtmlElement, url: str, *, fast: bool) -> Blocks:
    options = copy.copy(_extractor(fast))  # trafilatura may change its options per page
    options.url = options.source = url
    result = trafilatura.bare_extraction(tree, options=options)
    body = getattr(result, "body", None)  # None: trafilatura found nothing
    if body is None:
        return []
    return list(blocks_of(body))


#: A block of at most this many words that is mostly link text is a teaser.
LINK_BLOCK_MAX_WORDS = 30
LINK_BLOCK_SHARE = 0.7


def _is_link_block(text: str, link_share: float) -> bool:
    return link_share >= LINK_BLOCK_SHARE and text.count(" ") < LINK_BLOCK_MAX_WORDS


def _text_and_link_share(element: HtmlElement) -> tuple[str, float]:
    text = normalize_space("".join(element.itertext()))
    if not text:
        return "", 0.0
    linked = sum(len(normalize_space("".join(ref.itertext()))) for ref in element.iter("ref"))
    return text, min(linked / len(text), 1.0)


def blocks_of(body: HtmlElement) -> Iterable[tuple[str, float]]:
    """(text, share of link text) per block of trafilatura's output tree: one per paragraph,
    heading, list item or table row; text between blocks (outside any ``<p>``) is a block of
    its own, never glued to its neighbours or lost."""
    for lb in body.iter("lb"):
        lb.tail = " " + (lb.tail or "")
    yield from _container_blocks(body)


def _container_blocks(container: HtmlElement) -> Iterable[tuple[str, float]]:
    loose = normalize_space(container.text or "")
    if loose:
        yield loose, 0.0
    for child in container:
        yield from _child_blocks(child)
        loose = normalize_space(child.tail or "")
        if loose:
            yield loose, 0.0


def _child_blocks(child: HtmlElement) -> Iterable[tuple[str, float]]:
    tag = child.tag
    if tag == "list":
        for item in child.iter("item"):
            text, share = _text_and_link_share(item)
            if text:
                yield text, share
    elif tag == "table":
        for row in child.iter("row"):
            cells = [normalize_space("".join(c.itertext())) for c in row]
            text = " | ".join(c for c in cells if c)
            if text:
                yield text, 0.0
    elif any(sub.tag in _BLOCK_TAGS for sub in child):  # a quote holding paragraphs
        yield from _container_blocks(child)
    else:
        text, share = _text_and_link_share(child)
        if text:
            yield text, share


def clean_paragraphs(
    paragraphs: Iterable[str],
    *,
    captions: Iterable[str] = (),
    headline: str | Iterable[str] | None = None,
    bylines: Iterable[str] = (),
    authors: Iterable[str] = (),
    extra_boilerplate: re.Pattern[str] | None = None,
    stop: re.Pattern[str] | None = None,
) -> list[str]:
    """Drop captions, credit lines, bylines, the headline and promo paragraphs; keep order.

    >>> clean_paragraphs(["Headline", "By Ann Lee", "Text one.", "A tank (Reuters)",
    ...     "Sign up to read this article", "Text two."], captions=["A tank (Reuters)"],
    ...     headline="Headline")
    ['Text one.', 'Text two.']
    """
    caption_set = {normalize_space(c).lower() for c in captions if c}
    byline_set = {normalize_space(b).lower() for b in bylines if b}
    names = [n.lower() for n in (normalize_space(a) for a in authors) if len(n) >= 5]
    headlines = [headline] if isinstance(headline, str) else list(headline or ())
    heads = {normalize_space(h).lower() for h in headlines if h}
    out: list[str] = []
    seen: set[str] = set()
    for paragraph in paragraphs:
        text = normalize_space(paragraph)
        low = text.lower()
        if not text:
            continue
        if stop is not None and stop.search(text):
            break
        if text.count(" ") < BOILERPLATE_MAX_WORDS and PAYWALL.search(text):
            if out:
                break  # the article ends at the paywall notice
            continue
        if low in caption_set or low in heads or low in byline_set:
            continue
        if names and _is_byline_or_bio(low, names, first=not out):
            continue
        words = text.count(" ") + 1
        if words <= BOILERPLATE_MAX_WORDS and (
            BOILERPLATE.search(text)
            or (extra_boilerplate is not None and extra_boilerplate.search(text))
        ):
            continue
        if words <= 6 and _BYLINE.match(text) and not text.endswith((".", "!", "?")):
            continue
        if words <= PHOTO_CREDIT_MAX_WORDS and PHOTO_CREDIT.search(text):
            continue
        if words <= 3 and text.endswith(":"):
            continue
        if low in seen and words >= REPEAT_MIN_WORDS:
            continue
        seen.add(low)
        out.append(text)
    return out


#: A byline line glued to its neighbours is at most this many words ("Jane Doepublished 3
#: hours ago", "SportJane Doe", "Jane Doe and AP") ...
GLUED_BYLINE_MAX_WORDS = 12
#: ... and an author's bio at most this many ("Jane Doe is a reporter at ...").
BIO_MAX_WORDS = 60
_ENDS_SENTENCE = re.compile(r"[.!?。！？]\W*$")
_BIO_VERB = re.compile(r"^\s*(\(.{0,20}\)\s*)?(is|was|ist|war|est|était|es|fue|è|era|er|var)\s")


def _is_byline_or_bio(low: str, names: list[str], *, first: bool) -> bool:
    """A paragraph that is the byline printed into the text, or the author's bio.

    >>> _is_byline_or_bio("jane doepublished 3 hours ago", ["jane doe"], first=True)
    True
    >>> _is_byline_or_bio("jane doe: what did you see that night?", ["jane doe"], first=False)
    False
    >>> _is_byline_or_bio("jane doe is a reporter at the daily planet.", ["jane doe"], first=False)
    True
    """
    name = next((n for n in names if n in low[: len(n) + 40]), None)
    if name is None:
        return False
    words = low.count(" ") + 1
    if words <= GLUED_BYLINE_MAX_WORDS and not _ENDS_SENTENCE.search(low):
        return True
    return (
        low.startswith(name) and words <= BIO_MAX_WORDS and bool(_BIO_VERB.match(low[len(name) :]))
    )


_TAG = re.compile(r"<[a-zA-Z][^>]*>")
_MARKUP_TOKEN = re.compile(r"^([^\w\s]+[\w-]*|\[#\w+:.*\]|\{:.*\})$")


def articlebody_paragraphs(raw: object) -> list[str]:
    r"""Paragraphs of a JSON-LD ``articleBody`` that keeps its line breaks (else ``[]``).

    >>> articlebody_paragraphs("+++dropcap\n\nFirst one.\n\nSecond one.")
    ['First one.', 'Second one.']
    """
    if not isinstance(raw, str) or "\n" not in raw.strip() or _TAG.search(raw):
        return []
    if "&" in raw:
        raw = html.unescape(raw)
    lines = (normalize_space(line) for line in raw.splitlines())
    return [line for line in lines if line and not _MARKUP_TOKEN.match(line)]


def prefer_articlebody(extracted: Sequence[str], candidate: Sequence[str]) -> bool:
    """True when the JSON-LD body is clearly more complete than what the extractor found:
    half again as long, holding nearly all of the extracted words, and not duplicated."""
    ours = " ".join(extracted).split()
    theirs = " ".join(candidate).split()
    if len(theirs) < 150 or len(theirs) < 1.5 * len(ours):
        return False
    vocabulary = set(theirs)
    if ours and sum(1 for w in set(ours) if w in vocabulary) < 0.85 * len(set(ours)):
        return False
    opening = " ".join(theirs[:20])
    return " ".join(theirs).count(opening) == 1


def join_paragraphs(paragraphs: Sequence[str]) -> str | None:
    """Paragraphs -> body text with a blank line between paragraphs (``None`` if empty)."""
    return "\n\n".join(paragraphs) if paragraphs else None
