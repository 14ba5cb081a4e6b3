"""Migration 0006: ``sightings.warc_file`` and ``warc_offset``, added and removed again, and
the store keeps a sighting's last WARC place when a later fetch has none."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from newscrawl.archive.location import set_warc_location
from newscrawl.store import Store, upgrade
from newscrawl.store.engine import WRITE_TRANSACTION, create_engine
from newscrawl.store.migrate import alembic_config, head_revision
from newscrawl.store.schema import sightings
from tests.storekit import article


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
