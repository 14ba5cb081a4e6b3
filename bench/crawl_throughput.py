"""How close does ``scrapy crawl news`` get to bare Scrapy? Measure it on loopback.

For each site size N it starts ``bench/siteserver.py`` (N generated 50–150 KB article
pages, a sitemap index, section pages) in its own process and crawls the site with

  a) ``bench/bare_spider.py`` — plain Scrapy, fetch only (the baseline),
  b) ``scrapy crawl news`` into a fresh SQLite file,
  c) ``scrapy crawl news`` into a fresh Postgres database,

all with the same concurrency settings, one after another. Each crawler runs in a session of
its own; its CPU time is that of its whole process tree (its own rusage from ``os.wait4``,
which covers the children it waited for, plus any descendants it left behind, such as the
extraction workers' fork server: this process adopts and reaps them as a Linux child
subreaper). "Peak RSS" is the crawler process's own (its VmHWM, sampled every 0.5 s); "peak
PSS" is the largest sum, sampled alike, of the proportional set size of every process in the
session (shared pages counted once), the memory a multi-process crawl really uses. Pages per
second are counted on the server side (article pages served during the run, divided by the
time between the run's first and last request), so interpreter start-up and migrations are
excluded from the rate but included in CPU seconds per page. The server's own CPU per page
is printed too, to show it is not the bottleneck.

"CPU ratio to bare" divides the bare crawl's CPU per page by the run's: Scrapy runs on
one thread, so when each crawler has a core to itself this is the pages-per-second
ratio, and unlike pages per second it hardly moves when other jobs load the machine.

    .venv/bin/python bench/crawl_throughput.py --articles 5000
    .venv/bin/python bench/crawl_throughput.py --articles 1000 --articles 10000 --runs news-sqlite
    .venv/bin/python bench/crawl_throughput.py --articles 2000 --profile /tmp/prof

``--profile DIR`` adds one news crawl (SQLite) under py-spy and prints the top
functions by own time and by inclusive time (``pip install py-spy``).
"""

from __future__ import annotations

