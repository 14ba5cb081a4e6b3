"""Merge rules, on SQLite and Postgres: one row per story-publication, best fields kept."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import select

from newscrawl.article import Article, Image
from newscrawl.store import Store
from newscrawl.store.schema import article_authors, article_revisions, articles, images
from tests.storekit import T0, article, counts, text

ORIGINAL = "https://www.independent.co.uk/news/world/storm-hits-coast-a123.html"
AGGREGATOR = "https://www.inkl.com/news/storm-hits-coast"


def versions(seed: int = 1) -> dict[str, Article]:
    """The four URLs one Independent story is seen at."""
    full = text(seed, 400)
    truncated = " ".join(full.split()[:150])
    return {
        "original": article(seed, ORIGINAL, minutes=1, canonical_url=ORIGINAL, body=full),
        "aggregator": article(
            seed,
            AGGREGATOR,
            minutes=2,
            source="inkl",
            publisher="The Independent UK",
            body=truncated,
            authors=["Jane Doe", "John Roe"],
            images=[Image("https://cdn.inkl.com/storm.jpg", credit="Reuters")],
            hints={"original_url": ORIGINAL},
        ),
        "amp": article(seed, ORIGINAL.replace(".html", ".amp.html"), minutes=3, body=full),
        "tracking": article(seed, ORIGINAL + "?utm_source=tw&ito=1", minutes=4, body=full),
    }


def stored(store: Store) -> dict:
    with store.engine.connect() as connection:
        row = connection.execute(select(articles)).one()._asdict()
        row["authors"] = list(
            connection.scalars(select(article_authors.c.name).order_by("position"))
        )
        row["images"] = list(connection.scalars(select(images.c.url).order_by("position")))
    return row


@pytest.mark.parametrize("order", list(itertools.permutations(range(4))))
def test_same_story_same_publisher_is_one_row_in_any_order(store: Store, order) -> None:
    items = list(versions().values())
    for index in order:
        store.write([items[index]])
    assert counts(store)["articles"] == 1
    assert counts(store)["sightings"] == 4
    row = stored(store)
    assert row["canonical_url"] == ORIGINAL
    assert row["publisher"] == "The Independent"
    assert row["body"] == items[0].body
    assert row["authors"] == ["Jane Doe", "John Roe"]
    assert len(row["images"]) == 2


@pytest.mark.parametrize("order", [(0, 1, 2, 3), (1, 3, 2, 0)])
def test_same_story_in_one_batch_is_one_row(store: Store, order) -> None:
    items = list(versions().values())
    results = store.write([items[i] for i in order]).results
    assert [r.outcome for r in results] == ["new", "merged", "merged", "merged"]
    assert counts(store)["articles"] == 1
    assert stored(store)["canonical_url"] == ORIGINAL


@pytest.mark.parametrize("aggregator_first", [True, False])
def test_aggregator_copy_without_hint_found_by_text(database_url, aggregator_first) -> None:
    """No original_url hint: the near-duplicate index, same publisher only, across runs."""
    original = versions()["original"]
    copy = article(
        1,
        AGGREGATOR,
        source="inkl",
        publisher="The Independent UK",
        headline="Storm batters the coast",
        body=f"{original.body}\n\nRead more on inkl.",
        hints={"aggregator": True},
    )
    first, second = (copy, original) if aggregator_first else (original, copy)
    for item in (first, second):  # two runs: a new Store each time
        run = Store.open(database_url)
        run.write([item])
        run.close()
    store = Store.open(database_url)
    assert counts(store)["articles"] == 1
    assert counts(store)["sightings"] == 2
    assert stored(store)["canonical_url"] == ORIGINAL
    store.close()


def test_truncated_copy_without_hint_found_by_headline(store: Store) -> None:
    original = versions()["original"]
    teaser = " ".join((original.body or "").split()[:60])
    copy = article(1, AGGREGATOR, publisher="The Independent UK", body=teaser)
    store.write([copy])
    store.write([original])
    assert counts(store)["articles"] == 1
    assert stored(store)["body"] == original.body


def test_same_text_other_publisher_is_a_new_row_of_the_same_story(store: Store) -> None:
    wire = text(7, 350)
    a = article(7, "https://www.independent.co.uk/news/wire-1.html", body=wire)
    b = article(
        7,
        "https://www.theguardian.com/world/wire-1",
        publisher="The Guardian",
        source="guardian",
        body=text(99, 40) + "\n\n" + wire + "\n\nAdditional reporting by staff.",
        headline="Guardian's own headline for the wire story",
    )
    other = article(8, "https://www.theguardian.com/world/other", publisher="The Guardian")
    results = store.write([a, b, other]).results
    assert [r.outcome for r in results] == ["new", "new", "new"]
    assert [r.story_linked for r in results] == [False, True, False]
    with store.engine.connect() as connection:
        query = select(articles.c.canonical_url, articles.c.story_id)
        stories = dict(connection.execute(query).all())
    assert stories[a.url] == stories[b.url] != stories[other.url]


def test_changed_body_at_same_url_is_a_revision(store: Store) -> None:
    first = article(3, ORIGINAL, minutes=0)
    corrected = article(
        3, ORIGINAL, minutes=30, body=f"{first.body}\n\nCorrection: an earlier version erred."
    )
    assert store.write([first]).results[0].outcome == "new"
    assert store.write([corrected]).results[0].outcome == "revised"
    assert store.write([corrected]).results[0].outcome == "unchanged"
    assert counts(store)["articles"] == 1
    assert counts(store)["article_revisions"] == 1
    with store.engine.connect() as connection:
        old = connection.execute(select(article_revisions.c.body)).scalar_one()
    assert old == first.body
    assert stored(store)["body"] == corrected.body


def test_different_stories_of_one_publisher_stay_apart(store: Store) -> None:
    items = [article(seed, f"https://www.independent.co.uk/news/{seed}") for seed in range(20)]
    same_headline = [
        article(s, f"https://www.independent.co.uk/letters/{s}", headline="Letters to the editor")
        for s in (100, 101)
    ]
    store.write(items + same_headline)
    assert counts(store)["articles"] == 22
    assert len({r.story_id for r in _all(store)}) == 22


def _all(store: Store) -> list:
    with store.engine.connect() as connection:
        return list(connection.execute(select(articles)))


def test_a_publisher_page_based_on_a_wire_story_stays_its_own_row(store: Store) -> None:
    wire_url = "https://apnews.com/article/storm-123"
    ap = article(5, wire_url, publisher="Associated Press", source="apnews")
    paper = article(5, "https://www.independent.co.uk/news/storm-ap.html",
                    hints={"original_url": wire_url})  # fmt: skip
    results = store.write([ap, paper]).results
    assert [r.outcome for r in results] == ["new", "new"]
    assert results[1].story_linked
    assert counts(store)["articles"] == 2


def test_same_headline_days_apart_without_body_is_not_the_same_article(store: Store) -> None:
    daily = [
        article(s, f"https://www.independent.co.uk/live/{s}", headline="Live updates from the war",
                body=None, published_at=T0 + timedelta(days=s))
        for s in range(3)
    ]  # fmt: skip
    store.write(daily)
    assert counts(store)["articles"] == 3
