"""Pages saved as plain text (a reader view's copy) made fit for the HTML extractor.

``newscrawl extract`` is also fed text renderings of pages: an aggregator's reader copy saved
as text keeps its blocks (header lines, headline, credit line, paragraphs, captions) separated
by blank lines but has no markup. Rather than a second extractor, such text becomes a minimal
HTML document that goes through the same extraction and normalization as a crawled page, so
agency lines, datelines and aggregator trailers are handled by the same rules:

- the lines before the headline go in a ``<header>``; a reader copy's header ends with the
  site name (often twice: logo and name), the section and the byline, which become
  ``og:site_name``, ``article:section`` and ``author`` meta tags (:func:`reader_header`);
- the headline becomes ``<title>`` and ``<h1>``;
- a lone credit line right under the headline ("Reuters") is the lead picture's credit, and a
  line ending in a parenthesised agency or photo credit ("A tank near Bakhmut (Reuters)") is a
  picture's caption: both become a ``<figure>`` with only its ``<figcaption>`` — the picture
  itself is not in the copy, so its URL is unknown;
- a block of several short lines that each start a new item ("Sign up to read this article /
  Read news from … / Download the app") is the page's chrome (a sign-up wall, a menu, an app
  promo), not prose: it goes in a ``<footer>``;
- every other block is one ``<p>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from newscrawl.normalize.agencies import agencies_only
from newscrawl.normalize.images import credited_caption, looks_like_credit

#: Tags whose presence near the start means the bytes are HTML, not text.
_MARKUP_RE = re.compile(
    rb"<\s*(?:!doctype|html|head|body|meta|title|div|p|span|article|section|a|br|h[1-6])\b",
    re.IGNORECASE,
)
_BLOCK_SPLIT_RE = re.compile(r"\n[ \t\r\f\v]*\n")
_SENTENCE_END = (".", "!", "?", ":", ";", ",")
MIN_HEADLINE_WORDS, MAX_HEADLINE_WORDS = 4, 30
#: A header label (site name, section, byline): a few words, no sentence.
MAX_LABEL_WORDS, MAX_LABEL_CHARS = 6, 60
#: Chrome blocks: at least this many lines, each at most this many words.
MIN_CHROME_LINES, MAX_CHROME_WORDS = 3, 15
_NAME_WORDS = frozenset(("and", "&", "de", "da", "del", "der", "van", "von", "la", "le", "y"))


def is_plain_text(data: bytes) -> bool:
    """True when a page has no HTML markup in its first 64 KiB.

    >>> is_plain_text(b"Headline here\\n\\nFirst paragraph."), is_plain_text(b"<p>x</p>")
    (True, False)
    >>> is_plain_text(b"a < b and c > d")
    True
    """
    return not _MARKUP_RE.search(data[:65536])


def looks_like_headline(block: str) -> bool:
    """One line of 4–30 words that does not end like a sentence.

    >>> looks_like_headline("Russia admits its forces have fallen back")
    True
    >>> looks_like_headline("It is the first admission."), looks_like_headline("Reuters")
    (False, False)
    """
    if "\n" in block:
        return False
    return MIN_HEADLINE_WORDS <= len(block.split()) <= MAX_HEADLINE_WORDS and not block.endswith(
        _SENTENCE_END
    )


def text_blocks(text: str) -> list[str]:
    """The blank-line separated blocks of a text, stripped, empty ones dropped.

    >>> text_blocks("a\\nb\\n\\n  \\nc\\n")
    ['a\\nb', 'c']
    """
    return [block.strip() for block in _BLOCK_SPLIT_RE.split(text) if block.strip()]


def is_label(line: str) -> bool:
    """A short header line: a few words that are not a sentence.

    >>> is_label("The Independent UK"), is_label("It rained all day in London.")
    (True, False)
    """
    words = line.split()
    return (
        0 < len(words) <= MAX_LABEL_WORDS
        and len(line) <= MAX_LABEL_CHARS
        and not line.endswith(_SENTENCE_END)
    )


def is_byline(line: str) -> bool:
    """A byline: "By …", or a few capitalized name words ("Chris Stevenson", "Ann Lee and Bo Yi").

    >>> is_byline("Chris Stevenson"), is_byline("By Jane Roe"), is_byline("National")
    (True, True, False)
    """
    if not is_label(line):
        return False
    words = line.split()
    if words[0].lower() in ("by", "von", "par", "por", "di", "door", "av", "af"):
        return len(words) >= 2
    capitalized = [w for w in words if w.lower() not in _NAME_WORDS]
    return 2 <= len(capitalized) <= 5 and all(w[:1].isupper() for w in capitalized)


@dataclass(slots=True)
class ReaderHeader:
    """What a reader copy's header says about the article."""

    publisher: str | None = None
    section: str | None = None
    byline: str | None = None