import argparse
import ctypes
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence, Set
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from newscrawl.store import upgrade

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.crawlkit import proc_kb

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = sys.executable
RUN_KINDS = ("bare", "news-sqlite", "news-postgres")
PG_ADMIN_URL = os.environ.get(
    "BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@dataclass(frozen=True, slots=True)
class RunResult:
    """What one crawl cost, from the server's log and the child's rusage."""

    kind: str
    articles: int
    pages: int
    crawl_seconds: float
    wall_seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    peak_pss_mb: float
    server_cpu_seconds: float
    stored: int | None
    exit_code: int

    @property
    def pages_per_second(self) -> float:
        return self.articles / self.crawl_seconds if self.crawl_seconds else 0.0

    @property
    def cpu_per_page_ms(self) -> float:
        return 1000 * self.cpu_seconds / max(1, self.pages)

    @property
    def server_cpu_per_page_ms(self) -> float:
        return 1000 * self.server_cpu_seconds / max(1, self.pages)


@dataclass(slots=True)
class Site:
    """A running ``siteserver.py`` process and its request log."""

    process: subprocess.Popen[str]
    base: str
    log: Path

    def log_size(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def cpu_seconds(self) -> float:
        """utime + stime of the server so far, from /proc (it is still running)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def running_site(articles: int, workdir: Path) -> Iterator[Site]:
    """Start the generated site on a free loopback port; stop it afterwards."""
    log = workdir / f"requests-{articles}.tsv"
    cmd = [PYTHON, str(BENCH / "siteserver.py"), "--articles", str(articles), "--log", str(log)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        ready = proc.stdout.readline().split()
        if not ready or ready[0] != "READY":
            raise RuntimeError(f"site server did not start: {ready!r}")
        yield Site(proc, f"http://127.0.0.1:{ready[1]}", log)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def common_settings(concurrency: int) -> list[str]:
    """The same engine settings for every run, so only the spider differs."""
    settings = {
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "AUTOTHROTTLE_ENABLED": False,
        "ROBOTSTXT_OBEY": True,
        "LOG_LEVEL": "INFO",
        "TELNETCONSOLE_ENABLED": False,
    }
    return [arg for k, v in settings.items() for arg in ("-s", f"{k}={v}")]


def bare_command(site: Site, concurrency: int) -> list[str]:
    return [
        PYTHON, "-m", "scrapy", "runspider", str(BENCH / "bare_spider.py"),
        "-a", f"start_url={site.base}/sitemap.xml", *common_settings(concurrency),
    ]  # fmt: skip


def news_command(
    site: Site, concurrency: int, database_url: str, articles: int, extra: Sequence[str] = ()
) -> list[str]:
    return [
        PYTHON, "-m", "scrapy", "crawl", "news",
        "-a", f"start_urls={site.base}/sitemap.xml", "-a", f"max_articles={articles}",
        "-s", f"DATABASE_URL={database_url}",
        "-s", "NEWSCRAWL_ALLOWED_PRIVATE_HOSTS=127.0.0.1,localhost",
        *common_settings(concurrency), *(arg for kv in extra for arg in ("-s", kv)),
    ]  # fmt: skip


def become_subreaper() -> bool:
    """Adopt orphaned descendants (Linux ``PR_SET_CHILD_SUBREAPER``), so their CPU is counted.

    Extraction workers are forked by a fork server that outlives the crawler by a moment;
    without this, init would reap it and its workers' CPU time would be lost.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


PR_SET_CHILD_SUBREAPER = 36


def _children_of(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found.update(int(c) for c in task.read_text().split())
    return found


def _session_pss_mb(sid: int) -> float:
    """Proportional set size of every live process in session ``sid`` (shared pages split)."""
    total_kb = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) != sid:
                continue
            total_kb += proc_kb(stat.parent.name, "smaps_rollup", "Pss:") or 0
        except (OSError, IndexError, ValueError):
            continue  # the process ended while we looked
    return total_kb / 1024


@dataclass(slots=True)
class ChildUsage:
    """A crawler's exit code, wall time, CPU time of its whole process tree, main RSS and
    peak summed PSS of the tree."""

    exit_code: int
    wall: float
    cpu: float
    rss_mb: float
    pss_mb: float


def run_child(
    cmd: list[str], cwd: Path, log_path: Path, others: Set[int] = frozenset()
) -> ChildUsage:
    """Run a crawler in a session of its own; account for every process it starts.

    The crawler's own rusage covers the children it waited for; descendants it left behind
    (a fork server and what it reaped) are adopted by this process (see
    :func:`become_subreaper`) and waited for here. ``others`` are this process's own
    children (the site server), which are never waited for.
    """
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(ROOT)
    peak, own_peak = [0.0], [0.0]
    done = threading.Event()
    start = time.perf_counter()
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )

        def sample() -> None:
            while not done.wait(0.5):
                peak[0] = max(peak[0], _session_pss_mb(proc.pid))
                own_peak[0] = max(own_peak[0], _peak_rss_mb(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    cpu = usage.ru_utime + usage.ru_stime
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # orphans exit once the crawler has gone
        adopted = _children_of(os.getpid()) - set(others)
        if not adopted:
            break
        for pid in adopted:
            _pid, _status, orphan = os.wait4(pid, 0)
            cpu += orphan.ru_utime + orphan.ru_stime
    done.set()
    sampler.join()
    return ChildUsage(proc.returncode, wall, cpu, own_peak[0], peak[0])


def _peak_rss_mb(pid: int) -> float:
    """The crawler's own peak RSS (``VmHWM``, sampled while it runs; it only grows). Not
    ``ru_maxrss`` from ``wait4``: Linux keeps the larger of the forking parent's RSS and the
    child's own there across ``execve``."""
    peak_kb = proc_kb(pid, "status", "VmHWM:")  # None: ended between two samples
    return 0.0 if peak_kb is None else peak_kb / 1024


def served_since(site: Site, offset: int) -> tuple[int, int, float]:
    """(article pages, all pages, seconds between first and last request) after ``offset``."""
    with site.log.open("rb") as fh:
        fh.seek(offset)
        rows = [line.split(b"\t") for line in fh.read().splitlines()]
    if not rows:
        return 0, 0, 0.0
    articles = sum(1 for r in rows if r[1] == b"200" and r[2].startswith(b"/news/"))
    return articles, len(rows), float(rows[-1][0]) - float(rows[0][0])


def count_articles(database_url: str) -> int | None:
    """Rows in ``articles`` after a run, as a sanity check that the crawl stored pages."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM articles")).scalar_one())
    except sa.exc.SQLAlchemyError:
        return None
    finally:
        engine.dispose()


@contextmanager
def fresh_postgres(name: str) -> Iterator[str]:
    """Create a migrated, empty Postgres database for one run and drop it afterwards."""
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        upgrade(url)  # `newscrawl db upgrade`: crawls refuse an unmigrated Postgres
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def measure(site: Site, kind: str, cmd: list[str], cwd: Path, workdir: Path) -> RunResult:
    offset, server_cpu = site.log_size(), site.cpu_seconds()
    usage = run_child(cmd, cwd, workdir / f"{kind}.log", {site.process.pid})
    time.sleep(0.2)  # let the server's log catch up with the last response
    articles, pages, span = served_since(site, offset)
    return RunResult(
        kind, articles, pages, span, usage.wall, usage.cpu, usage.rss_mb, usage.pss_mb,
        site.cpu_seconds() - server_cpu, None, usage.exit_code,
    )  # fmt: skip


def run_kind(
    site: Site, kind: str, n: int, concurrency: int, workdir: Path, extra: Sequence[str] = ()
) -> RunResult:
    """One crawl of the site, with its database created and counted where it has one."""
    if kind == "bare":
        return measure(site, kind, bare_command(site, concurrency), workdir, workdir)
    if kind == "news-sqlite":
        db = workdir / f"news-{n}.db"
        url = f"sqlite:///{db}"
        result = measure(site, kind, news_command(site, concurrency, url, n, extra), ROOT, workdir)
        return _with_stored(result, count_articles(url))
    with fresh_postgres(f"newscrawl_bench_{os.getpid()}_{n}") as url:
        result = measure(site, kind, news_command(site, concurrency, url, n, extra), ROOT, workdir)
        return _with_stored(result, count_articles(url))


def _with_stored(result: RunResult, stored: int | None) -> RunResult:
    fields = {f: getattr(result, f) for f in RunResult.__dataclass_fields__}
    return RunResult(**{**fields, "stored": stored})


def print_header(n: int) -> None:
    print(f"\n## N = {n:,} article pages\n")
    print(
        "| run | articles fetched | stored | pages/s | ratio to bare | CPU ms/page | "
        "CPU ratio to bare | peak RSS MB | peak PSS MB (all processes) | wall s | "
        "server CPU ms/page | load avg | exit |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|", flush=True)


def print_row(r: RunResult, base: RunResult | None) -> None:
    """One table row, printed as soon as the run ends (a long benchmark keeps its rows)."""
    ratio = f"{r.pages_per_second / base.pages_per_second:.2f}" if base else "—"
    cpu_ratio = f"{base.cpu_per_page_ms / r.cpu_per_page_ms:.2f}" if base else "—"
    print(
        f"| {r.kind} | {r.articles:,} | {r.stored if r.stored is not None else '—'} | "
        f"{r.pages_per_second:.1f} | {ratio} | {r.cpu_per_page_ms:.2f} | {cpu_ratio} | "
        f"{r.peak_rss_mb:.0f} | {r.peak_pss_mb:.0f} | {r.wall_seconds:.1f} | "
        f"{r.server_cpu_per_page_ms:.2f} | "
        f"{os.getloadavg()[0]:.1f} | {r.exit_code} |",
        flush=True,
    )


#: Where a news crawl's main-thread time goes: (label, frame name prefix) pairs.
STAGES: tuple[tuple[str, str], ...] = (
    ("start-up: imports", "_find_and_load ("),
    ("spider callbacks (parse_start/parse_page)", "DiscoverySpider.parse_"),
    ("  parse_document (the one lxml parse of the page)", "parse_document ("),
    ("  extract_document", "extract_document ("),
    ("    trafilatura", "bare_extraction ("),
    ("  is_app_shell (visible text of the page)", "is_app_shell ("),
    ("response.selector (parsel parse of the page)", "Selector.__init__ (parsel"),
    ("downloader middlewares: process_response", "DownloaderMiddlewareManager._process_response"),
    ("  hostile-response check (visible text)", "HostileResponseMiddleware.process_response"),
    ("item pipelines", "ItemPipelineManager.process_item_async"),
    ("  NormalizePipeline", "NormalizePipeline.process_item"),
    ("  DedupePipeline", "DedupePipeline.process_item"),
    ("  StorePipeline (buffer only)", "StorePipeline.process_item"),
    ("store writer (batched upserts)", "BufferedWriter.tick"),
    ("HTTP download and parsing (Twisted)", "HTTP11ClientProtocol"),
)


def print_profile(raw: Path, title: str, top: int = 25) -> None:
    """Main-thread time by stage, and the top functions by own and by inclusive samples.

    Reads py-spy's raw (collapsed) output; only stacks rooted in the main thread's
    ``runpy`` frame count, so idle helper threads (child watcher, thread pool) do not
    dilute the percentages.
    """
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, samples = line.rpartition(" ")
        frames = [f for f in stack.split(";") if f]
        if not frames or "<frozen runpy>" not in frames[0]:
            continue
        total += int(samples)
        own[frames[-1]] += int(samples)
        for frame in set(frames):
            inclusive[frame] += int(samples)
    print(f"\n## py-spy profile of {title}: {total:,} main-thread samples\n")
    print("| stage | share of main-thread time |\n|---|---:|")
    for label, prefix in STAGES:
        share = max((c for f, c in inclusive.items() if f.startswith(prefix)), default=0)
        print(f"| {label} | {100 * share / max(1, total):.1f}% |")
    for kind, counter in (("own time", own), ("inclusive time", inclusive)):
        print(f"\nTop {top} by {kind}:\n")
        for frame, count in counter.most_common(top):
            print(f"  {100 * count / total:5.1f}%  {frame}")


def profile(
    site: Site, n: int, concurrency: int, workdir: Path, extra: Sequence[str] = (), top: int = 25
) -> None:
    """One news crawl into SQLite under py-spy; print the hottest functions."""
    pyspy = shutil.which("py-spy") or str(Path(PYTHON).parent / "py-spy")
    raw = workdir / "profile.txt"
    cmd = news_command(site, concurrency, f"sqlite:///{workdir / 'profile.db'}", n, extra)
    run_child([pyspy, "record", "-r", "250", "-f", "raw", "-o", str(raw), "--", *cmd], ROOT,
              workdir / "profile.log", {site.process.pid})  # fmt: skip
    print_profile(raw, f"`scrapy crawl news` (N = {n:,})", top)
    print(f"\nraw profile: {raw}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, action="append", help="site size (repeatable)")
    parser.add_argument("--runs", default=",".join(RUN_KINDS), help="comma-separated subset")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--profile", type=Path, help="also profile a news crawl, output here")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE",
        help="an extra -s setting for the news crawls, e.g. NEWSCRAWL_EXTRACT_WORKERS=1",
    )  # fmt: skip
    parser.add_argument(
        "--workdir", type=Path, default=Path("/var/tmp"), help="parent of the work directory"
    )
    args = parser.parse_args(argv)
    kinds = [k for k in args.runs.split(",") if k]
    if unknown := set(kinds) - set(RUN_KINDS):
        parser.error(f"unknown runs: {sorted(unknown)}")
    args.workdir.mkdir(parents=True, exist_ok=True)
    if not become_subreaper():
        print("warning: not a subreaper; CPU of orphaned worker processes is not counted")
    workdir = Path(tempfile.mkdtemp(prefix="newscrawl-bench-", dir=args.workdir))
    print(f"work directory: {workdir} (crawler logs, request logs)")
    try:
        for n in args.articles or [5000]:
            with running_site(n, workdir) as site:
                print_header(n)
                base = None
                for kind in kinds:
                    result = run_kind(site, kind, n, args.concurrency, workdir, args.set)
                    base = result if kind == "bare" else base
                    print_row(result, base)
                if args.profile:
                    args.profile.mkdir(parents=True, exist_ok=True)
                    profile(site, n, args.concurrency, args.profile, args.set)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
