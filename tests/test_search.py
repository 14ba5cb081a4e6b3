"""Full-text search on SQLite and Postgres: what is indexed, how it stays current, filters,
ranking, the migration that builds it for stored rows, and ``newscrawl search``."""

from __future__ import annotations

import json
import random
import sqlite3
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from hypothesis import given, settings
from hypothesis import strategies as st

from newscrawl.article import Image
from newscrawl.cli import main
from newscrawl.store import Store, upgrade
from newscrawl.store.engine import WRITE_TRANSACTION, create_engine
from newscrawl.store.migrate import alembic_config, head_revision
from newscrawl.store.schema import article_authors, articles, images
from newscrawl.store.search import Filters, SearchError, fts5_query, plain_snippet, search
from tests.storekit import T0, article, sqlite_file

INDY = "https://www.independent.co.uk/news/"
BAKHMUT = (
    "Wagner fighters began their retreat from Bakhmut on Thursday, the group's founder said.\n\n"
    "Ukrainian officials said the town's outskirts were still contested."
)


def _ids(store: Store, query: str, filters: Filters | None = None) -> list[int]:
    with store.engine.connect() as connection:
        return [hit.article_id for hit in search(connection, query, filters or Filters())]


def _id_of(store: Store, url: str) -> int:
    with store.engine.connect() as connection:
        query = sa.select(articles.c.id).where(articles.c.canonical_url == url)
        return connection.execute(query).scalar_one()


def _seed(store: Store) -> dict[str, int]:
    items = [
        article(1, INDY + "bakhmut", headline="Wagner retreats from Bakhmut", body=BAKHMUT,
                authors=["Chris Stevenson"], wire_credits=["Reuters"], language="en",
                images=[Image("https://img.example/b.jpg", caption="Servicemen near the town",
                              credit="Getty Images")]),
        article(2, INDY + "storm", minutes=5, language="en"),
        article(3, "https://www.standard.co.uk/news/storm-copy", publisher="Evening Standard",
                source="standard", wire_credits=["Associated Press"], language="en",
                published_at=T0 + timedelta(days=3)),
        article(4, "https://www.lemonde.fr/article", publisher="Le Monde", source="lemonde",
                headline="Les soldats quittent Bakhmut", language="fr", images=[],
                body="Les combattants de Wagner ont commencé leur retrait de la ville. " * 4),
    ]  # fmt: skip
    report = store.write(items)
    assert not report.rejected
    return {
        name: _id_of(store, url)
        for name, url in (("bakhmut", INDY + "bakhmut"), ("storm", INDY + "storm"),
                          ("copy", "https://www.standard.co.uk/news/storm-copy"),
                          ("monde", "https://www.lemonde.fr/article"))
    }  # fmt: skip


def test_every_searched_field_finds_its_article(store: Store) -> None:
    ids = _seed(store)
    bakhmut = ids["bakhmut"]
    assert _ids(store, '"retreat from Bakhmut"') == [bakhmut]  # a phrase of the body
    assert _ids(store, "Stevenson") == [bakhmut]  # an author
    assert _ids(store, "servicemen") == [bakhmut]  # a caption
    assert _ids(store, "Getty") == [bakhmut]  # a photo credit
    assert _ids(store, "reuters") == [bakhmut]  # a wire credit
    assert _ids(store, "outskirts contested") == [bakhmut]  # words anywhere in the body
    assert _ids(store, "outskirts -contested") == []
    assert set(_ids(store, "outskirts or quittent")) == {bakhmut, ids["monde"]}
    # a headline match ranks above a body match
    assert _ids(store, "bakhmut")[0] in (bakhmut, ids["monde"])
    assert set(_ids(store, "bakhmut")) == {bakhmut, ids["monde"]}


def test_snippets_mark_the_match(store: Store) -> None:
    _seed(store)
    with store.engine.connect() as connection:
        (hit,) = search(connection, "outskirts")
    assert "[outskirts]" in plain_snippet(hit.snippet)


