"""Full-text search speed: queries per second and latency percentiles as the table grows.

    .venv/bin/python bench/search.py [--backends sqlite,postgres] [--sizes 10000,100000]
                                     [--rounds 3]

For each backend: one fresh database, filled with synthetic articles (about 400 words of a
Zipf-distributed vocabulary, an author, a captioned image, a Reuters credit on one in five,
twelve publishers) straight into the tables and indexed through the store's own
``fulltext.reindex``, up to each size in turn. At each size a fixed mix of queries is run
``--rounds`` times in shuffled order, one at a time, each answered as ``newscrawl search``
and ``/api/search`` answer it (the 20 best hits with snippets, then those articles loaded).
Prints p50/p95/max latency and queries per second per kind of query and overall. Goal (issue
19): p95 <= 50 ms on SQLite at 100,000 articles. `.ci/run` runs it after the tests (minutes).
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import shutil
import statistics
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import Engine, make_url, select

from newscrawl.store import fulltext, upgrade
from newscrawl.store.engine import WRITE_TRANSACTION, create_engine
from newscrawl.store.export import articles_by_id
from newscrawl.store.schema import article_authors, article_credits, articles, images
from newscrawl.store.search import Filters, search

T0 = datetime(2026, 1, 1, tzinfo=UTC)
POSTGRES_ADMIN = os.environ.get(
    "NEWSCRAWL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
SYLLABLES = [a + b for a in "bcdfghklmnprstvz" for b in ("a", "e", "i", "o", "u", "ai", "ou")]
PUBLISHERS = [f"Publisher {name}" for name in "ABCDEFGHIJKL"]
CHUNK = 2000


def vocabulary(size: int = 30_000) -> list[str]:
    rng = random.Random(1)
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choices(SYLLABLES, k=rng.choice((2, 3, 3, 4)))))
    return sorted(words)


WORDS = vocabulary()
#: Zipf-like weights: the r-th word is used in proportion to 1 / r.
CUMULATIVE = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(WORDS))))


def synthetic(n: int) -> dict[str, Any]:
    rng = random.Random(n)
    text = rng.choices(WORDS, cum_weights=CUMULATIVE, k=430)
    body = "\n\n".join(" ".join(text[i : i + 60]) + "." for i in range(30, 430, 60))
    return {
        "canonical_url": f"https://news.example/{n}",
        "publisher": PUBLISHERS[n % len(PUBLISHERS)],
        "publisher_key": PUBLISHERS[n % len(PUBLISHERS)].lower().replace(" ", ""),
        "headline": " ".join(text[:10]).capitalize(),
        "description": " ".join(text[10:30]),
        "body": body,
        "language": "en",
        "story_id": uuid.UUID(int=n + 1),
        "published_at": T0 + timedelta(minutes=n),
        "first_seen_at": T0 + timedelta(minutes=n),
        "last_seen_at": T0 + timedelta(minutes=n),
        "author": f"{text[3].capitalize()} {text[4].capitalize()}",
        "caption": " ".join(rng.choices(WORDS, cum_weights=CUMULATIVE, k=12)),
        "reuters": n % 5 == 0,
    }


def fill(engine: Engine, start: int, stop: int) -> float:
    """Articles ``start``..``stop`` into the tables, indexed as the store indexes; seconds."""
    began = time.perf_counter()
    for first in range(start, stop, CHUNK):
        rows = [synthetic(n) for n in range(first, min(stop, first + CHUNK))]
        connection = engine.connect().execution_options(**WRITE_TRANSACTION)
        with connection, connection.begin():
            plain = [{k: v for k, v in r.items() if k in articles.c} for r in rows]
            ids = connection.execute(
                articles.insert().returning(articles.c.id, sort_by_parameter_order=True), plain
            ).scalars().all()  # fmt: skip
            pairs = list(zip(ids, rows, strict=True))
            people = [{"article_id": i, "position": 0, "name": r["author"]} for i, r in pairs]
            connection.execute(article_authors.insert(), people)
            pictures = [
                {"article_id": i, "position": 0, "url": f"https://img.example/{i}.jpg",
                 "caption": r["caption"], "credit": "Reuters" if r["reuters"] else "AP"}
                for i, r in pairs
            ]  # fmt: skip
            connection.execute(images.insert(), pictures)
            credited = [{"article_id": i, "agency": "Reuters"} for i, r in pairs if r["reuters"]]
            if credited:
                connection.execute(article_credits.insert(), credited)
            fulltext.reindex(connection, list(ids))
    return time.perf_counter() - began


def queries() -> list[tuple[str, str, Filters]]:
    """(kind, query, filters): words from the head, middle and tail of the vocabulary."""
    rng = random.Random(7)
    common, middle, rare = WORDS[5:60], WORDS[300:3000], WORDS[10_000:30_000]
    mix: list[tuple[str, str, Filters]] = []
    for _ in range(10):
        mix.append(("common word", rng.choice(common), Filters()))
        mix.append(("middle word", rng.choice(middle), Filters()))
        mix.append(("rare word", rng.choice(rare), Filters()))
        mix.append(("two words", f"{rng.choice(middle)} {rng.choice(middle)}", Filters()))
        mix.append(("phrase", f'"{rng.choice(common)} {rng.choice(common)}"', Filters()))
        mix.append(("word -word", f"{rng.choice(middle)} -{rng.choice(common)}", Filters()))
        mix.append(("word, publisher", rng.choice(middle),
                    Filters(publisher=rng.choice(PUBLISHERS))))  # fmt: skip
        mix.append(("word, agency", rng.choice(middle), Filters(agency="Reuters")))
        mix.append(("word, since", rng.choice(middle), Filters(since=T0 + timedelta(days=30))))
    return mix


def answer(engine: Engine, query: str, filters: Filters) -> int:
    with engine.connect() as connection:
        hits = search(connection, query, filters, limit=20)
        return len(articles_by_id(connection, [h.article_id for h in hits]))


def measure(engine: Engine, rounds: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    mix = queries()
    for _, query, filters in mix:  # warm the caches once
        answer(engine, query, filters)
    times: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    for r in range(rounds):
        order = list(mix)
        random.Random(r).shuffle(order)
        for kind, query, filters in order:
            began, began_cpu = time.perf_counter(), time.process_time()
            answer(engine, query, filters)
            elapsed, used = time.perf_counter() - began, time.process_time() - began_cpu
            for key in (kind, "all"):
                times[key].append(elapsed)
                cpu[key].append(used)
    return times, cpu


def p95(values: list[float]) -> float:
    return (
        statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]
    )


def report(
    backend: str, size: int, times: dict[str, list[float]], cpu: dict[str, list[float]]
) -> None:
    """Wall-clock latency (what a user waits) and this process's CPU per query (on SQLite
    all the work, and the figure a busy machine disturbs least)."""
    print(f"\n{backend}, {size:,} articles (load average {os.getloadavg()[0]:.1f}): "
          "latency ms p50 / p95 / max, queries per second, CPU ms p50 / p95")  # fmt: skip
    for kind, values in sorted(times.items(), key=lambda kv: kv[0] != "all"):
        ms = [v * 1000 for v in values]
        used = [v * 1000 for v in cpu[kind]]
        print(f"  {kind:<16} {statistics.median(ms):7.1f} {p95(ms):7.1f} {max(ms):7.1f}"
              f"   {len(values) / sum(values):7.1f} q/s"
              f"   cpu {statistics.median(used):6.1f} {p95(used):6.1f}"
              f"  (n={len(values)})")  # fmt: skip


def postgres_database() -> tuple[str, str]:
    name = f"newscrawl_bench_{uuid.uuid4().hex[:10]}"
    admin = make_url(POSTGRES_ADMIN).set(drivername="postgresql")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = make_url(POSTGRES_ADMIN).set(drivername="postgresql+psycopg", database=name)
    return name, url.render_as_string(hide_password=False)


def drop_postgres(name: str) -> None:
    admin = make_url(POSTGRES_ADMIN).set(drivername="postgresql")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def run(backend: str, sizes: list[int], rounds: int) -> None:
    workdir = tempfile.mkdtemp(prefix="newscrawl-search-bench-")
    name = None
    if backend == "sqlite":
        url = f"sqlite:///{workdir}/news.db"
    else:
        name, url = postgres_database()
    try:
        upgrade(url)
        engine = create_engine(url)
        stored = 0
        for size in sizes:
            seconds = fill(engine, stored, size)
            print(f"{backend}: {size - stored:,} articles stored and indexed in {seconds:.1f} s")
            stored = size
            if backend == "postgres":
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                    c.exec_driver_sql("VACUUM ANALYZE")
            with engine.connect() as connection:
                assert connection.scalar(
                    select(articles.c.id).order_by(articles.c.id.desc()).limit(1)
                )
            report(backend, size, *measure(engine, rounds))
        engine.dispose()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if name:
            drop_postgres(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    for backend in args.backends.split(","):
        run(backend, sizes, args.rounds)


if __name__ == "__main__":
    main()