def reader_header(lines: list[str]) -> ReaderHeader:
    """Publisher, section and byline from the lines above the headline of a reader copy.

    A reader copy's header ends with the site name (often twice: its logo's text and its
    name), the section and the byline; promo lines may come before them.

    >>> reader_header(["Get the app", "Daily Planet", "Daily Planet", "World", "Lois Lane"])
    ReaderHeader(publisher='Daily Planet', section='World', byline='Lois Lane')
    >>> reader_header(["Daily Planet", "By Lois Lane"])
    ReaderHeader(publisher='Daily Planet', section=None, byline='By Lois Lane')
    """
    found = ReaderHeader()
    rest = [line for line in lines if line]
    if rest and is_byline(rest[-1]):
        found.byline = rest.pop()
    if len(rest) >= 3 and rest[-3] == rest[-2] and is_label(rest[-1]):
        found.publisher, found.section = rest[-2], rest[-1]
    elif len(rest) >= 2 and rest[-2] == rest[-1]:
        found.publisher = rest[-1]
    elif len(rest) >= 2 and is_label(rest[-2]) and is_label(rest[-1]):
        found.publisher, found.section = rest[-2], rest[-1]
    elif len(rest) == 1 and is_label(rest[0]):
        found.publisher = rest[0]
    return found


def is_chrome(block: str) -> bool:
    """Several short lines, each starting a new item: a wall, a menu or a promo, not prose.

    >>> is_chrome("Sign up to read this article\\nAlready a member? Sign in here\\nOur Picks")
    True
    >>> is_chrome("A paragraph hard-wrapped\\nat seventy columns and\\ncontinuing here.")
    False
    """
    lines = [line.strip() for line in block.splitlines() if line.strip()]
    return len(lines) >= MIN_CHROME_LINES and all(
        len(line.split()) <= MAX_CHROME_WORDS and (line[:1].isupper() or line[:1].isdigit())
        for line in lines
    )


def is_credit_line(block: str) -> bool:
    """A lone photo credit ("Reuters", "Photo: Jane Doe/AP").

    >>> is_credit_line("Reuters"), is_credit_line("Russia has acknowledged it.")
    (True, False)
    """
    line = " ".join(block.split())
    if "\n" in block or not is_label(line):
        return False
    return bool(agencies_only(line)) or looks_like_credit(line)


def _figure(caption: str | None, credit: str | None) -> str:
    parts = [escape(caption)] if caption else []
    if credit:
        parts.append(f'<span class="credit">{escape(credit)}</span>')
    return f"<figure><figcaption>{' '.join(parts)}</figcaption></figure>"


def text_to_html(text: str) -> str:
    """A minimal HTML document carrying a text rendering's header, headline and paragraphs.

    >>> page = text_to_html("Site\\nSection\\n\\nA headline of some words\\n\\nBody text.")
    >>> page[page.index("<header>"):page.index("<article>")]
    '<header><div>Site</div><div>Section</div></header>'
    >>> page[page.index("<article>"):page.index("</body>")]
    '<article><h1>A headline of some words</h1><p>Body text.</p></article>'
    """
    blocks = text_blocks(text)
    at = next((i for i, block in enumerate(blocks) if looks_like_headline(block)), None)
    header, headline, rest = (
        (blocks[:at], blocks[at], blocks[at + 1 :]) if at is not None else ([], None, blocks)
    )
    lines = [line.strip() for block in header for line in block.splitlines()]
    found = reader_header(lines)
    head = [f"<title>{escape(headline)}</title>"] if headline else []
    for key, value in (
        ('property="og:site_name"', found.publisher),
        ('property="article:section"', found.section),
        ('name="author"', found.byline),
    ):
        if value:
            head.append(f'<meta {key} content="{escape(value)}">')
    parts = [f'<!DOCTYPE html><html><head><meta charset="utf-8">{"".join(head)}</head><body>']
    if lines:
        parts.append("<header>" + "".join(f"<div>{escape(ln)}</div>" for ln in lines) + "</header>")
    parts.append("<article>")
    if headline:
        parts.append(f"<h1>{escape(headline)}</h1>")
    chrome: list[str] = []
    for n, block in enumerate(rest):
        paragraph = " ".join(block.split())
        if is_chrome(block):
            chrome.extend(line.strip() for line in block.splitlines() if line.strip())
        elif n == 0 and headline and is_credit_line(block):
            parts.append(_figure(None, paragraph))
        elif credited_caption(paragraph, sentence_end=False):
            parts.append(_figure(paragraph, None))
        else:
            parts.append(f"<p>{escape(paragraph)}</p>")
    parts.append("</article>")
    if chrome:
        parts.append(
            "<footer>" + "".join(f"<div>{escape(ln)}</div>" for ln in chrome) + "</footer>"
        )
    parts.append("</body></html>")
    return "".join(parts)
