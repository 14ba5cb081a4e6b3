"""The publisher catalogue: the format, its errors, migration of old sources files, listing."""

from __future__ import annotations

import datetime as dt
import http.server
import logging
import threading
from pathlib import Path
from typing import ClassVar

import pytest

from newscrawl.cli import main
from newscrawl.publishers import (
    BUNDLED_CATALOGUE,
    PublisherError,
    bundled_catalogue,
    find_publisher,
    load_catalogue,
    parse_catalogue_text,
    parse_publisher,
    publisher_toml,
    select_publishers,
)
from newscrawl.sites import site_for

GOOD = """\
name = "Der Tagesbote"
aliases = ["Tagesbote", "tagesbote.example"]
country = "de"
languages = ["de"]
domains = ["tagesbote.example"]

[[entry]]
url = "https://www.tagesbote.example/rss"
kind = "feed"
checked = 2026-12-03
via = "the publisher's RSS page"

[politeness]
DOWNLOAD_DELAY = 2.0

[extraction]
byline = ".autor a"
remove = [".newsletter"]
body_stop = ['^Mehr zum Thema']
"""


def write(folder: Path, relative: str, text: str) -> Path:
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_publisher_file_is_read_whole(tmp_path) -> None:
    write(tmp_path, "de/tagesbote.toml", GOOD)
    publisher = load_catalogue(tmp_path)["tagesbote"]
    assert publisher.names == ("Der Tagesbote", "Tagesbote", "tagesbote.example")
    assert publisher.entries[0].checked == dt.date(2026, 12, 3)
    source = publisher.source()
    assert source.name == "tagesbote" and source.politeness == {"DOWNLOAD_DELAY": 2.0}
    assert source.start_urls == ("https://www.tagesbote.example/rss",)
    site = publisher.site()
    assert site is not None and site.byline == ".autor a" and site.remove == (".newsletter",)
    assert not site.is_aggregator and site.source is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("name = ", "colour = 'red'\nname = "), "de/tagesbote.toml: colour: unknown key"),
        (('byline = ".autor a"', 'byline = "div[["'), "extraction.byline: bad CSS selector"),
        (('remove = [".newsletter"]', 'remove = ".newsletter"'), "extraction.remove: must be"),
        (("body_stop = ['^Mehr zum Thema']", "body_stop = ['(']"), "extraction.body_stop:"),
        (('byline = ".autor a"', 'author = ".autor a"'), "extraction.author: unknown key"),
        (('byline = ".autor a"', 'headline_from = "og:image"'), "extraction.headline_from: must"),
        (('byline = ".autor a"', 'headline_from = ["h1"]'), "extraction.headline_from: must be"),
        (("DOWNLOAD_DELAY = 2.0", "ITEM_PIPELINES = 1"), "politeness.ITEM_PIPELINES: not a"),
        (('kind = "feed"', 'kind = "podcast"'), "entry 1: kind: 'podcast' is not one of"),
        (('kind = "feed"', 'kind = "feed"\nlang = "de"'), "entry 1: lang: unknown key"),
        (("https://www.tagesbote.example/rss", "ftp://x"), "entry 1: url: not an http(s) URL"),
        (("checked = 2026-12-03", 'checked = "yesterday"'), "entry 1: checked: must be a date"),
        (('country = "de"', 'country = "at"'), "country: must be 'de', the folder it is in"),
        (('languages = ["de"]', 'languages = ["German"]'), "languages: 'German' is not"),
        (('name = "Der Tagesbote"', "name = 3"), "name: must be a non-empty string"),
        (("[[entry]]", "[[entry"), "not valid TOML"),
    ],
)
def test_a_bad_file_is_refused_naming_the_file_and_key(tmp_path, change, message) -> None:
    old, new = change
    assert old in GOOD
    write(tmp_path, "de/tagesbote.toml", GOOD.replace(old, new, 1))
    with pytest.raises(PublisherError) as caught:
        load_catalogue(tmp_path)
    assert message in str(caught.value)
    assert "tagesbote.toml" in str(caught.value)


def test_a_headline_source_is_read(tmp_path) -> None:
    write(
        tmp_path,
        "de/tagesbote.toml",
        GOOD.replace("[extraction]", "[extraction]\nheadline_from = 'og:title'"),
    )
    site = load_catalogue(tmp_path)["tagesbote"].site()
    assert site is not None and site.headline_from == "og:title" and site.headline is None


