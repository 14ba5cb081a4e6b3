"""The article body: trafilatura on the already parsed tree, then our own clean-up.

trafilatura finds the main content; what it lets through and a reader would not call body
text is dropped here: photo captions and credit lines, bylines, the headline repeated,
"Sign up to read", "Related stories", newsletter and app promos. Paragraphs are separated by
a blank line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import trafilatura
from lxml.html import HtmlElement

from newscrawl.extract.document import Document

#: Elements pruned from trafilatura's copy of the tree before extraction.
PRUNE_XPATHS: tuple[str, ...] = (
    "//figcaption",
    "//figure//*[contains(@class,'caption') or contains(@class,'credit')]",
    "//*[contains(@class,'newsletter') and not(self::body) and not(self::html)]",
    "//*[@aria-hidden='true' and not(self::body)]",
)

_SPACES = re.compile(r"\s+")
#: Short paragraphs that are promos, calls to action or navigation, not article text.
BOILERPLATE = re.compile(
    r"^(sign up (to|for|now|here)\b|subscribe (to|now|for|today)\b|already (a )?(member|"
    r"subscriber|have an account)|log ?in to |related (stories|articles|content|coverage|"
    r"posts|news|topics|reading)\b|read more\b|more from\b|download (the|our) app|get the app|"
    r"follow us on\b|follow (the|our) |(click|tap) here\b|advertisement$|anzeige$|share "
    r"(this|on|via)\b|(our|editor'?s'?) picks\b|top stories\b|most (read|popular|viewed)\b|"
    r"recommended (for you|stories|articles)|you (may|might) (also )?like\b|"
    r"(sign up|subscribe) to (our|the) .{0,40}newsletter|join our .{0,30}(newsletter|"
    r"whatsapp|telegram)|this article (was|is) (originally )?(published|updated)|"
    r"(image|photo|picture|foto|bild)( credit)?s?: |copyright ©|© ?\d{4}|all rights reserved|"
    r"we use cookies|cookie settings|(watch|listen)( now)?:? |continue reading\b|"
    r"(report|spot(ted)?) (an error|a typo)|have a (news )?tip|contact (us|the author)\b)",
    re.IGNORECASE,
)
#: At most this many words for a paragraph to be judged by :data:`BOILERPLATE`.
BOILERPLATE_MAX_WORDS = 25
_BYLINE = re.compile(r"^(by|von|par|por|di|door|av|af)\s+\S", re.IGNORECASE)
_BLOCK_TAGS = ("p", "head", "list", "quote", "code", "table")


def normalize_space(text: str) -> str:
    """Collapse whitespace.

    >>> normalize_space(" a\\n\\t b ")
    'a b'
    """
    return _SPACES.sub(" ", text).strip()


def trafilatura_paragraphs(doc: Document, prune: Sequence[str] = ()) -> list[str]:
    """Main-content blocks found by trafilatura on (a copy of) the shared tree."""
    result = trafilatura.bare_extraction(
        doc.tree,
        url=doc.url,
        with_metadata=False,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_formatting=False,
        include_links=False,
        deduplicate=False,
        prune_xpath=[*PRUNE_XPATHS, *prune],
    )
    if result is None or getattr(result, "body", None) is None:
        return []
    return list(blocks_of(result.body))


def blocks_of(body: HtmlElement) -> Iterable[str]:
    """Text blocks of trafilatura's output tree: one per paragraph, heading, item or row."""
    for child in body:
        tag = child.tag
        if tag == "list":
            for item in child.iter("item"):
                text = normalize_space(" ".join(item.itertext()))
                if text:
                    yield text
        elif tag == "table":
            for row in child.iter("row"):
                cells = [normalize_space(" ".join(c.itertext())) for c in row]
                text = " | ".join(c for c in cells if c)
                if text:
                    yield text
        else:
            text = normalize_space(" ".join(child.itertext()))
            if text:
                yield text


def element_paragraphs(containers: Iterable[HtmlElement], block_xpath: str) -> list[str]:
    """Text blocks of site-defined body containers (for sites where trafilatura fails)."""
    out: list[str] = []
    for container in containers:
        for block in container.xpath(block_xpath):
            text = normalize_space(block.text_content())
            if text:
                out.append(text)
    return out


def clean_paragraphs(
    paragraphs: Iterable[str],
    *,
    captions: Iterable[str] = (),
    headline: str | None = None,
    bylines: Iterable[str] = (),
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
    head = normalize_space(headline).lower() if headline else None
    out: list[str] = []
    seen: set[str] = set()
    for paragraph in paragraphs:
        text = normalize_space(paragraph)
        low = text.lower()
        if not text:
            continue
        if stop is not None and stop.search(text):
            break
        if low in caption_set or low == head or low in byline_set:
            continue
        words = text.count(" ") + 1
        if words <= BOILERPLATE_MAX_WORDS and (
            BOILERPLATE.search(text)
            or (extra_boilerplate is not None and extra_boilerplate.search(text))
        ):
            continue
        if words <= 6 and _BYLINE.match(text) and not text.endswith((".", "!", "?")):
            continue
        if low in seen and words > 3:
            continue
        seen.add(low)
        out.append(text)
    return out


def join_paragraphs(paragraphs: Sequence[str]) -> str | None:
    """Paragraphs -> body text with a blank line between paragraphs (``None`` if empty)."""
    return "\n\n".join(paragraphs) if paragraphs else None
