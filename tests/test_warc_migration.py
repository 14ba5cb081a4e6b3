"""Migration 0006: ``sightings.warc_file`` and ``warc_offset``, added and removed again, and
the store keeps a sighting's last WARC place when a later fetch has none."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from alembic import command

from newscrawl.archive.location import set_warc_location
from newscrawl.store import Store, upgrade
from newscrawl.store.engine import WRITE_TRANSACTION, create_engine
from newscrawl.store.migrate import alembic_config, head_revision
from newscrawl.store.schema import article_revisions, articles, sightings
from tests.storekit import T0, article


def _columns(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return {c["name"] for c in sa.inspect(engine).get_columns("sightings")}
    finally:
        engine.dispose()


def test_0006_adds_and_removes_the_warc_place(empty_database_url: str) -> None:
    url = empty_database_url
    upgrade(url, "0005")
    before = _columns(url)
    assert upgrade(url) == ("0005", head_revision())
    assert _columns(url) - before == {"warc_file", "warc_offset"}
    engine = create_engine(url)
    connection = engine.connect().execution_options(**WRITE_TRANSACTION)
    with connection, connection.begin():
        command.downgrade(alembic_config(connection), "0005")
    engine.dispose()
    assert _columns(url) == before
    upgrade(url)


def test_a_fetch_without_a_record_keeps_the_last_place(database_url: str) -> None:
    store = Store.open(database_url)
    try:
        url = "https://www.independent.co.uk/news/1"
        archived = article(1, url)
        set_warc_location(archived, "/archive/a.warc.gz", 4096)
        store.write([archived])
        store.write([article(1, url, minutes=5)])  # crawled again, no WARC written
        moved = article(1, url, minutes=9)
        set_warc_location(moved, "/archive/b.warc.gz", 17)
        with store.engine.connect() as c:
            kept = c.execute(sa.select(sightings.c.warc_file, sightings.c.warc_offset)).one()
        store.write([moved])
        with store.engine.connect() as c:
            last = c.execute(sa.select(sightings.c.warc_file, sightings.c.warc_offset)).one()
    finally:
        store.close()
    assert tuple(kept) == ("/archive/a.warc.gz", 4096)
    assert tuple(last) == ("/archive/b.warc.gz", 17)


def test_an_older_archived_copy_does_not_replace_the_stored_text(database_url: str) -> None:
    """Backfill: the page crawled today, then an archive of it from last month imported."""
    store = Store.open(database_url)
    try:
        url = "https://www.independent.co.uk/news/2"
        store.write([article(2, url, minutes=60)])  # crawled: the current text
        archived = article(3, url, minutes=0, headline="The first version of the story")
        set_warc_location(archived, "/archive/old.warc.gz", 99)
        [result] = store.write([archived]).results
        with store.engine.connect() as c:
            row = c.execute(sa.select(articles.c.headline, articles.c.body,
                                      articles.c.first_seen_at)).one()  # fmt: skip
            seen = c.execute(sa.select(sightings)).one()
            revisions = c.execute(sa.select(article_revisions.c.headline)).scalars().all()
    finally:
        store.close()
    assert result.outcome == "revised"
    assert (row.headline, row.body) == (article(2, url).headline, article(2, url).body)
    assert revisions == ["The first version of the story"]  # kept as a previous version
    assert seen.seen_at == T0 + timedelta(minutes=60) and seen.first_seen_at == T0
    assert row.first_seen_at == T0
    assert (seen.warc_file, seen.warc_offset) == ("/archive/old.warc.gz", 99)  # the only record
