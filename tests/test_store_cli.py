"""``newscrawl export`` and ``newscrawl stats`` on SQLite and Postgres."""

from __future__ import annotations

import csv
import io
import json

from newscrawl.article import Article
from newscrawl.cli import main
from newscrawl.store import Store
from newscrawl.store.runs import crawl_run_from_stats
from tests.storekit import T0, article


def _fill(store: Store) -> list[Article]:
    items = [
        article(i, f"https://www.independent.co.uk/news/{i}", minutes=i * 60,
                wire_credits=["Reuters"] if i % 2 else [], tags=["weather"])
        for i in range(4)
    ]  # fmt: skip
    items.append(article(9, "https://www.theguardian.com/world/9", publisher="The Guardian"))
    store.write(items)
    store.record_crawl_run(crawl_run_from_stats("news", {"start_time": T0}))
    return items


def test_export_jsonl_is_the_article_contract(store: Store, database_url: str, capsys) -> None:
    items = _fill(store)
    assert main(["export", "--database-url", database_url]) == 0
    lines = capsys.readouterr().out.splitlines()
    exported = [Article.from_dict(json.loads(line)) for line in lines]
    assert [a.canonical_url for a in exported] == [a.url for a in items]
    first = exported[0]
    assert (first.headline, first.authors, first.body) == (
        items[0].headline, items[0].authors, items[0].body)  # fmt: skip
    assert first.images == items[0].images
    assert first.tags == ["weather"]
    assert first.published_at == T0
    assert exported[1].wire_credits == ["Reuters"]
    assert set(json.loads(lines[0])) >= {"url", "headline", "wire_credits", "fetched_at"}


def test_export_since_and_csv(store: Store, database_url: str, capsys) -> None:
    _fill(store)
    since = "2026-03-01T14:30:00+00:00"  # items fetched at 12:00, 13:00, 14:00, 15:00
    assert main(["export", "--database-url", database_url, "--since", since,
                 "--format", "csv"]) == 0  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["canonical_url"] for r in rows] == ["https://www.independent.co.uk/news/3"]
    assert rows[0]["wire_credits"] == "Reuters"
    assert json.loads(rows[0]["images"])[0]["caption"] == "A storm"


def test_stats_counts_publishers_agencies_and_runs(store: Store, database_url, capsys) -> None:
    _fill(store)
    assert main(["stats", "--database-url", database_url, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["totals"]["articles"] == 5
    assert data["per_publisher"][0] == {"publisher": "The Independent", "articles": 4}
    assert data["per_agency"] == [{"agency": "Reuters", "articles": 2}]
    assert data["last_runs"][0]["spider"] == "news"
    assert main(["stats", "--database-url", database_url]) == 0
    assert "The Guardian" in capsys.readouterr().out


def test_export_on_an_empty_postgres_says_what_to_run(make_postgres_database, capsys) -> None:
    url = make_postgres_database()
    assert main(["export", "--database-url", url]) == 2
    assert "newscrawl db upgrade" in capsys.readouterr().err