def test_filters(store: Store) -> None:
    ids = _seed(store)
    storms = {ids["storm"], ids["copy"]}
    assert set(_ids(store, "storm")) == storms
    assert _ids(store, "storm", Filters(publisher="The Independent UK")) == [ids["storm"]]
    assert _ids(store, "storm", Filters(agency="AP")) == [ids["copy"]]  # an alias
    assert _ids(store, "storm", Filters(agency="associated press")) == [ids["copy"]]
    assert _ids(store, "storm", Filters(since=T0 + timedelta(days=1))) == [ids["copy"]]
    assert _ids(store, "storm", Filters(until=T0 + timedelta(days=1))) == [ids["storm"]]
    assert _ids(store, "bakhmut", Filters(language="fr")) == [ids["monde"]]
    assert _ids(store, "bakhmut", Filters(language="de")) == []


def test_the_store_keeps_the_index_current(store: Store, database_url: str) -> None:
    ids = _seed(store)
    # a new version of the body at the same URL: the old words leave the index
    revised = article(1, INDY + "bakhmut", headline="Wagner retreats from Bakhmut",
                      body=BAKHMUT.replace("contested", "shelled overnight"), minutes=60,
                      authors=["Chris Stevenson", "Mary Ilyushina"], wire_credits=["Reuters"],
                      images=[])  # fmt: skip
    store.write([revised])
    assert _ids(store, "contested") == []
    assert _ids(store, "shelled") == [ids["bakhmut"]]
    assert _ids(store, "Ilyushina") == [ids["bakhmut"]]  # a new author
    # an article deleted by hand leaves the index, on SQLite from a connection without
    # foreign keys too (the sqlite3 shell)
    if database_url.startswith("sqlite"):
        shell = sqlite3.connect(sqlite_file(database_url))
        shell.execute("DELETE FROM articles WHERE id = ?", (ids["copy"],))
        shell.commit()
        shell.close()
    else:
        with store.engine.begin() as connection:
            connection.execute(articles.delete().where(articles.c.id == ids["copy"]))
    assert _ids(store, "storm") == [ids["storm"]]


def test_a_query_of_nothing_is_an_error_not_every_row(store: Store) -> None:
    _seed(store)
    with store.engine.connect() as connection:
        for query in ("", "   ", "-storm"):
            with pytest.raises(SearchError):
                search(connection, query)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab \"-()*:^+NOTAND OR{}.,'é"), max_size=30))
def test_no_query_is_fts5_syntax(query: str) -> None:
    """Whatever the user types, FTS5 gets quoted strings and operators of ours."""
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE VIRTUAL TABLE t USING fts5(x)")
    connection.execute("INSERT INTO t VALUES ('a b NOT AND OR é')")
    try:
        expression = fts5_query(query)
    except SearchError:
        return
    connection.execute("SELECT rowid FROM t WHERE t MATCH ?", (expression,)).fetchall()


def test_migration_0005_indexes_rows_stored_before_it(empty_database_url: str) -> None:
    url = empty_database_url
    assert upgrade(url, "0004") == (None, "0004")
    engine = create_engine(url)
    with engine.begin() as connection:  # rows as revision 0004 wrote them
        article_id = connection.scalar(
            articles.insert().returning(articles.c.id),
            {"canonical_url": INDY + "old", "headline": "An old story about tariffs",
             "body": "Nothing else.", "story_id": uuid.uuid4(), "first_seen_at": T0,
             "last_seen_at": T0, "publisher_key": "independent"},
        )  # fmt: skip
        connection.execute(article_authors.insert(), {"article_id": article_id, "position": 0,
                                                      "name": "Ana Swanson"})  # fmt: skip
        connection.execute(images.insert(), {"article_id": article_id, "position": 0,
                                             "url": "https://img.example/x.jpg",
                                             "caption": "Containers at a port"})  # fmt: skip
    engine.dispose()
    assert upgrade(url) == ("0004", head_revision())
    store = Store.open(url)
    try:
        for query in ("tariffs", "Swanson", "containers"):
            assert _ids(store, query) == [article_id]
    finally:
        store.close()
    engine = create_engine(url)
    connection = engine.connect().execution_options(**WRITE_TRANSACTION)
    with connection, connection.begin():
        command.downgrade(alembic_config(connection), "0004")
    tables = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    assert not {t for t in tables if "search" in t or "fts" in t}


