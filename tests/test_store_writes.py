"""Writes on SQLite and Postgres: idempotent, bad items isolated, two processes at once."""

from __future__ import annotations

import multiprocessing

from sqlalchemy import select

from newscrawl.article import Image
from newscrawl.store import Store
from newscrawl.store.runs import crawl_run_from_stats
from newscrawl.store.schema import crawl_runs, images
from tests.storekit import T0, article, counts, write_in_process


def _batch(n: int = 30) -> list:
    items = [article(i, f"https://www.independent.co.uk/news/{i}") for i in range(n)]
    items += [article(i, f"https://www.inkl.com/a/{i}", source="inkl",
                      hints={"original_url": items[i].url}) for i in range(5)]  # fmt: skip
    return items


def test_the_same_crawl_twice_changes_no_count(store: Store) -> None:
    first = store.write(_batch())
    before = counts(store)
    second = store.write(_batch())
    assert counts(store) == before
    assert before["articles"] == 30 and before["sightings"] == 35
    assert {r.outcome for r in first.results} == {"new", "merged"}
    assert {r.outcome for r in second.results} == {"unchanged"}


def test_a_bad_item_is_rejected_and_its_batch_mates_stored(store: Store) -> None:
    items = _batch(10)[:10]
    items[3].published_at = "yesterday"  # not a datetime: fails before SQL
    items[6].body = items[6].body + "\x00"  # Postgres refuses NUL in text; SQLite stores it
    report = store.write(items)
    reasons = [reason for _, reason in report.rejected]
    assert "AttributeError" in reasons
    if store.engine.dialect.name == "postgresql":
        assert "DataError" in reasons
    assert len(report.results) == len(items) - len(reasons)
    assert counts(store)["articles"] == 10 - len(reasons)


def test_two_processes_writing_the_same_urls_store_each_once(database_url: str) -> None:
    seeds = list(range(100))
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        jobs = [
            pool.apply_async(write_in_process, (database_url, seeds, 10)),
            pool.apply_async(write_in_process, (database_url, seeds[::-1], 7)),
        ]
        assert [job.get(timeout=120) for job in jobs] == [100, 100]
    store = Store.open(database_url)
    assert counts(store)["articles"] == 100
    assert counts(store)["sightings"] == 100
    store.close()


def test_crawl_run_row_from_stats_without_password(store: Store) -> None:
    stats = {
        "start_time": T0,
        "response_received_count": 40,
        "item_scraped_count": 30,
        "newscrawl/store/new": 20,
        "newscrawl/store/merged": 6,
        "newscrawl/store/unchanged": 4,
        "newscrawl/dedupe/duplicate": 2,
        "item_dropped_reasons_count/InvalidArticle": 3,
        "newscrawl/store/rejected/DataError": 1,
        "log_count/ERROR": 1,
        "note": "postgresql://crawler:hunter2@db/news",
    }
    store.record_crawl_run(crawl_run_from_stats("inkl", stats))
    with store.engine.connect() as connection:
        row = connection.execute(select(crawl_runs)).one()
    assert (row.spider, row.pages, row.items_stored, row.duplicates, row.errors) == (
        "inkl", 40, 30, 12, 1)  # fmt: skip
    assert row.drops == {"InvalidArticle": 3, "store_rejected/DataError": 1}
    assert row.started_at == T0
    assert "hunter2" not in str(row.stats)


def test_pictures_without_url_are_not_stored_and_do_not_fail_the_article(store: Store) -> None:
    """A text copy's pictures are known by caption only (``url`` None): no image row."""
    item = article(1, "https://www.independent.co.uk/news/text-copy")
    item.images = [
        Image(url=None, caption="A tank near Bakhmut", credit="Reuters"),
        Image(url="https://www.independent.co.uk/img/tank.jpg", caption="A tank", credit="AP"),
    ]
    report = store.write([item])
    assert report.rejected == []
    with store.engine.connect() as connection:
        rows = connection.execute(select(images.c.position, images.c.url)).all()
    assert rows == [(0, "https://www.independent.co.uk/img/tank.jpg")]
