"""How fast does ``newscrawl import`` go, next to bare trafilatura on the same pages?

Builds one gzip'ed WARC of N generated article pages (``bench/sitegen.py``, 50–150 KB each,
written by the crawl's own WARC writer, a request record before each response), then, in the
same run:

  a) reading only: every record's headers and payload, FastWARC (what newscrawl uses) and
     warcio, records per second and their ratio;
  b) bare extraction: W worker processes each read a record by its offset and run
     ``trafilatura.extract`` on its decoded HTML, nothing else (the baseline);
  c) ``newscrawl import`` into a fresh SQLite file with ``NEWSCRAWL_EXTRACT_WORKERS=W``:
     reading, classification, extraction, normalization, de-duplication, storage;
  d) a live crawl of the same pages: ``scrapy crawl news`` of the generated site served on
     loopback (``bench/crawl_throughput.py``'s run, same W), into a fresh SQLite file.

Pages per second of (b) and (c) are over the work itself (c: from the first page handed to
extraction to the last page's outcome, from the run's stats, as (d) counts from the first to
the last article request the server saw: start-up and the final store flush left out); CPU
ms per page is that of the whole process tree (``os.wait4`` of the import, whose workers it
waits for; the pool's children for (b)). "c/b" is the import's pages per second over bare
extraction's; "c/d" over the live crawl's, and "d/c CPU" the crawl's CPU per page over the
import's. Peak RSS is the largest of the import process and its workers (each holds one
page); ``--sizes`` imports WARCs of
several sizes to show it does not grow with the file.

    .venv/bin/python bench/warc_import.py --articles 2000
    .venv/bin/python bench/warc_import.py --articles 1000 --sizes 1000,4000 --workers 2
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from crawl_throughput import become_subreaper, run_kind, running_site  # noqa: E402
from sitegen import article_page, article_path  # noqa: E402

from newscrawl.archive.read import PageRecord, read_page, scan  # noqa: E402
from newscrawl.archive.write import Fetched, WarcFiles  # noqa: E402

MAX = 16 << 20


def build_warc(directory: Path, n: int, base: str) -> Path:
    """The site's N article pages as the crawl would have written them."""
    files = WarcFiles(directory, f"bench-{n}", max_size=1 << 40)
    for i in range(n):
        page = article_page(base + "/", i, n)
        files.write(Fetched(
            url=base + article_path(i), method="GET", request_headers=[("User-Agent", "bench")],
            status=page.status, response_headers=[("Content-Type", page.content_type)],
            body=page.body, fetched_at=datetime(2026, 3, 1, tzinfo=UTC),
        ))  # fmt: skip
    files.close()
    [path] = files.finished
    return path


def read_fastwarc(path: Path) -> int:
    return sum(1 for v in scan(path, MAX) if isinstance(v, PageRecord))


def read_warcio(path: Path) -> int:
    from warcio.archiveiterator import ArchiveIterator

    count = 0
    with open(path, "rb") as f:
        for record in ArchiveIterator(f):
            if record.rec_type != "response":
                continue
            record.http_headers.get_header("Content-Type")
            record.content_stream().read()
            count += 1
    return count


def best_rate(fn, path: Path, rounds: int = 3) -> tuple[float, int]:
    best, count = 0.0, 0
    for _ in range(rounds):
        start = time.perf_counter()
        count = fn(path)
        best = max(best, count / (time.perf_counter() - start))
    return best, count


def _bare(job: tuple[str, int]) -> int:
    import trafilatura

    from newscrawl.fetch.encoding import decode_html

    body, content_type = read_page(job[0], job[1], MAX)
    text, _ = decode_html(body, content_type)
    return len(trafilatura.extract(text) or "")


def bare_extraction(path: Path, workers: int) -> tuple[float, float]:
    """(pages/s, CPU ms/page) of trafilatura alone in ``workers`` processes."""
    jobs = [(str(path), v.offset) for v in scan(path, MAX) if isinstance(v, PageRecord)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = resource.getrusage(resource.RUSAGE_SELF)
    context = multiprocessing.get_context("fork")  # the workers are our children: counted
    with context.Pool(max(1, workers)) as pool:
        pool.map(_bare, jobs[: max(1, workers)])  # warm: imports done before the clock
        start = time.perf_counter()
        pool.map(_bare, jobs, chunksize=4)
        elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    mine = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) + (
        mine.ru_utime + mine.ru_stime - own.ru_utime - own.ru_stime
    )
    return len(jobs) / elapsed, 1000 * cpu / len(jobs)