@pytest.mark.postgres
def test_postgres_searches_through_the_gin_index(make_postgres_database) -> None:
    url = make_postgres_database()
    upgrade(url)
    store = Store.open(url)
    try:
        _seed(store)
        with store.engine.connect() as connection:
            connection.execute(sa.text("SET enable_seqscan = off"))
            plan = connection.execute(
                sa.text(
                    "EXPLAIN SELECT article_id FROM article_search "
                    "WHERE document @@ websearch_to_tsquery('english', 'storm')"
                )
            ).scalars()
            assert "ix_article_search_document" in " ".join(plan)
            configs = connection.execute(sa.text("SELECT DISTINCT config FROM article_search"))
            assert set(configs.scalars()) == {"english", "french"}
    finally:
        store.close()


def test_search_command(store: Store, database_url: str, capsys) -> None:
    _seed(store)
    assert main(["search", "retreat", "--database-url", database_url]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1
    assert out[0].startswith("2026-03-01  The Independent  Wagner retreats from Bakhmut  ")
    assert "[retreat" in out[0] and out[0].endswith(INDY + "bakhmut")
    argv = ["search", "storm", "--database-url", database_url, "--format", "jsonl",
            "--publisher", "Evening Standard", "--until", "2026-03-04"]  # fmt: skip
    assert main(argv) == 0
    (line,) = capsys.readouterr().out.splitlines()
    data = json.loads(line)
    assert data["canonical_url"] == "https://www.standard.co.uk/news/storm-copy"
    assert data["wire_credits"] == ["Associated Press"] and "[storm]" in data["snippet"]
    assert main([*argv[:-1], "2026-03-03"]) == 0  # published on the 4th
    assert capsys.readouterr().out == ""


def test_search_command_mistakes_are_one_line(database_url: str, capsys, tmp_path) -> None:
    assert main(["search", "-- -storm", "--database-url", database_url]) == 2
    assert capsys.readouterr().err.startswith("newscrawl search: nothing to search for")
    missing = f"sqlite:///{tmp_path / 'none.db'}"
    assert main(["search", "storm", "--database-url", missing]) == 2
    assert "no database at" in capsys.readouterr().err


def test_db_reindex_catches_up_with_edits_by_hand(store: Store, database_url: str, capsys) -> None:
    ids = _seed(store)
    with store.engine.begin() as connection:
        edit = articles.update().where(articles.c.id == ids["storm"])
        connection.execute(edit.values(headline="Heatwave grips the south"))
    assert _ids(store, "heatwave") == []  # the store did not write it: not indexed
    assert main(["db", "reindex", "--database-url", database_url]) == 0
    assert "full-text index rebuilt for 4 articles" in capsys.readouterr().out
    assert _ids(store, "heatwave") == [ids["storm"]]


def test_a_huge_page_is_stored_and_searchable(store: Store) -> None:
    """Postgres' tsvector holds at most 1 MB: a 16 MB page must not fail its batch."""
    rng = random.Random(5)
    noise = " ".join(f"{rng.getrandbits(20):05x}" for _ in range(300_000))  # 1.8 MB, distinct
    picture = Image("https://img.example/h.jpg", caption=noise[:300_000])
    huge = article(7, INDY + "huge", headline="Enormous page " + noise[:100_000],
                   body="The needle word quixotic opens it.\n\n" + noise,
                   description=noise[:400_000], images=[picture])  # fmt: skip
    report = store.write([huge])
    assert not report.rejected and len(report.results) == 1
    assert len(_ids(store, "quixotic")) == 1
