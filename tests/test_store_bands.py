"""The LSH band index in three levels: keys move down in slices, none is lost or doubled,
and near-duplicates are found whichever level holds the stored copy's keys."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from newscrawl.dedupe.fingerprint import body_bands, words
from newscrawl.store import Store
from newscrawl.store.bands import KEY_MAX, KEY_MIN, LEVELS, BandCursors, find_bands, settle
from newscrawl.store.engine import WRITE_TRANSACTION
from newscrawl.store.resolve import Outcome
from newscrawl.store.schema import articles, lsh_bands, lsh_bands_mid, lsh_bands_new
from tests.storekit import T0, article, text

#: Small levels, so that a few dozen articles fill them.
SMALL = (20, 100)


def _rows(store: Store) -> dict[str, set[tuple[int, int]]]:
    with store.engine.connect() as connection:
        return {
            level.name: set(connection.execute(select(level.c.band_key, level.c.article_id)))
            for level in LEVELS
        }


def _expected_pairs(store: Store) -> set[tuple[int, int]]:
    with store.engine.connect() as connection:
        stored = connection.execute(select(articles.c.id, articles.c.body)).all()
    return {(key, article_id) for article_id, body in stored for key in body_bands(words(body))}


def _fill(store: Store, seeds: range, per_batch: int = 1) -> None:
    items = [article(s, f"https://www.independent.co.uk/news/{s}") for s in seeds]
    for start in range(0, len(items), per_batch):
        store.write(items[start : start + per_batch])


def test_keys_settle_into_the_levels_without_loss_or_copies(store: Store) -> None:
    store.band_cursors = BandCursors(capacity=SMALL)
    _fill(store, range(100, 160))
    rows = _rows(store)
    every = set().union(*rows.values())
    assert every == _expected_pairs(store)
    assert sum(len(r) for r in rows.values()) == len(every) == 600  # no row in two levels
    # each level holds about its capacity; the last one the rest
    assert 0 < len(rows["lsh_bands_new"]) <= 3 * SMALL[0]
    assert 0 < len(rows["lsh_bands_mid"]) <= 3 * SMALL[1]
    assert len(rows["lsh_bands"]) >= 600 - 3 * sum(SMALL)


def test_a_near_duplicate_is_found_once_its_original_settled(store: Store) -> None:
    store.band_cursors = BandCursors(capacity=SMALL)
    (original,) = store.write([article(1, "https://www.independent.co.uk/news/storm")]).results
    _fill(store, range(200, 260), per_batch=5)
    settled = {a for _, a in _rows(store)["lsh_bands"]}
    assert original.key in settled, "the original's keys should have reached lsh_bands"

    tokens = text(1).split()
    tokens[20:24] = ["edited"] * 4
    copy = article(
        1, "https://www.theguardian.com/world/storm", body=" ".join(tokens),
        publisher="The Guardian", headline="A different headline",
    )  # fmt: skip
    (result,) = store.write([copy]).results
    assert result.outcome is Outcome.NEW and result.story_linked
    with store.engine.connect() as connection:
        stories = connection.scalars(select(articles.c.story_id).distinct()).all()
        found = {a for _, a in find_bands(connection, body_bands(words(copy.body)))}
    assert len(set(stories)) == 61  # the copy joined the original's story; the rest are alone
    assert original.key in found


def test_a_changed_body_replaces_its_keys_in_every_level(store: Store) -> None:
    store.band_cursors = BandCursors(capacity=SMALL)
    url = "https://www.independent.co.uk/news/correction"
    (first,) = store.write([article(5, url)]).results
    _fill(store, range(300, 330))
    assert any(a == first.key for _, a in _rows(store)["lsh_bands"] | _rows(store)["lsh_bands_mid"])

    (second,) = store.write([article(5, url, minutes=5, body=text(6))]).results
    assert second.outcome is Outcome.REVISED and second.key == first.key
    mine = {k for rows in _rows(store).values() for k, a in rows if a == first.key}
    assert mine == set(body_bands(words(text(6))))
    assert set().union(*_rows(store).values()) == _expected_pairs(store)


def test_a_slice_that_runs_past_the_last_key_wraps_to_the_first(store: Store) -> None:
    keys = [KEY_MIN, KEY_MIN + 5, -1, 0, KEY_MAX - 5, KEY_MAX]
    connection = store.engine.connect().execution_options(**WRITE_TRANSACTION)
    with connection, connection.begin():
        connection.execute(
            articles.insert(),
            {"id": 1, "canonical_url": "u", "story_id": uuid.uuid4(),
             "first_seen_at": T0, "last_seen_at": T0},
        )  # fmt: skip
        connection.execute(lsh_bands_new.insert(), [{"band_key": k, "article_id": 1} for k in keys])
        # a slice a quarter of the key space wide, starting 10 keys before the end
        cursors = BandCursors(capacity=(4, 10**9), positions=[KEY_MAX - 9, 0])
        settle(connection, 1, cursors)
        moved = set(connection.scalars(select(lsh_bands_mid.c.band_key)))
        left = set(connection.scalars(select(lsh_bands_new.c.band_key)))
        assert moved == {KEY_MAX - 5, KEY_MAX, KEY_MIN, KEY_MIN + 5}
        assert left == {-1, 0}
        assert cursors.positions[0] == KEY_MIN + (KEY_MAX - KEY_MIN + 1) // 4 - 10
        assert connection.scalar(select(func.count()).select_from(lsh_bands)) == 0
