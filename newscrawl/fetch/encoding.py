"""Pick the right character encoding for an HTML page, so no text is garbled.

Scrapy (w3lib) trusts the HTTP header first, as browsers do. Two common server
mistakes then garble a page: a default ``charset=ISO-8859-1`` header on a UTF-8 page,
and Windows-1252 text served as ``charset=utf-8`` (invalid UTF-8: U+FFFD everywhere).
The rule here, in order:

1. a byte order mark wins;
2. bytes that are valid UTF-8 and not plain ASCII are UTF-8 (text in another encoding
   is almost never valid UTF-8), unless a declared multi-byte encoding (GB18030,
   Shift_JIS…) decodes them too;
3. otherwise the first declared encoding (header, then ``<meta>``) that decodes the
   bytes without error, labels mapped the WHATWG way (``gb2312`` → GB18030,
   ``shift_jis`` → Windows-31J, ``iso-8859-1`` → Windows-1252);
4. otherwise Windows-1252, with its five unassigned bytes mapped to the C1 controls as
   browsers do, so decoding never fails and never produces U+FFFD.

``middlewares/encoding.py`` applies this to every HTML response, so ``response.text``
(what the extractor gets) is right.
"""

from __future__ import annotations

import codecs
import functools

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom
from w3lib.encoding import resolve_encoding as _w3lib_resolve

#: Codec name :func:`decode_html` reports for the never-failing Windows-1252 fallback.
WINDOWS_1252_LENIENT = "windows-1252-lenient"

_C1_UNASSIGNED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}


def _c1_fallback(err: UnicodeError) -> tuple[str, int]:
    if not isinstance(err, UnicodeDecodeError):
        raise err
    chunk = err.object[err.start : err.end]
    if all(b in _C1_UNASSIGNED for b in chunk):
        return "".join(chr(b) for b in chunk), err.end
    raise err


codecs.register_error("newscrawl-c1", _c1_fallback)


def resolve_label(label: str | None) -> str | None:
    """A Python codec for a charset label, WHATWG-style; None if unknown.

    >>> [resolve_label(x) for x in ("Shift_JIS", "gb2312", "ISO-8859-1", "utf8", "nope")]
    ['cp932', 'gb18030', 'cp1252', 'utf-8', None]
    """
    if not label:
        return None
    name = _w3lib_resolve(label.strip().strip("\"'"))
    if not name:
        return None
    return codecs.lookup(name).name


@functools.lru_cache(maxsize=64)
def is_single_byte(codec: str) -> bool:
    """Whether every byte is one character in ``codec`` (so any bytes "decode").

    >>> [is_single_byte(c) for c in ("cp1252", "iso8859-5", "koi8-r", "cp932", "gb18030")]
    [True, True, True, False, False]
    """
    probe = bytes(range(256)) * 2
    return len(probe.decode(codec, errors="replace")) == len(probe)


def _decodes(body: bytes, codec: str) -> bool:
    try:
        body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def declared_encodings(body: bytes, content_type: str | bytes | None) -> list[str]:
    """Encodings declared by the Content-Type header and the document, in that order.

    >>> declared_encodings(b'<meta charset="windows-1251">', "text/html; charset=utf-8")
    ['utf-8', 'cp1251']
    """
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    out: list[str] = []
    for label in (
        http_content_type_encoding(content_type) if content_type else None,
        html_body_declared_encoding(body),
    ):
        codec = resolve_label(label)
        if codec and codec not in out:
            out.append(codec)
    return out


def detect_encoding(body: bytes, content_type: str | bytes | None = None) -> str:
    """The codec to decode an HTML body with (see the module docstring for the rule).

    >>> page = '<meta charset="utf-8"><h1>Zürich – café</h1>'
    >>> detect_encoding(page.encode("utf-8"), "text/html; charset=ISO-8859-1")
    'utf-8'
    >>> detect_encoding(page.encode("cp1252"), "text/html; charset=utf-8")
    'cp1252'
    >>> detect_encoding('<meta charset="shift_jis"><h1>髙島屋</h1>'.encode("cp932"))
    'cp932'
    >>> detect_encoding(b"\\xef\\xbb\\xbf<h1>x</h1>", "text/html; charset=iso-8859-1")
    'utf-8'
    >>> detect_encoding(b"<h1>plain</h1>")
    'utf-8'
    """
    bom_encoding, _ = read_bom(body)
    if bom_encoding:
        return codecs.lookup(bom_encoding).name
    declared = declared_encodings(body, content_type)
    if body.isascii():
        return declared[0] if declared and _decodes(body, declared[0]) else "utf-8"
    if _decodes(body, "utf-8"):
        for codec in declared:
            if codec != "utf-8" and not is_single_byte(codec) and _decodes(body, codec):
                return codec
        return "utf-8"
    for codec in declared:
        if _decodes(body, codec):
            return codec
    return "cp1252" if _decodes(body, "cp1252") else WINDOWS_1252_LENIENT


def decode_html(body: bytes, content_type: str | bytes | None = None) -> tuple[str, str]:
    """Decode an HTML body; return ``(text, codec)``. Never raises, never adds U+FFFD.

    >>> decode_html("“quoted” €5".encode("cp1252"), "text/html; charset=utf-8")
    ('“quoted” €5', 'cp1252')
    >>> decode_html(b"caf\\xe9 \\x81", "text/html; charset=utf-8")
    ('café \\x81', 'windows-1252-lenient')
    """
    codec = detect_encoding(body, content_type)
    if codec == WINDOWS_1252_LENIENT:
        return body.decode("cp1252", errors="newscrawl-c1"), codec
    text = body.decode(codec)
    return text.removeprefix("\ufeff"), codec
