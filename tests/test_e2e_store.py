"""Crawl the whole newsroom with ``scrapy crawl source`` into SQLite and into Postgres and
check the exact database contents; a second run fetches no article again.

Sources are crawled one after another (independent, inkl, apnews, standard), as cron would:
into SQLite in the test process, pages processed in the crawler's thread; into Postgres with
``newscrawl crawl`` in a subprocess, pages processed in extraction worker processes. Both
must give the same database.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from sqlalchemy.pool import NullPool

from newscrawl.demo import newsroom as nr
from newscrawl.store import upgrade
from newscrawl.store.engine import create_engine
from newscrawl.store.schema import (
    article_authors,
    article_credits,
    article_revisions,
    articles,
    crawl_runs,
    images,
    sightings,
)
from tests.newsroomkit import (
    Newsroom,
    crawl_newsroom,
    newsroom_fixture,  # noqa: F401  (fixture)
    run_scrapy,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ORDER = ("independent", "inkl", "apnews", "standard")
SEED, LAOS = nr.SEED_PATH, nr.REAL_PAGES[0][1]
MEXICO, ELECTION = nr.REAL_PAGES[1][1], nr.REAL_PAGES[2][1]
CHELSEA, BLAIR = nr.REAL_PAGES[3][1], nr.REAL_PAGES[4][1]
INKL = nr.SEED_INKL_PATH

#: canonical URL path -> (publisher, sighting paths, authors, credits, number of images)
EXPECTED = {
    SEED: (
        "The Independent",
        {SEED, SEED + nr.TRACKING, nr.SEED_AMP_PATH, INKL, INKL + "?utm_campaign=daily-newsletter"},
        ["Chris Stevenson"],
        {"Associated Press", "Reuters"},
        6,
    ),
    LAOS: ("The Independent", {LAOS}, ["Angus Thompson"], set(), 1),
    MEXICO: ("AP News", {MEXICO}, [], set(), 1),  # the page says "Associated Press": an alias
    ELECTION: (
        "AP News",
        {ELECTION},
        ["Steve Peoples", "Thomas Beaumont", "Amelia Thomson-Deveaux"],
        set(),
        14,  # Fundus' 11 (a carousel's lazy-loading attributes) and 3 uncaptioned ones it omits
    ),
    nr.WIRE_COPY_PATH: ("Evening Standard", {nr.WIRE_COPY_PATH}, [], {"Associated Press"}, 0),
    CHELSEA: ("Evening Standard", {CHELSEA}, ["Nizaar Kinsella"], set(), 2),  # as Fundus: 2
    # the page's 4 pictures, as Fundus: a newsletter box's and a registration wall's are promos
    BLAIR: ("Evening Standard", {BLAIR}, ["Dylan Jones"], set(), 4),
    nr.JS_PATH: ("Evening Standard", {nr.JS_PATH}, ["Noora Mykkanen"], set(), 0),
}
ARTICLE_PATHS = {p for row in EXPECTED.values() for p in row[1]}


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl_all(newsroom: Newsroom, workdir: Path, database_url: str, reactor: Any) -> None:
    """Every source in ORDER: one ``scrapy crawl source`` each in this process (``reactor``),
    or one ``newscrawl crawl`` subprocess with extraction workers (``reactor`` None)."""
    if reactor is None:
        args = ["newscrawl", "crawl", *ORDER, "--sources", str(newsroom.sources)]
        workers = {"NEWSCRAWL_EXTRACT_WORKERS": "auto"}
        result = run_scrapy(args, newsroom=newsroom, workdir=workdir, database_url=database_url,
                            settings=workers)  # fmt: skip
        assert result.returncode == 0, f"{args}:\n{result.log[-4000:]}"
        return
    for name in ORDER:
        crawled, _ = crawl_newsroom(reactor, "source", newsroom=newsroom, workdir=workdir,
                                    database_url=database_url, name=name)  # fmt: skip
        assert crawled.returncode == 0, f"{name}: {crawled.failures}\n{crawled.log[-4000:]}"


def snapshot(database_url: str) -> dict:
    """The database as plain data, keyed by canonical URL path."""
    engine = create_engine(database_url, poolclass=NullPool)
    with engine.connect() as conn:
        rows = conn.execute(select(articles)).mappings().all()
        key = {r["id"]: path_of(r["canonical_url"]) for r in rows}
        seen, names, credits, pictures = (defaultdict(set), defaultdict(list),
                                          defaultdict(set), defaultdict(list))  # fmt: skip
        for r in conn.execute(select(sightings)).mappings():
            seen[key[r["article_id"]]].add(path_of(r["url"]))
        query = select(article_authors).order_by(article_authors.c.position)
        for r in conn.execute(query).mappings():
            names[key[r["article_id"]]].append(r["name"])
        for r in conn.execute(select(article_credits)).mappings():
            credits[key[r["article_id"]]].add(r["agency"])
        for r in conn.execute(select(images).order_by(images.c.position)).mappings():
            pictures[key[r["article_id"]]].append((r["url"], r["caption"], r["credit"]))
        revisions = conn.execute(select(article_revisions)).all()
        runs = conn.execute(select(crawl_runs.c.stats, crawl_runs.c.items_scraped)).all()
    engine.dispose()
    return {
        "articles": {
            key[r["id"]]: (
                r["publisher"],
                seen[key[r["id"]]],
                names[key[r["id"]]],
                credits[key[r["id"]]],
                len(pictures[key[r["id"]]]),
            )
            for r in rows
        },
        "stories": {key[r["id"]]: r["story_id"] for r in rows},
        "images": dict(pictures),
        "revisions": len(revisions),
        "runs": sorted(((stats or {}).get("newscrawl/source"), scraped) for stats, scraped in runs),
    }


def check_newsroom_database(
    newsroom: Newsroom, tmp_path: Path, database_url: str, reactor: Any
) -> None:
    crawl_all(newsroom, tmp_path / "run1", database_url, reactor)
    first = snapshot(database_url)
    assert first["articles"] == EXPECTED
    stories = first["stories"]
    # one wire story at two publishers: two rows sharing a story; every other story alone
    assert stories[MEXICO] == stories[nr.WIRE_COPY_PATH]
    assert len(set(stories.values())) == len(EXPECTED) - 1
    lead = first["images"][SEED][0]
    assert lead == (newsroom.url("independent", "/img/bakhmut-lead.jpg"),
                    "Ukrainian servicemen near Bakhmut", "Reuters")  # fmt: skip
    assert [c for _, _, c in first["images"][SEED]] == [
        "Reuters", "Reuters", "AP", "AP", "AP", "Reuters"
    ]  # fmt: skip
    assert first["revisions"] == 0
    # one crawl_runs row per source crawl, with what it scraped
    assert first["runs"] == [("apnews", 2), ("independent", 4), ("inkl", 2), ("standard", 4)]

    mark = newsroom.mark()
    crawl_all(newsroom, tmp_path / "run2", database_url, reactor)
    fetched = {r["path"] for r in newsroom.requests_since(mark)}
    assert not fetched & ARTICLE_PATHS, "articles fetched again within the re-crawl window"
    second = snapshot(database_url)
    assert second["runs"] == sorted([*first["runs"], *((name, 0) for name in ORDER)])
    assert {**second, "runs": first["runs"]} == first  # nothing else changed


def test_newsroom_into_sqlite(reactor, newsroom, tmp_path) -> None:
    """``scrapy crawl source -a name=…`` per source, as a crontab would run it."""
    check_newsroom_database(newsroom, tmp_path, f"sqlite:///{tmp_path / 'news.db'}", reactor)


@pytest.mark.postgres
def test_newsroom_into_postgres(newsroom, tmp_path, make_postgres_database) -> None:
    """``newscrawl crawl NAME…``: the sources one after another in one process."""
    url = make_postgres_database()
    upgrade(url)
    check_newsroom_database(newsroom, tmp_path, url, None)
