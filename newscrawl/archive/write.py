"""Writing what a crawl fetched as rotating, gzip'ed WARC files (warcio).

Each fetched response is written as a ``response`` record and its ``request`` record
(``WARC-Target-URI``, ``WARC-Date``, ``WARC-Payload-Digest`` and ``WARC-Block-Digest``,
``WARC-Concurrent-To`` linking the pair), one gzip member per record, into
``<prefix>-<time>-<serial>.warc.gz`` in the WARC directory. A file being written is named
``….warc.gz.open`` and held under an exclusive ``flock``; it is renamed to ``….warc.gz`` when
it reaches the size cap (the next record goes to a new file) or when the crawl closes.

A file left ``.open`` by a killed crawl has no live lock: :func:`recover` (run as the next
crawl into the directory starts, like a JOBDIR's) cuts it after its last whole gzip member
(a record cut short by the kill is dropped) and renames it to ``….warc.gz``; one with no whole
record is set aside as ``….warc.gz.broken``. Records are flushed to the operating system one
by one, so a record an article was stored from is on disk even if the crawl is killed.
"""

from __future__ import annotations

import fcntl
import logging
import os
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

logger = logging.getLogger(__name__)

#: ``request.meta`` key of where a response's record was written: ``(file, offset)``.
META_KEY = "nc_warc"
OPEN_SUFFIX = ".open"
BROKEN_SUFFIX = ".broken"
#: Default size cap of one file (Heritrix's default, 1 GB).
DEFAULT_MAX_SIZE = 1_000_000_000
#: Response headers not written as received: the body is written as Scrapy decoded it.
_DROPPED_HEADERS = frozenset({b"content-encoding", b"transfer-encoding", b"content-length"})


