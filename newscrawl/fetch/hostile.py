"""Recognise responses that must not reach extraction: binary files labelled as HTML,
empty documents, oversized bodies, and name the download failures a hostile server
causes. Pure functions; ``middlewares/hostile.py`` is the Scrapy glue.
"""

from __future__ import annotations

import re

#: Magic numbers of formats servers send as ``text/html`` by mistake (or on purpose).
MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"PK\x03\x04", "zip"),
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"Rar!\x1a\x07", "rar"),
    (b"\x7fELF", "elf"),
    (b"MZ", "exe"),
    (b"OggS", "ogg"),
    (b"ID3", "mp3"),
    (b"\x1aE\xdf\xa3", "webm"),
    (b"wOFF", "woff"),
    (b"wOF2", "woff2"),
    (b"\x00\x00\x01\x00", "ico"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),  # old MS Office
)

#: Compressed formats a crawler may legitimately receive as "text" (gzipped sitemaps).
COMPRESSED = frozenset({"gzip", "bzip2", "xz", "zip"})

_HEAD_OPEN_RE = re.compile(rb"(?i)<head\b")
_HEAD_CLOSE_RE = re.compile(rb"(?i)</head\s*>")
_SKIP_RE = re.compile(rb"(?is)<(script|style|template|noscript)\b.*?</\1\s*>|<!--.*?-->")
_SCRIPT_RE = re.compile(rb"(?i)<script\b")
_TEXT_PROBE = 2 * 1024 * 1024  # enough to tell an empty shell from a page


def sniff_binary(body: bytes) -> str | None:
    """The binary format a body really is, whatever its Content-Type says, or None.

    >>> sniff_binary(b"%PDF-1.7 ..."), sniff_binary(b"\\x89PNG\\r\\n\\x1a\\n...")
    ('pdf', 'png')
    >>> sniff_binary(b"RIFF\\x00\\x00\\x00\\x00WEBPVP8 ")
    'webp'
    >>> sniff_binary(b"\\x00\\x00\\x00\\x18ftypmp42")
    'mp4'
    >>> sniff_binary(b"  <!doctype html><html>...") is None
    True
    >>> sniff_binary(b"<html>" + b"\\x00" * 100)
    'binary'
    """
    head = body[:64]
    for magic, name in MAGIC:
        if head.startswith(magic):
            return name
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp":
        return "mp4"
    probe = body[:1024]
    # UTF-16/32 text has NULs too: only call it binary without such a BOM.
    if probe.count(0) > len(probe) // 10 and not probe.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary"
    return None


def has_visible_text(body: bytes) -> bool:
    """Whether an HTML document has any text outside <head>, scripts and comments.

    >>> has_visible_text(b"<html><head><title>Only a title</title></head></html>")
    False
    >>> has_visible_text(b"<html><head><title>t</title></head><p>Text")
    True
    >>> has_visible_text(b"<script>render()</script>  <!-- app shell --> <div id=app></div>")
    False
    """
    probe = _strip_heads(body[:_TEXT_PROBE])
    # Same answer as removing every skipped block, then every tag, and looking at what is
    # left, but it walks the gaps between skipped blocks in order and stops at the first
    # text, instead of rewriting the whole page twice.
    in_tag = False  # a "<" seen and its ">" not yet: a tag may span a removed block
    start = 0
    for block in _SKIP_RE.finditer(probe):
        found, in_tag = _text_outside_tags(probe, start, block.start(), in_tag)
        if found:
            return True
        start = block.end()
    found, in_tag = _text_outside_tags(probe, start, len(probe), in_tag)
    return found or in_tag  # a "<" never closed is not a tag: it is text


def _strip_heads(data: bytes) -> bytes:
    """``re.sub(rb"(?is)<head\\b.*?</head\\s*>", b" ", data)``, two searches per head, not a lazy
    ``.*?`` stepping one byte at a time through a head full of inline scripts and styles."""
    out: list[bytes] = []
    pos = 0
    while (opening := _HEAD_OPEN_RE.search(data, pos)) is not None:
        closing = _HEAD_CLOSE_RE.search(data, opening.end())
        if closing is None:
            break
        out += (data[pos : opening.start()], b" ")
        pos = closing.end()
    if not out:
        return data
    out.append(data[pos:])
    return b"".join(out)


def _text_outside_tags(data: bytes, start: int, end: int, in_tag: bool) -> tuple[bool, bool]:
    """(non-blank text outside ``<…>`` in ``data[start:end]``, still inside a tag at end)."""
    i = start
    while i < end:
        if in_tag:
            close = data.find(b">", i, end)
            if close < 0:
                return False, True
            in_tag, i = False, close + 1
        else:
            opening = data.find(b"<", i, end)
            stop = end if opening < 0 else opening
            if data[i:stop].strip():
                return True, False
            if opening < 0:
                return False, False
            in_tag, i = True, opening + 1
    return False, in_tag


def drop_reason(body: bytes, *, max_size: int, rendered: bool = False) -> str | None:
    """Why a response labelled as HTML must be dropped, or None to keep it.

    A document without visible text is kept when it has scripts and was not rendered
    yet: it may be an app shell the spiders send to the browser.

    >>> drop_reason(b"", max_size=100), drop_reason(b"%PDF-1.4", max_size=100)
    ('empty', 'binary_pdf')
    >>> drop_reason(b"<p>" + b"x" * 200, max_size=100)
    'too_large'
    >>> drop_reason(b"<html><head><title>t</title></head></html>", max_size=100)
    'no_content'
    >>> shell = b"<html><body><div id=app></div><script src=app.js></script></body></html>"
    >>> drop_reason(shell, max_size=1000), drop_reason(shell, max_size=1000, rendered=True)
    (None, 'no_content')
    >>> drop_reason(b"<p>news</p>", max_size=100) is None
    True
    """
    if not body.strip():
        return "empty"
    if max_size and len(body) > max_size:
        return "too_large"
    binary = sniff_binary(body)
    if binary:
        return f"binary_{binary}"
    if not has_visible_text(body) and (rendered or _SCRIPT_RE.search(body[:_TEXT_PROBE]) is None):
        return "no_content"
    return None


#: Download exception class names -> the reason counted for them.
EXCEPTION_REASONS: dict[str, str] = {
    "DownloadCancelledError": "too_large",  # DOWNLOAD_MAXSIZE hit while receiving
    "ResponseDataLossError": "data_loss",  # broken chunked / short body
    "ResponseFailed": "data_loss",
    "PotentialDataLoss": "data_loss",
    "DownloadTimeoutError": "timeout",
    "TimeoutError": "timeout",
    "TCPTimedOutError": "timeout",
    "DownloadConnectionRefusedError": "connection_refused",
    "ConnectionRefusedError": "connection_refused",
    "DownloadFailedError": "connection_lost",
    "ConnectionLost": "connection_lost",
    "ConnectionDone": "connection_lost",
    "ConnectionAborted": "connection_lost",
    "CannotResolveHostError": "dns",
    "DNSLookupError": "dns",
}


def exception_reason(exc: BaseException) -> str:
    """A stats slug for a download exception, by class name along its MRO.

    >>> exception_reason(TimeoutError()), exception_reason(ValueError())
    ('timeout', 'other')
    """
    for cls in type(exc).__mro__:
        if cls.__name__ in EXCEPTION_REASONS:
            return EXCEPTION_REASONS[cls.__name__]
    return "other"
