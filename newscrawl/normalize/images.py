"""Images: absolute URLs, no pixels/icons/logos/avatars, one entry per picture, credits split.

Captions arrive as printed: "A Ukrainian tank on its way to Bakhmut (Reuters)", "... Photo: Jane
Doe/AP", "... © BELGA", "... (Picture: PA)". The credit goes to ``credit`` as printed (without
the parentheses or the "Photo:" label) and the caption keeps only the description.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from urllib.parse import unquote, urljoin, urlsplit

from w3lib.url import safe_url_string

from newscrawl.article import Image
from newscrawl.normalize.agencies import agencies_only, lookup
from newscrawl.normalize.renditions import PictureIndex, largest_url
from newscrawl.normalize.text import clean_text, fold_key

_LABELS = (
    *("Photo", "Photos", "Photograph", "Photographs", "Picture", "Pictures", "Pic", "Pics"),
    *("Image", "Images", "Foto", "Fotos", "Bild", "Bilder", "Photo credit", "Photo credits"),
    *("Image credit", "Image credits", "Credit", "Credits", "Crédit", "Crédits", "Crédit photo"),
    *("Source", "Quelle", "Fuente", "Fonte", "Kuva", "Ảnh", "Symbolfoto", "Archivfoto"),
    *("Archivbild", "Fotografía", "Foto di", "Illustration", "Illustrations"),
    *("Image Credit", "Image Credits", "Photo Credit", "Photo Credits", "Picture Credit"),
    *("Bildquelle", "Bildnachweis", "Fotoquelle", "Isithombe", "Фото", "фото", "Коллаж", "коллаж"),
)
# Longest first, so that "Image credits:" wins over "Image".
_LABEL = "(?:" + "|".join(sorted(map(re.escape, _LABELS), key=len, reverse=True)) + ")"
# "(Picture: PA)", "( Image: Getty Images)", "(Foto: John MacDougall/AFP)" at the end.
_PAREN_LABEL = re.compile(rf"\s*\(\s*{_LABEL}\s*(?::|\bby\b)\s*(?P<credit>[^()]+?)\s*\)\s*$", re.I)
# "... Photo: Jane Doe/AP", "...VALENTINOFoto: ...", "Photo by David Kawai/Bloomberg".
_LABEL_COLON = re.compile(
    rf"(?:(?<=[\s.,;!?)\]\"”’»|–—-])|^|(?<=[^\W\d_])){_LABEL}\s*:\s*(?P<credit>[^()]+?)\s*$"
)
_LABEL_BY = re.compile(
    rf"(?:(?<=[\s.,;!?)\]\"”’»|–—-])|^){_LABEL}\s+by\s+(?P<credit>[^()]+?)\s*$", re.I
)
# "... — © BELGA", "Bild © Roman Warschauer (hr)", "- Copyright Shakh Aivazov/Copyright The AP".
_COPYRIGHT = re.compile(
    r"\s*(?:[-—–|]\s*)?(?:(?:Bild|Foto|Photo|Image)\s*)?(?:©|(?:^|(?<=\s))Copyright\b)"
    r"\s*(?P<credit>.+?)\s*$"
)
# "... country AP Photo/Edgar H. Clemente", "(AP Photo/Marco Ugarte)".
_AP_PHOTO = re.compile(r"\s*\(?(?P<credit>\bAP Photo/[^()]+?)\)?\s*$")
_LABEL_WORD = re.compile(rf"^{_LABEL}$", re.IGNORECASE)
_CREDIT_PREFIX = re.compile(rf"^(?:{_LABEL}\s*(?::|\bby\b)|©|Copyright\b)\s*(?P<rest>.+)$", re.I)
_TRAILING_PAREN = re.compile(r"\s*\((?P<credit>[^()]{1,100})\)\s*$")
# Japanese conventions: "…（代表撮影）" (photographed by), "…＝ＡＰ" (agency).
_JP_PHOTOGRAPHER = re.compile(r"[（(](?P<credit>[^（）()]{1,20}?)撮影[）)]\s*$")
_JP_EQUALS = re.compile(r"＝(?P<credit>[^＝]{1,20})$")
#: Credits that are a word, not a name ("... views upon arrival. Supplied").
_CREDIT_WORDS = frozenset(("supplied", "handout", "submitted", "privat", "private", "zvg"))
# Candidate starts of a trailing credit: after a sentence end, with or without a space.
_SENTENCE_END = re.compile(r"(?<=[.!?…\"”’»)）」。])\s*")
_CAPTION_EDGE = re.compile(r"[\s\-—–|,;:]+$")
_CREDIT_EDGE = re.compile(r"^[\s\-—–|:]+|[\s|.,;:]+$")
_INITIAL = re.compile(r"^[^\W\d_]\.$")
_AGENCY_SLASH = re.compile(r"(?<=\s)(?P<agency>[^\s/()]+)/")
_CREDIT_PARTS = re.compile(r"[/|()]|\bvia\b|,|;")
_MAX_CREDIT = 120


_NAME_SMALL_WORDS = frozenset(
    ("de", "da", "del", "der", "den", "van", "von", "la", "le", "du", "di", "y", "e", "and", "of")
)


def _name_like(part: str) -> bool:
    """A photographer's or source's name: a few capitalized words, no sentence inside."""
    tokens = part.split()
    if not tokens or len(tokens) > 6 or len(part) > 60:
        return False
    if any(t.endswith(".") and not _INITIAL.match(t) for t in tokens[:-1]):
        return False
    return all(t in _NAME_SMALL_WORDS or not t[:1].isalpha() or t[:1].isupper() for t in tokens)


def looks_like_credit(text: str) -> bool:
    """Whether a caption tail is a photo credit: agencies, or names with an agency.

    >>> looks_like_credit("Noel Celis/AFP via Getty Images")
    True
    >>> looks_like_credit("Alketa Misja (dpa/picture alliance via Getty)")
    True
    >>> looks_like_credit("Symbolfoto")
    False
    """
    if not text or len(text) > _MAX_CREDIT:
        return False
    if text.startswith("AP Photo") or agencies_only(text):
        return True
    if text.casefold().rstrip(".") in _CREDIT_WORDS or text.casefold().startswith("courtesy "):
        return True
    parts = [p.strip() for p in _CREDIT_PARTS.split(text) if p.strip()]
    if len(parts) < 2 or not any(lookup(p) for p in parts):
        return False
    return all(lookup(p) or _name_like(p) for p in parts)


def _split_once(text: str) -> tuple[str, str] | None:
    """One (caption, credit) split at the end of ``text``, or None."""
    for pattern in (_COPYRIGHT, _PAREN_LABEL, _LABEL_COLON, _LABEL_BY, _AP_PHOTO):
        match = pattern.search(text)
        if match:
            return text[: match.start()], match["credit"]
    if not text.endswith(")") and looks_like_credit(text):  # the whole caption is a credit
        return "", text
    for match in _SENTENCE_END.finditer(text):
        tail = text[match.end() :]
        if match.end() and tail and looks_like_credit(tail):
            return text[: match.start()], tail
    for match in _AGENCY_SLASH.finditer(text):  # "... match REUTERS/Mike Segar" (Reuters alt)
        tail = text[match.start() :]
        if match.start() and lookup(match["agency"]) and looks_like_credit(tail):
            return text[: match.start()], tail
    match = _TRAILING_PAREN.search(text)
    if match and _paren_credit(text[: match.start()], match["credit"]):
        return text[: match.start()], match["credit"]
    for pattern in (_JP_PHOTOGRAPHER, _JP_EQUALS):
        match = pattern.search(text)
        if match and (pattern is _JP_PHOTOGRAPHER or lookup(match["credit"])):
            return text[: match.start()], match["credit"]
    return None


def _paren_credit(before: str, inner: str) -> bool:
    """A trailing "(...)" is a credit if it names an agency, or a name after a full sentence.

    "... Noia Apostoli. (Edu Luque)" is a credit; "... in Gjadër (Albania)" is not.
    """
    if looks_like_credit(inner):
        return True
    sentence_done = not before.strip() or before.rstrip()[-1] in '.!?…"”’»'
    if not sentence_done:
        return False
    if len(inner.split()) == 1:  # "… young women and girls. (Christie's)", not "(Archivbild)"
        return _name_like(inner) and inner[:1].isupper() and not _LABEL_WORD.match(inner)
    return _name_like(inner) or "/" in inner


def _strip_outer_parens(text: str) -> str:
    """Drop an unbalanced or enclosing parenthesis: "(Reuters)" -> "Reuters", keep "Goga (AP)"."""
    if text.startswith("(") and text.endswith(")") and text.count("(") == 1:
        return text[1:-1].strip()
    if text.startswith("(") and text.count("(") > text.count(")"):
        return text[1:].strip()
    if text.endswith(")") and text.count(")") > text.count("("):
        return text[:-1].strip()
    return text


#: A rights notice after the credit ("Shakh Aivazov/Copyright 2024 The AP. All rights reserved").
_RIGHTS_NOTICE = re.compile(
    r"\s*[/|,;]?\s*(?:Copyright|©)\s*\d{4}\b.*$|\s*[/|,;.]?\s*All rights reserved\.?\s*$",
    re.IGNORECASE,
)
#: What a byline, a time stamp or a video's duration looks like: never a photo credit.
_NOT_CREDIT = re.compile(
    r"^(?:by|von|por|par|av|door)\s|\b\d{1,2}:\d{2}\b|^(?:updated|published|aktualisiert)\b",
    re.IGNORECASE,
)


def clean_credit(credit: str | None) -> str | None:
    """A credit as printed, without label or parentheses ("(Picture: PA)" -> "PA"), rights
    notice or a byline or time stamp taken for a credit.

    >>> clean_credit("(Picture: PA)")
    'PA'
    >>> clean_credit("© dpa | Jens Kalaene")
    'dpa | Jens Kalaene'
    >>> clean_credit("Frank Franklin II/Copyright 2026 The AP. All rights reserved")
    'Frank Franklin II'
    >>> clean_credit("By Associated Press"), clean_credit("Updated Jul 17, 2024, 6:39pm")
    (None, None)
    """
    text = clean_text(credit)
    if _NOT_CREDIT.search(text):
        return None
    text = _RIGHTS_NOTICE.sub("", text) or text
    while True:  # every pass shortens the text or ends the loop
        previous = text
        text = _strip_outer_parens(_CREDIT_EDGE.sub("", text))
        match = _CREDIT_PREFIX.match(text)
        if match:
            text = match["rest"]
        if text == previous:
            break
    if _NOT_CREDIT.search(text):  # a byline behind a dash or a label: cleaning twice agrees
        return None
    return text if fold_key(text) else None


def split_caption(caption: str | None) -> tuple[str | None, str | None]:
    """Split the credit printed at the end of a caption from the description.

    >>> split_caption("A Ukrainian tank on its way to Bakhmut (Reuters)")
    ('A Ukrainian tank on its way to Bakhmut', 'Reuters')
    >>> split_caption("Erst fiel der linke Kühlturm, dann der rechte. Foto: Peter Kneffel/dpa")
    ('Erst fiel der linke Kühlturm, dann der rechte.', 'Peter Kneffel/dpa')
    >>> split_caption("(Picture: PA)")
    (None, 'PA')
    >>> split_caption("Here are some houseplants (stock image)")
    ('Here are some houseplants (stock image)', None)
    """
    text = clean_text(caption)
    credit: str | None = None
    while text:
        split = _split_once(text)
        if split is None:
            break
        text = _CAPTION_EDGE.sub("", split[0]).strip()
        credit = credit or clean_credit(split[1])
    if not fold_key(text) or (credit and fold_key(text) == fold_key(credit)):
        return None, credit  # a caption that only repeats its credit is no caption
    return text, credit


_PAREN_TAIL = re.compile(r"\((?P<credit>[^()]{1,80})\)\s*$")
_MAX_CAPTION_WORDS = 40


def credited_caption(text: str | None, *, sentence_end: bool = True) -> bool:
    """Whether a short paragraph is a picture caption: it ends in a parenthesised agency or
    photo credit ("… on its way to Bakhmut (Reuters)", "… (Picture: PA)", "(AP Photo/…)").

    Next to a picture, a caption may end its description with a full stop; with
    ``sentence_end=False`` (a text copy, where the picture is gone) it may not, so a body
    paragraph ending "… officials said. (Reuters)" stays a paragraph.

    >>> credited_caption("A Ukrainian tank on its way to Bakhmut (Reuters)")
    True
    >>> credited_caption("Troops crossed into Gjadër (Albania)"), credited_caption("(Reuters)")
    (False, False)
    >>> credited_caption("Officials said so. (AP)", sentence_end=False)
    False
    """
    line = clean_text(text)
    match = _PAREN_TAIL.search(line)
    if match is None or "\n" in (text or "") or len(line.split()) > _MAX_CAPTION_WORDS:
        return False
    before = line[: match.start()].rstrip()
    if not fold_key(before) or (not sentence_end and before.endswith((".", "!", "?", ":"))):
        return False
    inner = match["credit"].strip()
    return bool(
        _PAREN_LABEL.search(line) or inner.startswith("AP Photo") or looks_like_credit(inner)
    )


@dataclass(slots=True)
class ImageResult:
    images: list[Image]
    outcomes: Counter[str] = field(default_factory=Counter)


_JUNK_WORDS = re.compile(
    r"(?:^|[/_.\-])(?:pixel|spacer|blank|transparent|1x1|clear|tracking|tracker|beacon|logo|logos|"
    r"icon|icons|favicon|sprite|sprites|placeholder|badge|emoji)(?=[/_.\-]|$)",
    re.I,
)
# Portraits of the writer; a large picture with such a name is a news photo of someone.
_AVATAR_WORDS = re.compile(
    r"(?:^|[/_.\-])(?:avatar|avatars|gravatar|byline|headshot|headshots|mugshot|author|authors)"
    r"(?=[/_.\-]|$)",
    re.I,
)
_LARGE = 300
_JUNK_HOSTS = re.compile(r"(?:^|\.)(?:gravatar\.com|doubleclick\.net|scorecardresearch\.com)$")
_JUNK_EXT = re.compile(r"\.(?:svg|ico)$", re.I)


def absolute_url(url: str | None, base: str | None) -> str | None:
    """An absolute http(s) URL, or None for data:, javascript: and empty values.

    >>> absolute_url("//cdn.example.com/a b.jpg", "https://example.com/news/x")
    'https://cdn.example.com/a%20b.jpg'
    >>> absolute_url("data:image/gif;base64,R0lG", None) is None
    True
    """
    value = largest_url((url or "").strip())
    if not value:
        return None
    if value.startswith("//"):
        value = "https:" + value
    if base:
        value = urljoin(base, value)
    if urlsplit(value).scheme not in ("http", "https"):
        return None
    return safe_url_string(value)


def is_junk(image: Image) -> bool:
    """Tracking pixels, spacers, icons, logos and avatars."""
    if image.url is None:
        return False
    w, h = image.width, image.height
    if (w is not None and w <= 2) or (h is not None and h <= 2):
        return True
    if w is not None and h is not None and w < 100 and h < 100:
        return True
    parts = urlsplit(image.url)
    path = unquote(parts.path)
    if _JUNK_HOSTS.search(parts.hostname or "") or _JUNK_WORDS.search(path):
        return True
    return bool(_JUNK_EXT.search(path) or (_AVATAR_WORDS.search(path) and (w or 0) < _LARGE))


#: A credit longer than this is a caption with its credit ("… (Quelle: Truth Social)").
_MAX_CREDIT_WORDS = 12


def _caption_and_credit(credit: str | None) -> tuple[str, str] | None:
    """A long (cleaned) "credit" that splits into a caption and a credit, else None.

    Only a split into both parts counts: a long credit that is all caption or all credit
    stays a credit, so normalizing a normalized image changes nothing.
    """
    if not credit or len(credit.split()) <= _MAX_CREDIT_WORDS:
        return None
    caption, rest = split_caption(credit)
    return (caption, rest) if caption and rest else None


def normalize_image(image: Image, base_url: str | None = None) -> Image | None:
    """One image with an absolute URL and its caption/credit split; None if unusable.

    A picture without a URL (known only by its caption) is kept when it has a caption or a
    credit.
    """
    url = absolute_url(image.url, base_url)
    if url is None and (image.url or not (image.caption or image.credit)):
        return None
    caption, credit = split_caption(image.caption)
    credit = clean_credit(image.credit) or credit
    glued = _caption_and_credit(credit) if caption is None else None
    if glued is not None:  # a whole caption with its credit, taken for a credit
        caption, credit = glued
    if caption and credit and fold_key(caption) == fold_key(credit):
        caption = None
    return replace(image, url=url, caption=caption, credit=credit)


def _merge(kept: Image, other: Image) -> Image:
    """Same picture twice: keep the first place, the larger rendition, any caption/credit."""
    bigger = other if (other.width or 0) > (kept.width or 0) else kept
    return replace(
        bigger,
        caption=kept.caption or other.caption,
        credit=kept.credit or other.credit,
    )


def normalize_images(images: list[Image], base_url: str | None = None) -> ImageResult:
    """Normalize, filter and de-duplicate an article's images, keeping their order (lead first).

    Two renditions of one picture (:mod:`newscrawl.normalize.renditions`) become one entry.
    """
    result = ImageResult([])
    usable: list[Image] = []
    for raw in images:
        image = normalize_image(raw, base_url)
        if image is None:
            result.outcomes["invalid_url"] += 1
            continue
        if is_junk(image):
            result.outcomes["junk"] += 1
            continue
        if raw.caption and image.credit and not clean_credit(raw.credit):
            result.outcomes["credit_from_caption"] += 1
        usable.append(image)
    index = PictureIndex([i.url for i in usable])
    slots: list[int] = []
    for i, image in enumerate(usable):
        slot = next((n for n, j in enumerate(slots) if index.same(i, j)), None)
        if slot is not None:
            result.images[slot] = _merge(result.images[slot], image)
            result.outcomes["duplicate"] += 1
            continue
        slots.append(i)
        result.images.append(image)
    result.outcomes["kept"] += len(result.images)
    return result
