"""Text clean-up shared by every field normalizer.

Extracted strings arrive with HTML entities left by JSON-LD and meta tags, non-breaking and
zero-width spaces, soft hyphens and decomposed accents; every normalizer starts here so that
"the same text" compares equal.
"""

from __future__ import annotations

import html
import re
import unicodedata

# Invisible format characters: zero-width (space, joiners), soft hyphen, word joiner,
# bidirectional marks, BOM. Removed outright.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# Any run of whitespace, including NBSP, thin spaces and line/paragraph separators.
_SPACES = re.compile(r"\s+")
# Everything that is not a letter or digit, combining accents included.
_NOT_ALNUM = re.compile(r"[\W_]+")
#: The ASCII bytes :data:`_NOT_ALNUM` removes: everything but letters and digits.
_ASCII_NOT_ALNUM = bytes(c for c in range(128) if not chr(c).isalnum())
# C0/C1 control characters other than whitespace.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def unescape(text: str) -> str:
    """Decode HTML entities, repeatedly for double-escaped input ("&amp;amp;").

    >>> unescape("Tom &amp;amp; Jerry &#8211; &quot;live&quot;")
    'Tom & Jerry – "live"'
    """
    while True:  # each pass shortens the text, so this ends
        decoded = html.unescape(text)
        if decoded == text:
            return text
        text = decoded


def clean_text(text: str | None) -> str:
    """Unescape, drop invisible and control characters, fold whitespace, NFC.

    >>> clean_text("  Russia\\u00a0admits &ndash; as\\u200b Ukraine\\n gains ")
    'Russia admits – as Ukraine gains'
    >>> clean_text(None)
    ''
    """
    if not text:
        return ""
    if text.isascii() and "&" not in text:  # one pass is final: nothing to unescape or reveal
        return _clean_ascii(text)
    # Removing a character can reveal an entity ("&am\u200bp;") and unescaping can
    # produce one ("&#8203;"): repeat until nothing changes, which keeps this idempotent.
    for _ in range(8):
        cleaned = _clean_once(text)
        if cleaned == text:
            break
        text = cleaned
    return text


def _clean_ascii(text: str) -> str:
    """Control characters to spaces, whitespace folded (printable text has no controls)."""
    return " ".join((text if text.isprintable() else _CONTROL.sub(" ", text)).split())


def _clean_once(text: str) -> str:
    text = unescape(text)  # returns at once when there is no "&"
    if text.isascii():  # O(1) in CPython: nothing invisible, nothing to compose
        return _clean_ascii(text)
    text = _CONTROL.sub(" ", _INVISIBLE.sub("", text))
    # str.split's whitespace is exactly regex \s; NFC neither makes nor removes whitespace
    return unicodedata.normalize("NFC", " ".join(text.split()))


def fold_key(text: str) -> str:
    """A comparison key: case-folded letters and digits, no accents ("Zprávy" -> "zpravy").

    >>> fold_key("The Independent UK")
    'theindependentuk'
    """
    if text.isascii():  # no accents to strip: keep lower-cased letters and digits
        return text.lower().encode("ascii").translate(None, _ASCII_NOT_ALNUM).decode("ascii")
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKD", text.casefold()))