@dataclass(frozen=True, slots=True)
class Fetched:
    """One request and its response, as the crawl saw them."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    status: int
    response_headers: list[tuple[str, str]]
    body: bytes
    protocol: str = "HTTP/1.1"
    ip_address: str | None = None
    #: The body is the HTML a browser rendered (the page as it was extracted).
    rendered: bool = False
    fetched_at: datetime | None = None


def warc_meta(meta: Mapping[str, Any]) -> tuple[str, int] | None:
    """The ``(file, offset)`` of a response's record, when it was written.

    >>> warc_meta({META_KEY: ("/w/a.warc.gz", 120)}), warc_meta({})
    (('/w/a.warc.gz', 120), None)
    """
    value = meta.get(META_KEY)
    if isinstance(value, tuple | list) and len(value) == 2:
        return str(value[0]), int(value[1])
    return None


def warc_date(value: datetime | None) -> str:
    """A ``WARC-Date`` (UTC, microseconds: WARC 1.1 allows them).

    >>> warc_date(datetime(2026, 3, 1, 12, 0, 5, 250000, tzinfo=UTC))
    '2026-03-01T12:00:05.250000Z'
    """
    moment = (value or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def decoded_headers(raw: object) -> list[tuple[str, str]]:
    """A Scrapy ``Headers`` object as (name, value) text pairs, one per value, without the
    headers that describe an encoding the body no longer has."""
    out: list[tuple[str, str]] = []
    for name, values in raw.items():  # type: ignore[attr-defined]
        key = name if isinstance(name, bytes) else str(name).encode()
        if key.lower() in _DROPPED_HEADERS:
            continue
        for value in values:
            text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
            out.append((key.decode("latin-1"), text))
    return out


class WarcFiles:
    """The WARC files of one crawl: ``write`` records, ``close`` at the end."""

    def __init__(self, directory: str | Path, prefix: str, max_size: int = DEFAULT_MAX_SIZE,
                 info: dict[str, str] | None = None) -> None:  # fmt: skip
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.prefix = prefix
        self.max_size = max_size
        self.info = dict(info or {})
        self.serial = 0
        self.finished: list[Path] = []
        self._file: BinaryIO | None = None
        self._path: Path | None = None
        self._writer: WARCWriter | None = None

    @property
    def current(self) -> Path | None:
        """The final name of the file being written (without ``.open``)."""
        return self._path

    def _open(self) -> None:
        self.serial += 1
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        self._path = self.directory / f"{self.prefix}-{stamp}-{self.serial:05d}.warc.gz"
        handle = open(str(self._path) + OPEN_SUFFIX, "xb")  # noqa: SIM115 (closed by close())
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._file = handle
        self._writer = WARCWriter(handle, gzip=True, warc_version="1.1")
        info = {"software": "newscrawl", "format": "WARC File Format 1.1", **self.info}
        self._writer.write_record(self._writer.create_warcinfo_record(self._path.name, info))
        handle.flush()

    def write(self, fetched: Fetched) -> tuple[Path, int]:
        """Write the response and request records; returns the file (its final name) and
        offset of the response record."""
        if self._writer is None:
            self._open()
        assert self._writer is not None and self._file is not None and self._path is not None
        writer, path = self._writer, self._path
        offset = self._file.tell()
        date = warc_date(fetched.fetched_at)
        extra = {"WARC-Date": date}
        if fetched.ip_address:
            extra["WARC-IP-Address"] = fetched.ip_address
        if fetched.rendered:  # a browser's HTML, not the bytes the server sent
            extra["WARC-Profile"] = "newscrawl:rendered-html"
        response = writer.create_warc_record(
            fetched.url,
            "response",
            payload=BytesIO(fetched.body),
            length=len(fetched.body),
            http_headers=StatusAndHeaders(
                f"{fetched.status} {_reason(fetched.status)}",
                [*fetched.response_headers, ("Content-Length", str(len(fetched.body)))],
                protocol=fetched.protocol,
            ),
            warc_headers_dict=extra,
        )
        target = fetched.url.split("#")[0]
        path_part = "/" + target.split("://", 1)[-1].partition("/")[2]
        request = writer.create_warc_record(
            fetched.url,
            "request",
            payload=BytesIO(b""),
            length=0,
            http_headers=StatusAndHeaders(
                f"{fetched.method} {path_part} {fetched.protocol}",
                fetched.request_headers,
                is_http_request=True,
            ),
            warc_headers_dict={"WARC-Date": date},
        )
        writer.write_request_response_pair(request, response)
        self._file.flush()
        if self._file.tell() >= self.max_size:
            self._finish()
        return path, offset

    def _finish(self) -> None:
        if self._file is None or self._path is None:
            return
        self._file.flush()
        os.fsync(self._file.fileno())
        os.replace(str(self._path) + OPEN_SUFFIX, self._path)
        self._file.close()  # the lock goes with it, after the rename
        self.finished.append(self._path)
        self._file = self._path = self._writer = None

    def close(self) -> None:
        self._finish()


def whole_members_end(path: str | Path) -> int:
    """Where the last whole gzip member of ``path`` ends (0: none is whole)."""
    end = offset = 0
    inflater = zlib.decompressobj(31)
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            data = chunk
            while data:
                try:
                    inflater.decompress(data, 1 << 16)
                    while inflater.unconsumed_tail and not inflater.eof:
                        inflater.decompress(inflater.unconsumed_tail, 1 << 16)
                except zlib.error:
                    return end
                if inflater.eof:
                    used = len(data) - len(inflater.unused_data)
                    offset += used
                    end = offset
                    data = inflater.unused_data
                    inflater = zlib.decompressobj(31)
                else:
                    offset += len(data)
                    data = b""
    return end


def recover(directory: str | Path) -> list[tuple[Path, str]]:
    """Finish the files crawls killed while writing left in ``directory`` (those no live
    crawl holds); returns (file, what was done) for each."""
    done: list[tuple[Path, str]] = []
    folder = Path(directory)
    if not folder.is_dir():
        return done
    for left in sorted(folder.glob(f"*.warc.gz{OPEN_SUFFIX}")):
        try:
            handle = open(left, "r+b")  # noqa: SIM115 (closed below)
        except OSError:
            continue
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # a live crawl is writing it
            handle.close()
            continue
        try:
            size = os.fstat(handle.fileno()).st_size
            end = whole_members_end(left)
            final = left.with_name(left.name.removesuffix(OPEN_SUFFIX))
            if end == 0:
                target = final.with_name(final.name + BROKEN_SUFFIX)
                what = "no whole record: set aside"
            else:
                handle.truncate(end)
                os.fsync(handle.fileno())
                target = final
                what = f"finished ({size - end} bytes of a cut-off record dropped)"
            os.replace(left, target)
            done.append((target, what))
            logger.warning("WARC file left open by a stopped crawl: %s: %s", target, what)
        finally:
            handle.close()
    return done
