"""Renditions of one picture: ``srcset`` candidates, and which URLs show the same picture.

Extraction (choosing a figure's largest rendition, merging the lead picture into the figure
that shows it) and normalization (one entry per picture) both need these two rules; this is
their one copy. Both work on URL strings only.

``srcset`` is parsed as the HTML standard's algorithm does ("parse a srcset attribute"): a
candidate's URL runs to the next whitespace, so URLs that contain commas (image CDNs'
``…/c_scale,w_992/…`` or ``?fl=res,320,,1``) survive; trailing commas end it.

Two URLs show the same picture when they share a *picture key*: the URL without its size
parts (``-1024x768``, ``/w_800/``, ``?w=800``...), a distinctive file name (``…/uuid.jpg`` at
two resizer paths), the original URL an image proxy embeds (``…/750x422/https%3A%2F%2F…``),
or an identifier token (a UUID, a long hex hash, a long number) that no third picture of the
page carries — a number in every picture of a page is the article's, not the picture's.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

_SPACE = " \t\n\r\f"


@dataclass(slots=True)
class Rendition:
    """One candidate URL for a picture with what its descriptor says about its size."""

    url: str
    width: int | None = None
    density: float | None = None


#: A candidate's URL (after whitespace and commas), then its descriptors: up to the comma that
#: ends the candidate, a comma inside parentheses not counted (the standard's tokenizer states).
_URL_RUN = re.compile(r"[ \t\n\r\f,]*([^ \t\n\r\f]*)")
_DESCRIPTORS = re.compile(r"((?:[^,(]|\([^)]*\)?)*),?")


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value >= 0 and value == value and value != float("inf") else None


def _candidate(url: str, tokens: list[str]) -> Rendition | None:
    """A candidate from its descriptors; None when they are invalid (the standard drops it)."""
    rendition = Rendition(url)
    for token in tokens:
        number = _number(token[:-1])
        unit = token[-1:].lower()
        if number is None or unit not in "wxh" or not unit:
            return None
        if unit == "w" and rendition.width is None and number > 0:
            rendition.width = int(number)
        elif unit == "x" and rendition.density is None:
            rendition.density = number
        elif unit != "h":
            return None
    return rendition


def parse_srcset(srcset: str) -> list[Rendition]:
    """Candidates of a ``srcset`` value, as the HTML standard parses it.

    >>> [(r.url, r.width) for r in parse_srcset("a.jpg 320w, b.jpg 1024w")]
    [('a.jpg', 320), ('b.jpg', 1024)]
    >>> [(r.url, r.density) for r in parse_srcset("a.jpg, b.jpg 2x")]
    [('a.jpg', None), ('b.jpg', 2.0)]
    >>> [r.url for r in parse_srcset("https://cdn.ex/c_scale,w_992/a.jpg 992w,b.jpg?x=1,2 2x")]
    ['https://cdn.ex/c_scale,w_992/a.jpg', 'b.jpg?x=1,2']
    """
    out: list[Rendition] = []
    at, end = 0, len(srcset)
    while at < end:
        match = _URL_RUN.match(srcset, at)
        assert match is not None  # the pattern matches the empty string
        url, at = match[1], match.end()
        tokens: list[str] = []
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            descriptors = _DESCRIPTORS.match(srcset, at)
            assert descriptors is not None
            tokens, at = descriptors[1].split(), descriptors.end()
        candidate = _candidate(url, tokens) if url else None
        if candidate is not None:
            out.append(candidate)
    return out


def largest(renditions: Iterable[Rendition]) -> Rendition | None:
    """The widest rendition (by ``w``, then ``x`` descriptor); the first one if none says.

    >>> largest(parse_srcset("a.jpg 320w, b.jpg 1024w, c.jpg 640w")).url
    'b.jpg'
    """
    best: Rendition | None = None
    best_key = (-1.0, -1.0)
    for rendition in renditions:
        key = (float(rendition.width or 0), rendition.density or 0.0)
        if best is None or key > best_key:
            best, best_key = rendition, key
    return best


def largest_url(value: str) -> str:
    """The largest candidate's URL if ``value`` is a srcset with descriptors, else ``value``.

    >>> largest_url("a.jpg 320w, b.jpg 1024w"), largest_url("https://x/a,b.jpg")
    ('b.jpg', 'https://x/a,b.jpg')
    """
    if not any(c in value for c in _SPACE):
        return value
    candidates = parse_srcset(value)
    best = largest(c for c in candidates if c.width or c.density)
    return best.url if best else (candidates[0].url if candidates else value)


# --- which URLs show the same picture --------------------------------------------------

_SIZE_PARAMS = frozenset(
    (
        *("w", "h", "width", "height", "resize", "fit", "quality", "q", "crop", "fm", "format"),
        *("auto", "dpr", "im", "ixlib", "s", "rect", "cs", "fl", "impolicy", "imwidth", "size"),
        *("strip", "zoom", "sig", "auth", "ssl", "ver", "v", "cb", "version", "itok", "sign"),
    )
)
_SIZE_IN_PATH = (
    re.compile(r"/\d{2,5}(?:x\d{1,5})?(?=/)"),  # /800/ /800x600/
    re.compile(r"[-_.]\d{2,5}x\d{1,5}(?=[-_./]|$)"),  # -300x200
    re.compile(r"(?<=/)\d{2,5}x\d{1,5}[-_.]"),  # /1920x1080_name
    re.compile(r"/(?:w|h|c|q|f|t|ar|dpr|g|x|y|e|fl)_[^/]*"),  # /w_800,h_600/ (resizer options)
    re.compile(r"/(?:rs|c|fill|resize|crop|fit):[^/]*"),  # /rs:fill:1600:0/ (imgproxy options)
    re.compile(r"/\$[^/]*"),  # /$zoom_0.15,$width_756/
    re.compile(r"[-_@](?:\d{2,5}w|\d(?:\.\d)?x|small|medium|large|thumb|thumbnail|original)(?=\.)"),
    re.compile(r"(?:\.(?:jpe?g|png|webp|avif|gif))+$"),
)
_STEM_SIZE = re.compile(r"(?:[-_.]?\d{2,5}x\d{1,5}|[-_.]w\d{2,5}|[-_.]\d{2,5}w|[-_]\d{3,4})$")
_EMBEDDED = re.compile(r"https?:/{1,2}[^?#\s]+", re.IGNORECASE)
_ID_TOKEN = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"  # UUID
    r"|(?<![0-9a-z])[0-9a-f]{20,}(?![0-9a-z])"  # content hash
    r"|(?<=/)[0-9]{7,}(?=/|[^/0-9][^/]*$)",  # a number folder, or a file name's leading number
    re.IGNORECASE,
)
#: Unix times (seconds or milliseconds) and yyyymmdd dates: shared by unrelated pictures.
_TIME_LIKE = re.compile(r"^(?:1[5-9]\d{8}|1[5-9]\d{11}|(?:19|20)\d{2}[01]\d[0-3]\d)$")
_MIN_STEM = 12


def _stem(path: str) -> str:
    name = path.rstrip("/").rsplit("/", 1)[-1]
    for pattern in _SIZE_IN_PATH[-2:]:
        name = pattern.sub("", name)
    return _STEM_SIZE.sub("", name)


def _distinctive(stem: str) -> bool:
    """A file name that names one picture: long, or mostly an identifier."""
    digits = sum(c.isdigit() for c in stem)
    return len(stem) >= _MIN_STEM or (len(stem) >= 6 and digits >= 5)


@lru_cache(maxsize=2048)
def picture_keys(url: str) -> tuple[frozenset[str], frozenset[str]]:
    """(keys, identifier tokens) of a picture URL; see the module docstring.

    Cached: extraction and normalization ask about the same URLs of a page.

    >>> keys, ids = picture_keys("https://cdn.x.com/img/800x600/photo-2023-abc-1200x800.jpg?w=8")
    >>> sorted(keys)
    ['cdn.x.com/img/photo-2023-abc', 'stem:photo-2023-abc']
    >>> picture_keys("https://r.ex/aB3=/750x422/https%3A%2F%2Fst.ex%2Ffs%2Fpic.jpg")[0] >= {
    ...     "st.ex/fs/pic"}
    True
    """
    parts = urlsplit(url)
    path = unquote(parts.path).lower()
    keys: set[str] = set()
    bare = path
    for pattern in _SIZE_IN_PATH:
        bare = pattern.sub("", bare)
    query = urlencode(
        sorted((k, v) for k, v in parse_qsl(parts.query) if k.lower() not in _SIZE_PARAMS)
    )
    keys.add(f"{(parts.hostname or '').lower()}{bare}" + (f"?{query}" if query else ""))
    stem = _stem(path)
    if _distinctive(stem):
        keys.add(f"stem:{stem}")
    inner = unquote(unquote(parts.path + "?" + parts.query))
    for match in _EMBEDDED.finditer(inner[1:]):
        embedded = re.sub(r"^(https?:)/(?!/)", r"\1//", match.group(0), flags=re.I)
        keys |= picture_keys(embedded)[0]
    ids = {m.group(0).lower() for m in _ID_TOKEN.finditer(path)}
    return frozenset(keys), frozenset(token for token in ids if not _TIME_LIKE.match(token))


class PictureIndex:
    """The pictures of one page, to ask which of them another URL shows."""

    def __init__(self, urls: Sequence[str | None]) -> None:
        empty: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())
        self._keys = [picture_keys(u) if u else empty for u in urls]
        counts: Counter[str] = Counter()
        seen: set[str] = set()
        for url, (_keys, ids) in zip(urls, self._keys, strict=True):
            if url and url not in seen:  # a token in every picture of the page names the page
                seen.add(url)
                counts.update(ids)
        self._common = {token for token, n in counts.items() if n > 2}
        self._urls = [u or "" for u in urls]

    def same(self, a: int, b: int) -> bool:
        """Whether pictures ``a`` and ``b`` of the page are renditions of one picture (never
        for a picture without a URL)."""
        if not (self._urls[a] and self._urls[b]):
            return False
        if self._urls[a] == self._urls[b]:
            return True
        keys_a, ids_a = self._keys[a]
        keys_b, ids_b = self._keys[b]
        return bool(keys_a & keys_b) or bool((ids_a & ids_b) - self._common)


def same_picture(a: str | None, b: str | None) -> bool:
    """Whether two URLs show the same picture (without the rest of the page to compare with).

    >>> same_picture("https://i.ex/Lj5/rs:fill:1600:0/plain/l/74c9cd9c-f3cf-4ea7-8cee-47415c5c6ebc.jpeg",
    ...              "https://i.ex/mZ-/rs:fill:1200:600/plain/l/74c9cd9c-f3cf-4ea7-8cee-47415c5c6ebc.jpeg")
    True
    >>> same_picture("https://ex.com/img/800/194191.jpg", "https://ex.com/img/800/194192.jpg")
    False
    """
    return PictureIndex([a, b]).same(0, 1)