def run_import(path: Path, workers: int, tmp: Path) -> dict[str, float]:
    db = tmp / f"import-{path.stem}-{time.monotonic_ns()}.db"
    url = f"sqlite:///{db}"
    command = [sys.executable, "-m", "newscrawl", "import", str(path), "--database-url", url,
               "--no-progress", "-s", f"NEWSCRAWL_EXTRACT_WORKERS={workers}",
               "-s", f"NEWSCRAWL_LOCK_DIR={tmp / 'locks'}", "-s", "LOG_LEVEL=WARNING",
               "-s", f"LOG_FILE={tmp / 'import.log'}"]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    assert process.stderr is not None
    err = process.stderr.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"import failed: {err[-2000:]}")
    engine = sa.create_engine(url)
    with engine.connect() as c:
        stats, pages, stored = c.execute(sa.text(
            "SELECT stats, pages, items_stored FROM crawl_runs"
        )).one()  # fmt: skip
    engine.dispose()
    stats = json.loads(stats) if isinstance(stats, str) else stats
    first, last = (datetime.fromisoformat(stats[f"newscrawl/warc/{k}_page_time"])
                   for k in ("first", "last"))  # fmt: skip
    return {
        "pages": pages,
        "stored": stored,
        "rate": pages / (last - first).total_seconds(),
        "cpu_ms": 1000 * (usage.ru_utime + usage.ru_stime) / pages,
        "rss_mb": usage.ru_maxrss / 1024,  # the largest of the import and its workers
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2, help="extraction workers (b, c, d)")
    parser.add_argument("--sizes", default="", help="more WARC sizes to import (memory)")
    parser.add_argument("--no-crawl", action="store_true", help="skip (d)")
    args = parser.parse_args(argv)
    become_subreaper()
    with tempfile.TemporaryDirectory(prefix="warc-bench-") as name:
        tmp = Path(name)
        with running_site(args.articles, tmp) as site:
            path = build_warc(tmp, args.articles, site.base)
            print(f"WARC: {args.articles} pages, {path.stat().st_size / 2**20:.1f} MB gzip'ed, "
                  f"load {os.getloadavg()[0]:.2f}")  # fmt: skip
            fast, n = best_rate(read_fastwarc, path)
            slow, _ = best_rate(read_warcio, path)
            print(f"a) reading: FastWARC {fast:,.0f} records/s, warcio {slow:,.0f} records/s "
                  f"({n} pages): FastWARC/warcio {fast / slow:.2f}")  # fmt: skip
            bare_rate, bare_cpu = bare_extraction(path, args.workers)
            print(f"b) bare trafilatura, {args.workers} workers: {bare_rate:.1f} pages/s, "
                  f"{bare_cpu:.2f} CPU ms/page")  # fmt: skip
            result = run_import(path, args.workers, tmp)
            print(f"c) newscrawl import, {args.workers} workers: {result['rate']:.1f} pages/s, "
                  f"{result['cpu_ms']:.2f} CPU ms/page, {result['stored']} stored, peak RSS "
                  f"{result['rss_mb']:.0f} MB; c/b = {result['rate'] / bare_rate:.2f}")  # fmt: skip
            if not args.no_crawl:
                workers = [f"NEWSCRAWL_EXTRACT_WORKERS={args.workers}"]
                crawl = run_kind(site, "news-sqlite", args.articles, 32, tmp, workers)
                print(f"d) live crawl (scrapy crawl news), {args.workers} workers: "
                      f"{crawl.pages_per_second:.1f} pages/s, {crawl.cpu_per_page_ms:.2f} CPU "
                      f"ms/page, {crawl.stored} stored; c/d = "
                      f"{result['rate'] / crawl.pages_per_second:.2f}, d/c CPU = "
                      f"{crawl.cpu_per_page_ms / result['cpu_ms']:.2f}")  # fmt: skip
            for extra in [int(s) for s in args.sizes.split(",") if s.strip()]:
                other = build_warc(tmp, extra, site.base)
                more = run_import(other, args.workers, tmp)
                print(f"   import of {extra} pages ({other.stat().st_size / 2**20:.0f} MB): "
                      f"{more['rate']:.1f} pages/s, peak RSS {more['rss_mb']:.0f} MB")  # fmt: skip
                other.unlink()
        print(f"load after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
