"""Articles stored per second with de-duplication on, as the table grows.

    .venv/bin/python bench/store_throughput.py [--backends B,B] [--sizes N,N,N]

For each backend and size: a fresh database filled through the normal write path; then
``--rounds`` rounds of ``--measure`` articles are timed at each size, the sizes taking
turns round by round (fingerprinting included, as the dedupe pipeline does it), and the
best round per size is kept.
The measured mix is what a crawl produces: 80 % new articles, 10 % tracking-parameter
variants of stored ones, 10 % aggregator copies pointing at a stored original. The
per-article cost ratio largest/smallest size should stay near 1 (target <= 1.3).
CPU is this process's (not a Postgres server's); on SQLite it includes the store's WAL
checkpoint thread, and the writer column is the writing thread's alone.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
from psycopg import sql
from sqlalchemy import make_url

from newscrawl.article import Article, Image
from newscrawl.dedupe.prepare import prepare
from newscrawl.store import Store, upgrade

VOCABULARY = [f"{a}{b}{c}" for a in "bcdfghklmnprst" for b in "aeiou" for c in "lmnrstxz"] * 40
T0 = datetime(2026, 1, 1, tzinfo=UTC)
PUBLISHERS = [("The Independent", "independent.co.uk"), ("The Guardian", "theguardian.com"),
              ("Le Monde", "lemonde.fr"), ("ABC News", "abc.net.au")]  # fmt: skip
POSTGRES_ADMIN = os.environ.get(
    "NEWSCRAWL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def original(n: int) -> Article:
    """The n-th synthetic publisher article (about 500 words)."""
    rng = random.Random(n)
    publisher, domain = PUBLISHERS[n % len(PUBLISHERS)]
    words = rng.choices(VOCABULARY, k=500)
    body = "\n\n".join(" ".join(words[i : i + 80]) + "." for i in range(0, 500, 80))
    return Article(
        url=f"https://www.{domain}/news/{n}-{words[0]}-{words[1]}",
        publisher=publisher,
        source=domain.split(".")[0],
        headline=" ".join(words[:9]).capitalize(),
        authors=[f"{words[2].capitalize()} {words[3].capitalize()}"],
        wire_credits=["Reuters"] if n % 5 == 0 else [],
        published_at=T0 + timedelta(minutes=n),
        fetched_at=T0 + timedelta(minutes=n, seconds=30),
        body=body,
        images=[Image(f"https://img.{domain}/{n}.jpg", caption=" ".join(words[10:20]))],
    )


def crawl_mix(start: int, count: int, stored: int) -> list[Article]:
    """``count`` articles as a crawl sees them: mostly new, some variants of stored ones."""
    rng = random.Random(start)
    items = []
    for i in range(count):
        roll = rng.random()
        if roll < 0.8 or stored == 0:
            items.append(original(start + i))
            continue
        old = original(rng.randrange(stored))
        if roll < 0.9:
            old.url += "?utm_source=twitter&utm_medium=social"
        else:
            old.hints["original_url"] = old.url
            old.url = f"https://www.inkl.com/news/{uuid.uuid4().hex[:10]}"
            old.source = "inkl"
            old.body = " ".join((old.body or "").split()[:200])
        items.append(old)
    return items


def fill(store: Store, start: int, end: int, batch: int) -> None:
    for first in range(start, end, 2000):
        items = [original(n) for n in range(first, min(end, first + 2000))]
        for i in range(0, len(items), batch):
            store.write(items[i : i + batch])


def measure(
    store: Store, start: int, count: int, stored: int, batch: int
) -> tuple[float, float, float]:
    """(wall, CPU of this process, CPU of this thread) seconds to prepare and store
    ``count`` crawl-mix articles.

    The CPU time does not count a Postgres server's work, but on a shared, loaded
    machine it is the figure that does not depend on what else is running.
    """
    items = crawl_mix(start, count, stored)
    began, cpu, own = time.perf_counter(), time.process_time(), time.thread_time()
    for i in range(0, count, batch):
        store.write([prepare(a) for a in items[i : i + batch]])
    return time.perf_counter() - began, time.process_time() - cpu, time.thread_time() - own


#: What drops a bench database: an SQLite file's directory, or (admin URL, name) on Postgres.
DatabaseHandle = str | tuple[str, str]


def new_database(backend: str) -> tuple[str, DatabaseHandle]:
    if backend == "sqlite":
        directory = tempfile.mkdtemp(prefix="newscrawl-storebench-")
        return f"sqlite:///{directory}/bench.db", directory
    name = f"newscrawl_storebench_{uuid.uuid4().hex[:8]}"
    admin = make_url(POSTGRES_ADMIN).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = make_url(POSTGRES_ADMIN).set(drivername="postgresql+psycopg", database=name)
    return url.render_as_string(False), (admin, name)


def drop_database(handle: DatabaseHandle) -> None:
    if isinstance(handle, str):
        shutil.rmtree(handle, ignore_errors=True)
        return
    admin, name = handle
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def filled_store(backend: str, size: int, batch: int) -> tuple[Store, DatabaseHandle, float]:
    """A fresh database holding ``size`` articles; (store, handle to drop it, fill seconds)."""
    url, handle = new_database(backend)
    try:
        upgrade(url)
        store = Store.open(url)
        began = time.perf_counter()
        fill(store, 0, size, batch)
        return store, handle, time.perf_counter() - began
    except BaseException:
        drop_database(handle)
        raise


def run_backend(backend: str, sizes: list[int], args: argparse.Namespace) -> list[dict]:
    """One database per size; the timed rounds then alternate between them.

    Interleaving matters on a shared machine: the speed of this machine drifts by tens of
    per cent over minutes, and measuring one size after the other put that drift straight
    into the ratio.
    """
    stores: dict[int, tuple[Store, DatabaseHandle, float]] = {}
    timings: dict[int, list[tuple[float, float, float]]] = {size: [] for size in sizes}
    try:
        for size in sizes:
            stores[size] = filled_store(backend, size, args.batch)
            print(f"{backend:8} filled {size:>7} in {stores[size][2]:.0f} s", file=sys.stderr)
        fresh = 10_000_000  # measured articles never collide with the fill's numbers
        for _ in range(args.rounds):
            for size in sizes:
                store = stores[size][0]
                timings[size].append(measure(store, fresh, args.measure, size, args.batch))
                fresh += args.measure
    finally:
        for store, handle, _ in stores.values():
            store.close()
            drop_database(handle)
    rows = []
    for size in sizes:
        rounds = timings[size]
        best = min(r[0] for r in rounds)
        cpu = min(r[1] for r in rounds)
        writer = min(r[2] for r in rounds)
        rows.append(
            {
                "backend": backend,
                "stored": size,
                "rate": args.measure / best,
                "ms_per_article": 1000 * best / args.measure,
                "cpu_rate": args.measure / cpu,
                "cpu_ms_per_article": 1000 * cpu / args.measure,
                "writer_ms_per_article": 1000 * writer / args.measure,
                "fill_rate": size / stores[size][2],
                "fill_s": stores[size][2],
                "load": os.getloadavg()[0],
                "rounds": [round(args.measure / r[0]) for r in rounds],
            }
        )
        print(
            f"{backend:8} stored={size:>7}  {args.measure / best:8.0f} articles/s wall, "
            f"{args.measure / cpu:8.0f} per CPU-second "
            f"(rounds {rows[-1]['rounds']}, fill {rows[-1]['fill_rate']:.0f}/s)",
            file=sys.stderr,
            flush=True,
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--measure", type=int, default=1000, help="articles per timed round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch", type=int, default=200, help="STORE_BATCH_SIZE")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"load average before: {os.getloadavg()}", file=sys.stderr)
    results = []
    for backend in args.backends.split(","):
        results += run_backend(backend, sizes, args)
    print("\n| backend | already stored | articles/s (wall) | ms/article | "
          "articles per CPU-second (client) | CPU ms/article | writer CPU ms/article | "
          "fill (s) | load (1 min) |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in results:
        print(f"| {row['backend']} | {row['stored']:,} | {row['rate']:,.0f} | "
              f"{row['ms_per_article']:.2f} | {row['cpu_rate']:,.0f} | "
              f"{row['cpu_ms_per_article']:.2f} | {row['writer_ms_per_article']:.2f} | "
              f"{row['fill_s']:.0f} | "
              f"{row['load']:.1f} |")  # fmt: skip
    for backend in args.backends.split(","):
        mine = [r for r in results if r["backend"] == backend]
        wall = mine[-1]["ms_per_article"] / mine[0]["ms_per_article"]
        cpu = mine[-1]["cpu_ms_per_article"] / mine[0]["cpu_ms_per_article"]
        writer = mine[-1]["writer_ms_per_article"] / mine[0]["writer_ms_per_article"]
        print(f"\n{backend}: cost per article at {mine[-1]['stored']:,} / at "
              f"{mine[0]['stored']:,} = {wall:.2f} (wall), {cpu:.2f} (CPU), "
              f"{writer:.2f} (writer CPU)")  # fmt: skip
    print(f"load average after: {os.getloadavg()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
