"""``newscrawl serve`` over HTTP, on SQLite and Postgres: pages, safety of hostile text, the
JSON API (search, the article feed on the export cursor), read-only, mistakes in one line.
The same reader in chromium: tests/test_reader_browser.py."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from datetime import timedelta

import lxml.html
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from newscrawl.article import Image
from newscrawl.reader.app import CONTENT_SECURITY_POLICY
from newscrawl.reader.server import read_only_engine
from newscrawl.store import Store
from newscrawl.store.changes import Cursor
from newscrawl.store.engine import create_engine
from newscrawl.store.export import iter_articles, open_window
from newscrawl.store.schema import articles
from tests.clikit import newscrawl
from tests.readerkit import HOSTILE, serve
from tests.storekit import T0, article

pytestmark = pytest.mark.slow

INDY = "https://www.independent.co.uk/news/"


def _fill(store: Store) -> dict[str, int]:
    wire = "Wire story body about the harbour strike, carried word for word. " * 12
    store.write([
        article(1, INDY + "harbour", headline="Harbour strike ends", body=wire,
                wire_credits=["Associated Press"], language="en",
                images=[Image("https://img.example/lead.jpg", caption="Dockers at the gate",
                              credit="AP Photo"),
                        Image("https://img.example/2.jpg", caption="The harbour at dawn",
                              credit="Reuters")]),
        article(1, "https://www.standard.co.uk/news/harbour", headline="Harbour strike ends",
                body=wire, publisher="Evening Standard", source="standard",
                wire_credits=["Associated Press"], minutes=3),
    ])  # fmt: skip
    store.write([article(1, "https://www.inkl.com/news/harbour-strike", source="inkl",
                         publisher="The Independent", headline="Harbour strike ends",
                         body=wire, minutes=9)])  # fmt: skip
    store.write([HOSTILE])
    with store.engine.connect() as connection:
        rows = connection.execute(sa.select(articles.c.id, articles.c.canonical_url)).all()
    return {url: i for i, url in rows}


def test_pages_show_the_database(store: Store, database_url: str) -> None:
    ids = _fill(store)
    indy = ids[INDY + "harbour"]
    with serve(database_url) as reader:
        status, headers, body = reader.get("/")
        page = body.decode()
        assert status == 200 and headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert "2 publishers carry this story" in page
        assert page.index("Evening Standard") > 0 and "The Independent" in page

        status, _, body = reader.get(f"/article/{indy}")
        page = body.decode()
        assert status == 200
        for text in ("Dockers at the gate", "AP Photo", "The harbour at dawn", "Associated Press",
                     INDY + "harbour", "https://www.inkl.com/news/harbour-strike",
                     'referrerpolicy="no-referrer"', "The same story elsewhere"):  # fmt: skip
            assert text in page, text
        assert page.count('class="sighting"') == 2

        status, _, body = reader.get("/search?q=strike&publisher=Evening+Standard")
        assert status == 200 and body.decode().count('class="result"') == 1
        assert "<mark>strike</mark>" in body.decode()
        for path in ("/publishers", "/publisher/independent", "/runs"):
            assert reader.get(path)[0] == 200, path
        assert reader.get("/article/999999")[0] == 404
        assert reader.get("/?before=x")[0] == 400


def test_a_publisher_page_is_found_by_key_name_or_alias(store: Store, database_url: str) -> None:
    """/publisher/ takes what `newscrawl crawl --publisher` takes (the catalogue's key, name
    or alias in any case) and redirects to the page of the key articles are stored under."""
    _fill(store)
    with serve(database_url) as reader:
        assert reader.get("/publisher/eveningstandard", follow=False)[0] == 200
        assert 'href="/publisher/eveningstandard"' in reader.get("/")[2].decode()
        for asked, key in [("The%20Standard", "eveningstandard"),
                           ("LONDON%20EVENING%20STANDARD", "eveningstandard"),
                           ("Evening%20Standard", "eveningstandard"),
                           ("INDEPENDENT", "independent"),
                           ("independent.co.uk", "independent")]:  # fmt: skip
            status, headers, _ = reader.get(f"/publisher/{asked}", follow=False)
            assert (status, headers.get("location")) == (302, f"/publisher/{key}"), asked
        status, headers, _ = reader.get("/publisher/The%20Standard?before=5", follow=False)
        assert headers["location"] == "/publisher/eveningstandard?before=5"
        status, _, body = reader.get("/publisher/The%20Standard")
        assert status == 200 and "Evening Standard" in body.decode()
        for unknown in ("nosuch", "apnews", "Associated%20Press"):  # no AP article stored
            assert reader.get(f"/publisher/{unknown}", follow=False)[0] == 404, unknown


def assert_harmless(page: str, where: str) -> None:
    """No script, frame or svg element, no event handler attribute, and every link and
    image either on this server or an http(s) URL."""
    tree = lxml.html.fromstring(page)
    assert not tree.xpath("//script | //iframe | //svg | //object | //embed"), where
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (where, element.tag, name)
            if name in ("href", "src", "action"):
                assert value.startswith(("/", "http://", "https://")), (where, name, value)


def test_hostile_text_is_escaped_and_links_only_http(store: Store, database_url: str) -> None:
    ids = _fill(store)
    hostile = ids[HOSTILE.url]
    with serve(database_url) as reader:
        for path in (f"/article/{hostile}", "/", "/search?q=zanzibarian", "/publishers",
                     f"/publisher/{HOSTILE.publisher}"):  # fmt: skip
            status, headers, body = reader.get(path.replace(" ", "%20"))
            page = body.decode()
            assert status == 200, path
            assert_harmless(page, path)
            assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        page = reader.get(f"/article/{hostile}")[1:][1].decode()
        assert "&lt;script&gt;alert(&#39;headline&#39;)&lt;/script&gt;" in page
        assert 'src="https://img.hostile.example/ok.jpg&#34; onerror=&#34;alert(' in page


def test_read_only_and_safe_by_default(store: Store, database_url: str) -> None:
    _fill(store)
    with serve(database_url) as reader:
        assert reader.url.startswith("http://127.0.0.1:")
        for method in ("POST", "PUT", "DELETE"):
            command = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", method]
            done = subprocess.run([*command, reader.url], capture_output=True, text=True)
            assert done.stdout == "405", method
        # a page elsewhere whose DNS name was rebound to 127.0.0.1 names another host
        assert reader.get("/", Host="attacker.example")[0] == 400
        assert reader.get("/api/search?q=strike", Host="localhost")[0] == 200
    engine = read_only_engine(create_engine(database_url))
    try:
        if engine.dialect.name == "postgresql":
            with (
                pytest.raises(DBAPIError, match="read-only transaction"),
                engine.begin() as connection,
            ):
                connection.execute(articles.update().values(headline="x"))
    finally:
        engine.dispose()


def test_api_search_and_article(store: Store, database_url: str) -> None:
    ids = _fill(store)
    with serve(database_url) as reader:
        status, headers, body = reader.get("/api/search?q=%22harbour+strike%22&agency=AP")
        data = json.loads(body)
        assert status == 200 and headers["content-type"] == "application/json"
        found = {r["id"]: r for r in data["results"]}
        assert set(found) == {ids[INDY + "harbour"], ids["https://www.standard.co.uk/news/harbour"]}
        assert all("[" in r["snippet"] and r["wire_credits"] == ["Associated Press"]
                   for r in found.values())  # fmt: skip
        until = (T0 - timedelta(days=1)).date().isoformat()
        assert json.loads(reader.get(f"/api/search?q=harbour&until={until}")[2])["results"] == []
        assert reader.get("/api/search?q=")[0] == 400
        assert json.loads(reader.get("/api/search?q=-strike")[2])["error"].startswith("nothing")
        status, _, body = reader.get(f"/api/articles/{ids[INDY + 'harbour']}")
        one = json.loads(body)
        assert len(one["sightings"]) == 2 and one["same_story"]


def test_api_feed_pages_on_the_export_cursor(store: Store, database_url: str) -> None:
    for batch in range(4):  # four batches of three articles: four change numbers
        store.write([article(10 * batch + i, f"{INDY}feed-{batch}-{i}") for i in range(3)])
    seen: list[int] = []
    with serve(database_url) as reader:

        def page(cursor: str) -> dict:
            """A page of the feed; on Postgres another test's open transaction (any database
            of the server) may hold rows back for a while: they wait, never get lost."""
            for _ in range(300):
                data = json.loads(reader.get(f"/api/articles?limit=4&cursor={cursor}")[2])
                if data["articles"] or not data["waiting"]:
                    return data
                time.sleep(0.1)
            raise AssertionError("rows held back for 30 s")

        cursor, pages = "", 0
        while True:
            data = page(cursor)
            seen += [a["id"] for a in data["articles"]]
            cursor, pages = data["cursor"], pages + bool(data["articles"])
            assert len(data["articles"]) in (0, 3)  # a page ends at a batch boundary
            if not data["more"] and not data["waiting"]:
                break
        assert len(seen) == len(set(seen)) == 12 and pages == 4
        # the cursor is an export cursor: an export from it prints what changed since
        store.write([article(99, INDY + "later")])
        later = page(cursor)
        assert [a["canonical_url"] for a in later["articles"]] == [INDY + "later"]
        window = open_window(store.engine, Cursor.parse(cursor))
        assert INDY + "later" in [
            a.canonical_url for a in iter_articles(store.engine, window=window)
        ]
        other = "nc1-postgresql-5" if database_url.startswith("sqlite") else "nc1-sqlite-5"
        status, _, body = reader.get(f"/api/articles?cursor={other}")
        assert status == 400 and "database" in json.loads(body)["error"]


def test_serve_mistakes_are_one_line(database_url: str, tmp_path) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        for args, wanted in (
            (["--port", str(port)], "cannot listen on 127.0.0.1:"),
            (["--port", "70000"], "a port from 0 to 65535"),
            (["--host", "no-such-host.invalid", "--port", "0"], "cannot listen on"),
        ):
            done = newscrawl("serve", "--database-url", database_url, *args, cwd=tmp_path)
            assert done.returncode == 2, (args, done.stderr)
            assert wanted in done.stderr and "Traceback" not in done.stderr, done.stderr
    finally:
        taken.close()
    missing = f"sqlite:///{tmp_path / 'none.db'}"
    done = newscrawl("serve", "--database-url", missing, cwd=tmp_path)
    assert done.returncode == 2 and "no database at" in done.stderr


def test_latest_stories_page_back_without_repeating_a_story(store: Store) -> None:
    """70 stories, one of them carried again by a second publisher much later: each story
    is on exactly one page, the one of its newest article, with all its articles."""
    from newscrawl.reader.queries import latest_stories

    store.write([article(n, f"{INDY}story-{n}", minutes=n) for n in range(70)])
    store.write([article(3, "https://www.standard.co.uk/news/story-3", minutes=99,
                         publisher="Evening Standard", source="standard")])  # fmt: skip
    pages, before = [], None
    with store.engine.connect() as connection:
        while True:
            page = latest_stories(connection, before)
            pages.append(page.stories)
            if page.next_before is None:
                break
            before = page.next_before
    stories = [s for page in pages for s in page]
    assert len(stories) == len({s.story_id for s in stories}) == 70
    assert len(pages) >= 3
    first = pages[0][0]
    assert [a.publisher for a in first.articles] == ["Evening Standard", "The Independent"]
