"""Pages saved as plain text (a reader view's copy) made fit for the HTML extractor.

``newscrawl extract`` is also fed text renderings of pages: an aggregator's reader copy saved
as text keeps its blocks (header lines, headline, credit line, paragraphs, captions) separated
by blank lines but has no markup. Rather than a second extractor, such text becomes a minimal
HTML document — the lines before the headline in a ``<header>``, the headline as ``<title>`` and
``<h1>``, one ``<p>`` per block after it — and goes through the same extraction and
normalization as a crawled page, so agency lines, datelines and aggregator trailers are
handled by the same rules.
"""

from __future__ import annotations

import re
from html import escape

#: Tags whose presence near the start means the bytes are HTML, not text.
_MARKUP_RE = re.compile(
    rb"<\s*(?:!doctype|html|head|body|meta|title|div|p|span|article|section|a|br|h[1-6])\b",
    re.IGNORECASE,
)
_BLOCK_SPLIT_RE = re.compile(r"\n[ \t\r\f\v]*\n")
_SENTENCE_END = (".", "!", "?", ":", ";", ",")
MIN_HEADLINE_WORDS, MAX_HEADLINE_WORDS = 4, 30


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
    header, headline, paragraphs = (
        (blocks[:at], blocks[at], blocks[at + 1 :]) if at is not None else ([], None, blocks)
    )
    title = f"<title>{escape(headline)}</title>" if headline else ""
    parts = [f'<!DOCTYPE html><html><head><meta charset="utf-8">{title}</head><body>']
    if header:
        lines = (line.strip() for block in header for line in block.splitlines())
        parts.append("<header>" + "".join(f"<div>{escape(ln)}</div>" for ln in lines) + "</header>")
    parts.append("<article>")
    if headline:
        parts.append(f"<h1>{escape(headline)}</h1>")
    parts.extend(f"<p>{escape(' '.join(block.split()))}</p>" for block in paragraphs)
    parts.append("</article></body></html>")
    return "".join(parts)
