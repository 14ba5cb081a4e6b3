"""WARC files built from the loopback newsroom's pages (nothing downloaded), for import tests.

:func:`newsroom_records` gives every page the newsroom serves as a response record (its real
status and content type); :func:`write_warc` writes records, plus request, revisit, metadata
and odd records on demand, gzip'ed or plain, in the order given.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newscrawl.demo.newsroom import build_newsroom


@dataclass(frozen=True, slots=True)
class Rec:
    """One record to write: a response unless ``kind`` says otherwise."""

    url: str
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    kind: str = "response"
    date: datetime | None = None
    extra_headers: tuple[tuple[str, str], ...] = ()


def newsroom_records(port: int = 8765) -> list[Rec]:
    """Every page of the newsroom on ``port`` as a response record (robots.txt, feeds,
    images and HTML pages alike), in the newsroom's own order."""
    room = build_newsroom(port)
    out = []
    for site in room.sites.values():
        for path, resource in site.pages.items():
            out.append(Rec(site.url(path), resource.body, resource.content_type, resource.status))
    return out


def article_urls(records: Iterable[Rec]) -> set[str]:
    return {r.url for r in records if r.kind == "response"}


def _date(rec: Rec) -> str:
    when = rec.date or datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def write_warc(path: Path, records: Iterable[Rec], *, gzip: bool = True) -> Path:
    """Write ``records`` (a request record before each response) to ``path``."""
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gzip)
        for rec in records:
            headers = {"WARC-Date": _date(rec), **dict(rec.extra_headers)}
            if rec.kind in ("response", "revisit"):
                http = StatusAndHeaders(
                    f"{rec.status} {'OK' if rec.status == 200 else 'Other'}",
                    [("Content-Type", rec.content_type)],
                    protocol="HTTP/1.1",
                )
                request = StatusAndHeaders("GET / HTTP/1.1", [("Host", "x")], is_http_request=True)
                writer.write_record(writer.create_warc_record(
                    rec.url, "request", http_headers=request, warc_headers_dict=headers
                ))  # fmt: skip
                payload = BytesIO(rec.body if rec.kind == "response" else b"")
                writer.write_record(writer.create_warc_record(
                    rec.url, rec.kind, payload=payload, http_headers=http,
                    warc_headers_dict=headers,
                ))  # fmt: skip
            else:
                writer.write_record(writer.create_warc_record(
                    rec.url, rec.kind, payload=BytesIO(rec.body),
                    warc_content_type=rec.content_type, warc_headers_dict=headers,
                ))  # fmt: skip
    return path


def shuffled(records: list[Rec], seed: int = 18) -> list[Rec]:
    out = list(records)
    random.Random(seed).shuffle(out)
    return out
