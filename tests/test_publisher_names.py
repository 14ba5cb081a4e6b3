"""One publisher, one name: what articles are stored under, and renaming old rows."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from newscrawl.cli import main
from newscrawl.dedupe.merge import RANK_COPY
from newscrawl.dedupe.prepare import prepare
from newscrawl.publishers import bundled_catalogue
from newscrawl.publishers.names import canonical_publisher, name_index, name_key
from newscrawl.store import Store
from newscrawl.store.schema import articles
from newscrawl.store.search import Filters, search
from tests.storekit import article

AP = "https://apnews.com/article/"


@pytest.mark.parametrize("publisher", sorted(bundled_catalogue()), ids=str)
def test_every_name_and_domain_of_a_catalogue_publisher_gives_its_display_name(publisher):
    entry = bundled_catalogue()[publisher]
    for name in (entry.key, *entry.names):
        assert canonical_publisher(name, None) == entry.name, name
    if entry.kind != "aggregator":
        for domain in entry.domains:
            # whatever the page says about itself, and on any sub-domain
            assert canonical_publisher("Someone Else", f"https://www.{domain}/a") == entry.name


@pytest.mark.parametrize(
    ("stated", "url", "expected"),
    [
        ("Associated Press", AP + "x", "AP News"),  # an alias, on the publisher's domain
        (None, AP + "x", "AP News"),  # no name on the page: the domain's publisher
        ("The Associated Press", "http://127.0.0.3:8080/a", "AP News"),  # no domain: the name
        ("Associated Press", "file:///tmp/saved.html", "AP News"),
        ("Daily Planet", "http://127.0.0.9/a", "Daily Planet"),  # unknown, no domain: as stated
        (" Daily Planet ", None, "Daily Planet"),
        (None, "http://localhost:8080/a", None),
        # not in the catalogue: one name per registrable domain, whatever each page says
        ("Daily Planet", "https://www.dailyplanet.co.uk/a", "dailyplanet.co.uk"),
        ("The Daily Planet Online", "https://news.dailyplanet.co.uk/b", "dailyplanet.co.uk"),
        (None, "https://dailyplanet.co.uk/c", "dailyplanet.co.uk"),
        # an aggregator's page, not marked as a copy: the publisher it names
        ("The Independent UK", "https://www.inkl.com/news/x", "The Independent"),
    ],
)
def test_canonical_publisher(stated, url, expected):
    assert canonical_publisher(stated, url) == expected


def test_an_aggregator_copy_is_named_by_its_original():
    inkl = "https://www.inkl.com/news/x"
    # "The Independent UK" is no alias: it keys equal to "The Independent"
    assert canonical_publisher("The Independent UK", inkl, copy=True) == "The Independent"
    assert canonical_publisher("Some Weekly", inkl, copy=True) == "Some Weekly"
    original = "https://www.independent.co.uk/news/x"
    assert canonical_publisher("Indy", inkl, copy=True, original_url=original) == (
        "The Independent"
    )
    elsewhere = "https://www.someweekly.org/x"
    assert canonical_publisher("Some Weekly", inkl, copy=True, original_url=elsewhere) == (
        "someweekly.org"
    )


def test_ambiguous_keys_name_nobody():
    """``businessinsider`` keys both Business Insider and Business Insider DE: a name that
    only keys equal to it is kept as stated."""
    index = name_index()
    assert "businessinsider" not in index.by_key
    assert canonical_publisher("The Business Insider Online", None) == (
        "The Business Insider Online"
    )


def test_prepare_stores_one_name_and_its_key():
    versions = [
        prepare(article(1, AP + "a", publisher="AP News")).version,
        prepare(article(2, AP + "b", publisher="Associated Press")).version,
        prepare(article(3, "http://127.0.0.3/c", publisher="The Associated Press")).version,
    ]
    assert {(v.publisher, v.publisher_key) for v in versions} == {("AP News", "ap")}
    copy = article(4, "https://www.inkl.com/news/d", publisher="The Independent UK",
                   hints={"aggregator": "inkl"})  # fmt: skip
    version = prepare(copy).version
    assert (version.rank, version.publisher, version.publisher_key) == (
        RANK_COPY, "The Independent", "independent")  # fmt: skip


def test_one_site_is_one_publisher_in_stats_search_and_dedupe(
    store: Store, database_url: str, capsys
) -> None:
    store.write([
        article(1, AP + "a", publisher="AP News"),
        article(2, AP + "b", publisher="Associated Press"),
        article(3, "https://www.dailyplanet.co.uk/c", publisher="Daily Planet"),
        article(4, "https://news.dailyplanet.co.uk/d", publisher="The Daily Planet Online"),
    ])  # fmt: skip
    assert main(["stats", "--database-url", database_url, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["per_publisher"]
    assert rows == [
        {"publisher": "AP News", "articles": 2},
        {"publisher": "dailyplanet.co.uk", "articles": 2},
    ]
    with store.engine.connect() as connection:
        keys = set(connection.execute(select(articles.c.publisher, articles.c.publisher_key)))
        assert keys == {("AP News", "ap"), ("dailyplanet.co.uk", "dailyplanet")}
        found = search(connection, "storm", Filters(publisher="The Associated Press"))
    assert len(found) == 2
    assert name_key("Associated Press") == name_key("AP News") == "ap"


def _age(store: Store, url: str, name: str, key: str) -> None:
    """Make a row look stored by an older newscrawl, under another name."""
    with store.engine.begin() as connection:
        connection.execute(
            update(articles)
            .where(articles.c.canonical_url == url)
            .values(publisher=name, publisher_key=key, change_seq=0)
        )


def _names(store: Store) -> dict[str, tuple[str, str, int]]:
    query = select(articles.c.canonical_url, articles.c.publisher, articles.c.publisher_key,
                   articles.c.change_seq)  # fmt: skip
    with store.engine.connect() as connection:
        return {r[0]: (r[1], r[2], r[3]) for r in connection.execute(query)}


def test_rename_publishers_renames_old_rows_once(store: Store, database_url: str, capsys):
    copy = "https://www.inkl.com/news/d"
    store.write([
        article(1, AP + "a", publisher="AP News"),
        article(2, AP + "b", publisher="Associated Press"),
        article(3, "https://www.dailyplanet.co.uk/c", publisher="Daily Planet"),
        article(4, copy, publisher="The Independent UK", hints={"aggregator": "inkl"}),
    ])  # fmt: skip
    renamed = {AP + "b": ("AP News", "ap"),
               "https://www.dailyplanet.co.uk/c": ("dailyplanet.co.uk", "dailyplanet"),
               copy: ("The Independent", "independent")}  # fmt: skip
    before = _names(store)
    assert {u: before[u][:2] for u in renamed} == renamed  # what a crawl stores now
    _age(store, AP + "b", "Associated Press", "associatedpress")
    _age(store, "https://www.dailyplanet.co.uk/c", "Daily Planet", "dailyplanet")
    _age(store, copy, "The Independent UK", "independent")
    old = _names(store)

    assert main(["db", "rename-publishers", "--dry-run", "--database-url", database_url]) == 0
    out = capsys.readouterr().out
    assert "Associated Press -> AP News: 1" in out
    assert "Daily Planet -> dailyplanet.co.uk: 1" in out
    assert "The Independent UK -> The Independent: 1" in out
    assert "would rename 3 articles" in out
    assert _names(store) == old

    assert main(["db", "rename-publishers", "--database-url", database_url]) == 0
    assert "renamed 3 articles" in capsys.readouterr().out
    after = _names(store)
    assert {u: after[u][:2] for u in renamed} == renamed
    assert all(after[u][2] > 0 for u in renamed)  # incremental exports see them again
    assert after[AP + "a"] == old[AP + "a"]  # right already: untouched

    assert main(["db", "rename-publishers", "--database-url", database_url]) == 0
    assert "renamed 0 articles" in capsys.readouterr().out
    assert _names(store) == after


def test_rename_publishers_on_a_missing_database_is_one_line(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'nothing.db'}"
    assert main(["db", "rename-publishers", "--database-url", url]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "nothing.db" in err
    assert not (tmp_path / "nothing.db").exists()