def test_one_name_names_one_publisher(tmp_path) -> None:
    write(tmp_path, "de/tagesbote.toml", GOOD)
    write(tmp_path, "at/bote.toml", 'name = "Der Bote"\naliases = ["TAGESBOTE"]\ncountry = "at"\n')
    with pytest.raises(PublisherError, match="'tagesbote' also names"):
        load_catalogue(tmp_path)


def test_lookup_by_key_name_or_alias_and_selection(tmp_path) -> None:
    write(tmp_path, "de/tagesbote.toml", GOOD)
    write(tmp_path, "fr/matin.toml", 'name = "Le Matin"\ncountry = "fr"\nlanguages = ["fr"]\n')
    catalogue = load_catalogue(tmp_path)
    assert find_publisher(catalogue, "der  TAGESBOTE").key == "tagesbote"  # type: ignore[union-attr]
    assert find_publisher(catalogue, "le-matin").key == "matin"  # type: ignore[union-attr]
    assert find_publisher(catalogue, "Le Soir") is None
    assert [p.key for p in select_publishers(catalogue, country="FR")] == ["matin"]
    assert [p.key for p in select_publishers(catalogue, language="de")] == ["tagesbote"]
    with pytest.raises(PublisherError, match="unknown publishers: Le Soir"):
        select_publishers(catalogue, ["Le Soir"])


def test_old_sources_files_are_read_with_a_deprecation_warning(tmp_path, caplog) -> None:
    old = write(
        tmp_path,
        "sources.toml",
        '[[source]]\nname = "bote"\nstart_urls = ["https://bote.example/feed"]\n'
        "politeness = { DOWNLOAD_DELAY = 3 }\n",
    )
    with caplog.at_level(logging.WARNING, logger="newscrawl.publishers"):
        publisher = load_catalogue(old)["bote"]
    assert "deprecated" in caplog.text and "newscrawl publishers migrate" in caplog.text
    assert publisher.domains == ("bote.example",) and publisher.entries[0].kind == "feed"

    migrated = tmp_path / "publishers.toml"
    assert main(["publishers", "migrate", str(old), "--output", str(migrated)]) == 0
    assert "\n[[source]]" not in migrated.read_text()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="newscrawl.publishers"):
        again = load_catalogue(migrated)["bote"]
    assert "deprecated" not in caplog.text
    assert again.source() == publisher.source()


def test_a_publisher_written_out_reads_back_the_same(tmp_path) -> None:
    write(tmp_path, "de/tagesbote.toml", GOOD)
    publisher = load_catalogue(tmp_path)["tagesbote"]
    text = publisher_toml(publisher, "publisher.tagesbote")
    again = parse_catalogue_text(text, "copy.toml")["tagesbote"]
    assert again.entries == publisher.entries and again.extraction == publisher.extraction
    assert again.source() == publisher.source() and again.names == publisher.names
    alone = parse_publisher("tagesbote", __import__("tomllib").loads(publisher_toml(publisher)), "")
    assert alone.site() == publisher.site()


def test_the_bundled_catalogue(tmp_path) -> None:
    catalogue = bundled_catalogue()
    assert {"independent", "apnews", "guardian", "bbc", "inkl"} <= set(catalogue)
    for publisher in catalogue.values():
        where = publisher.origin
        assert Path(where).parent.name == publisher.country, where
        assert publisher.languages and publisher.domains and publisher.entries, where
        for entry in publisher.entries:
            assert entry.checked is not None and entry.via, f"{where}: {entry.url}"
    inkl = catalogue["inkl"]
    assert inkl.kind == "aggregator" and inkl.needs_js and not inkl.enabled
    assert site_for("https://www.inkl.com/news/x") == inkl.site()
    assert find_publisher(catalogue, "The Associated Press") is catalogue["apnews"]
    assert sorted(p.name for p in BUNDLED_CATALOGUE.glob("*/*.toml")) == sorted(
        f"{key}.toml" for key in catalogue
    )


