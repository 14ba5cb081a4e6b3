"""Sitemaps: index with a gzipped child, Google News tags, lastmod filtering, robots.txt."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest

from newscrawl.discover.kinds import PageKind, sniff_kind
from newscrawl.discover.sitemaps import decompress, parse_sitemap, robots_sitemaps

INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://n.example/sitemap-2024-05.xml.gz</loc><lastmod>2024-05-31</lastmod></sitemap>
  <sitemap><loc>https://n.example/sitemap-2019-01.xml.gz</loc><lastmod>2019-01-31</lastmod></sitemap>
</sitemapindex>"""

CHILD = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc> https://n.example/2024/05/03/a </loc><lastmod>2024-05-03T10:00:00+01:00</lastmod></url>
  <url><lastmod>2024-05-03</lastmod></url>
  <url><loc>https://n.example/2024/05/04/b</loc></url>
</urlset>"""


def test_index_and_gzipped_child() -> None:
    index = parse_sitemap(INDEX)
    assert index.is_index
    recent = index.since(datetime(2024, 1, 1, tzinfo=UTC))
    assert [e.loc for e in recent] == ["https://n.example/sitemap-2024-05.xml.gz"]

    child = parse_sitemap(decompress(gzip.compress(CHILD)))
    assert not child.is_index
    assert [e.loc for e in child.entries] == [
        "https://n.example/2024/05/03/a",
        "https://n.example/2024/05/04/b",
    ]
    assert child.entries[0].lastmod == datetime(2024, 5, 3, 9, 0, tzinfo=UTC)
    assert sniff_kind(decompress(gzip.compress(CHILD))) is PageKind.SITEMAP


def test_gzip_bomb_is_bounded() -> None:
    bomb = gzip.compress(b"<urlset>" + b" " * 5_000_000)
    with pytest.raises(Exception, match=r"max|size|larger"):
        decompress(bomb, max_size=1_000_000)


def test_entities_are_not_resolved() -> None:
    evil = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
    <urlset><url><loc>https://n.example/&e;</loc></url></urlset>"""
    entries = parse_sitemap(evil).entries
    assert all("root:" not in e.loc for e in entries)


def test_truncated_sitemap_keeps_complete_entries() -> None:
    doc = parse_sitemap(
        CHILD[: CHILD.index(b"<url><loc>https://n.example/2024/05/04")] + b"<url><lo"
    )
    assert [e.loc for e in doc.entries] == ["https://n.example/2024/05/03/a"]


def test_robots_sitemaps() -> None:
    robots = b"User-agent: *\nDisallow: /search\nSitemap: https://n.example/news-sitemap.xml\n"
    assert list(robots_sitemaps(robots, "https://n.example/robots.txt")) == [
        "https://n.example/news-sitemap.xml"
    ]
