"""Feed parsing: RSS 2.0, RSS 1.0 (RDF), Atom and JSON Feed, and feed sniffing."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from newscrawl.discover.feeds import parse_feed
from newscrawl.discover.kinds import PageKind, sniff_kind

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>AP</title>
<entry><title>One</title><link rel="alternate" href="/article/one-12345"/>
<updated>2024-09-03T12:00:00-04:00</updated></entry>
<entry><title>Two</title><link href="https://apnews.example/article/two-67890"/></entry>
</feed>"""

RDF = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://n.example/"><title>N</title></channel>
<item rdf:about="https://n.example/a"><title>A</title><link>https://n.example/a</link>
<dc:date>2024-05-03T10:00:00Z</dc:date></item></rdf:RDF>"""


def test_atom_relative_links_resolved_against_feed_url() -> None:
    entries = parse_feed(ATOM, "https://apnews.example/feed/atom")
    assert [e.url for e in entries] == [
        "https://apnews.example/article/one-12345",
        "https://apnews.example/article/two-67890",
    ]
    assert entries[0].published == datetime(2024, 9, 3, 16, 0, tzinfo=UTC)
    assert entries[1].published is None
    assert sniff_kind(ATOM) is PageKind.FEED


def test_rss1_rdf() -> None:
    entries = parse_feed(RDF, "https://n.example/rdf")
    assert [(e.url, e.title) for e in entries] == [("https://n.example/a", "A")]
    assert sniff_kind(RDF, "application/octet-stream") is PageKind.FEED


def test_json_feed_external_url_and_bad_items() -> None:
    body = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "S",
            "items": [
                {"id": "1", "external_url": "https://s.example/x", "date_modified": "2024-01-02"},
                {"id": "2", "url": 42},
                "junk",
            ],
        }
    ).encode()
    entries = parse_feed(body, "https://s.example/feed.json")
    assert [e.url for e in entries] == ["https://s.example/x"]
    assert entries[0].published == datetime(2024, 1, 2, tzinfo=UTC)
    assert sniff_kind(body, "application/json") is PageKind.FEED


def test_garbage_is_no_entries() -> None:
    assert parse_feed(b"\x00\xff not a feed", "https://x.example/") == []
    assert parse_feed(b'{"version": "https://jsonfeed.org/version/1", "items": {', "x") == []