def test_publishers_command_lists_and_filters(tmp_path, capsys) -> None:
    write(tmp_path, "de/tagesbote.toml", GOOD)
    write(tmp_path, "fr/matin.toml", 'name = "Le Matin"\ncountry = "fr"\nlanguages = ["fr"]\n')
    assert main(["publishers", "--sources", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert [line.split()[0] for line in out.splitlines()] == ["tagesbote", "matin"]
    assert "2 publishers, 2 countries" in err
    assert main(["publishers", "--sources", str(tmp_path), "--language", "fr", "--json"]) == 0
    out = capsys.readouterr().out
    assert '"key": "matin"' in out and "tagesbote" not in out
    assert main(["publishers", "--sources", str(tmp_path), "--country", "zz"]) == 2
    assert "no publisher in country 'zz' (known: de, fr)" in capsys.readouterr().err
    write(tmp_path, "fr/soir.toml", 'name = "Le Soir"\ncountry = "fr"\nwebsite = "x"\n')
    assert main(["publishers", "--sources", str(tmp_path)]) == 2
    assert "soir.toml: website: unknown key" in capsys.readouterr().err


class _Site(http.server.BaseHTTPRequestHandler):
    """A publisher whose entry points play every case of ``publishers check``."""

    PAGES: ClassVar[dict[str, tuple[int, str, bytes]]] = {
        "/robots.txt": (200, "text/plain", b"User-agent: *\nDisallow: /private/\n"),
        "/feed.xml": (
            200,
            "application/rss+xml",
            b'<rss version="2.0"><channel><item><link>/a</link></item></channel></rss>',
        ),
        "/sitemap.xml": (
            200,
            "application/xml",
            b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            b"<url><loc>http://x.example/a</loc></url></urlset>",
        ),
        "/": (200, "text/html", b"<html><body><a href='/a'>A</a></body></html>"),
        "/not-a-feed": (200, "text/html", b"<html><body><p>Moved to our app</p></body></html>"),
        "/error": (500, "text/plain", b"oops"),
        "/private/feed.xml": (200, "application/rss+xml", b"<rss/>"),
    }

    def do_GET(self) -> None:
        if self.path == "/old-feed":
            self.send_response(301)
            self.send_header("Location", "/feed.xml")
            self.end_headers()
            return
        status, kind, body = self.PAGES.get(self.path, (404, "text/plain", b"gone"))
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_publishers_check_reports_each_case(site, tmp_path, capsys, monkeypatch) -> None:
    base = f"http://{site}"
    entries = [
        ("/feed.xml", "feed"), ("/sitemap.xml", "news-sitemap"), ("/", "page"),
        ("/old-feed", "feed"), ("/gone.xml", "sitemap"), ("/not-a-feed", "feed"),
        ("/error", "feed"), ("/private/feed.xml", "feed"),
    ]  # fmt: skip
    catalogue = tmp_path / "catalogue.toml"
    catalogue.write_text(
        '[publisher.bote]\nname = "Bote"\n'
        + "".join(
            f'[[publisher.bote.entry]]\nurl = "{base}{path}"\nkind = "{kind}"\n'
            for path, kind in entries
        )
    )
    monkeypatch.setenv("NEWSCRAWL_ALLOWED_PRIVATE_HOSTS", site)
    assert main(["publishers", "--sources", str(catalogue), "check", "bote"]) == 1
    out, err = capsys.readouterr()
    got: dict[str, list[str]] = {}
    for line in out.splitlines():
        words = line.split()
        url = next(w for w in words if w.startswith("http"))
        got[url.removeprefix(base)] = [w for w in words[1:] if w != url]
    assert got["/feed.xml"][0] == "ok" and got["/sitemap.xml"][0] == "ok" and got["/"][0] == "ok"
    assert got["/old-feed"][0] == "redirected" and f"{base}/feed.xml" in got["/old-feed"]
    assert got["/gone.xml"][0] == "gone"
    assert " ".join(got["/not-a-feed"][:3]) == "not a feed"
    assert got["/error"][0] == "error" and "HTTP 500" in " ".join(got["/error"])
    assert got["/private/feed.xml"][0] == "skipped"
    assert "8 entry points checked: 3 broken, 1 redirected" in err

    # all well: exit 0; a private host nobody allowed: refused, as a crawl would
    assert main(["publishers", "--sources", str(catalogue), "check", "bote"]) == 1
    capsys.readouterr()
    catalogue.write_text(
        f'[publisher.bote]\nentry = [{{ url = "{base}/feed.xml", kind = "feed" }}]\n'
    )
    assert main(["publishers", "--sources", str(catalogue), "check"]) == 0
    assert "1 entry points checked: 0 broken" in capsys.readouterr().err
    monkeypatch.delenv("NEWSCRAWL_ALLOWED_PRIVATE_HOSTS")
    assert main(["publishers", "--sources", str(catalogue), "check"]) == 1
    assert "refused" in capsys.readouterr().out
