"""Round trip: crawl the loopback newsroom writing WARC into one database, import those files
into a second one: both hold the same articles, authors, credits and images, and each page's
sighting points at the same record. Then an archived copy of a crawled article at another
URL is one row with two sightings. Real processes (``newscrawl crawl``, ``newscrawl import``),
on SQLite and Postgres."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastwarc.warc import ArchiveIterator
from sqlalchemy import select

from newscrawl.archive.read import read_page
from newscrawl.store.engine import create_engine
from newscrawl.store.schema import article_authors, article_credits, articles, images, sightings
from tests.conftest import BACKENDS
from tests.newsroomkit import Newsroom, newsroom_fixture, run_scrapy  # noqa: F401  (fixture)
from tests.test_warc_import import run_import
from tests.warckit import Rec, write_warc


def contents(url: str) -> dict[str, Any]:
    """What a database holds, keyed by canonical URL (ids differ between databases)."""
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            canon = dict(c.execute(select(articles.c.id, articles.c.canonical_url)).all())
            rows = {
                r.canonical_url: (r.headline, r.body, r.publisher, r.section, r.published_at)
                for r in c.execute(select(articles))
            }
            authors = {(canon[a], p, n) for a, p, n in c.execute(select(article_authors)).all()}
            credits = {(canon[a], g) for a, g in c.execute(select(article_credits)).all()}
            pictures = {
                (canon[r.article_id], r.position, r.url, r.caption, r.credit)
                for r in c.execute(select(images))
            }
            seen = {
                r.url: (canon[r.article_id], r.warc_file, r.warc_offset)
                for r in c.execute(select(sightings))
            }
    finally:
        engine.dispose()
    return {"articles": rows, "authors": authors, "credits": credits, "images": pictures,
            "sightings": seen}  # fmt: skip


@pytest.fixture(params=BACKENDS)
def two_databases(request, tmp_path) -> tuple[str, str]:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'crawled.db'}", f"sqlite:///{tmp_path / 'imported.db'}"
    make = request.getfixturevalue("make_postgres_database")
    return make(), make()


@pytest.mark.slow
def test_crawl_to_warc_then_import_gives_the_same_database(
    tmp_path: Path, newsroom: Newsroom, two_databases: tuple[str, str]
) -> None:
    crawled, imported = two_databases
    warcs = tmp_path / "warcs"
    settings = {"NEWSCRAWL_WARC_DIR": str(warcs), "HTTPCACHE_ENABLED": "False",
                "STORE_AUTO_UPGRADE": "True"}  # fmt: skip
    command = ["newscrawl", "crawl", "--all", "--sources", str(newsroom.sources)]
    crawl = run_scrapy(command, newsroom=newsroom, workdir=tmp_path, database_url=crawled,
                       settings=settings)  # fmt: skip
    assert crawl.returncode == 0, crawl.log[-3000:]
    files = sorted(warcs.glob("*.warc.gz"))
    assert len(files) == 4 and not list(warcs.glob("*.open"))  # one per source, all closed

    done = run_import([str(f) for f in files], imported, tmp_path, "-s", "STORE_AUTO_UPGRADE=True")
    assert done.returncode == 0, done.stderr + (tmp_path / "import.log").read_text()[-3000:]

    first, second = contents(crawled), contents(imported)
    assert len(first["articles"]) >= 7
    for key in ("articles", "authors", "credits", "images"):
        assert first[key] == second[key], key
    assert first["credits"] and first["images"] and first["authors"]
    # every page's sighting: the same record, written by the crawl, read by the import
    assert first["sightings"] == second["sightings"]
    for _url, (_canonical, file, offset) in first["sightings"].items():
        assert file is not None and Path(file).parent == warcs and offset is not None
        body, content_type = read_page(file, offset, 1 << 24)
        assert body and "html" in (content_type or "")

    # the page only JavaScript renders: its article comes from the rendered HTML, written as
    # such, and the import made the same article of that record
    rendered = {
        (str(f), record.stream_pos)
        for f in files
        for record in ArchiveIterator(str(f), parse_http=False)
        if record.headers.get("WARC-Profile") == "newscrawl:rendered-html"
    }
    assert rendered
    assert any((file, offset) in rendered for _, file, offset in first["sightings"].values())

    # an archived copy at another URL (a tracking-parameter variant) of a crawled article:
    # the same row, a second sighting, pointing into the archive
    url, (canonical, _, _) = next(iter(sorted(first["sightings"].items())))
    file, offset = first["sightings"][url][1:]
    body, content_type = read_page(file, offset, 1 << 24)
    variant = url + ("&" if "?" in url else "?") + "utm_source=archive"
    archive = write_warc(tmp_path / "archive.warc", [Rec(variant, body, content_type or "")],
                         gzip=False)  # fmt: skip
    again = run_import([str(archive)], crawled, tmp_path)
    assert again.returncode == 0, again.stderr
    after = contents(crawled)
    assert after["articles"].keys() == first["articles"].keys()
    row, archived_file, archived_offset = after["sightings"][variant]
    assert (row, archived_file) == (canonical, str(archive.resolve()))
    assert read_page(archived_file, archived_offset, 1 << 24)[0] == body
    assert len(after["sightings"]) == len(first["sightings"]) + 1
