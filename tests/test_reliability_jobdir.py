"""JOBDIR: clean stop and resume, SIGKILL then a fresh run, corrupt and locked JOBDIRs.

The slow tests run ``scrapy crawl news`` as a subprocess against ``bench/siteserver.py`` (150
generated publisher pages with bylines, figures and photo credits, reached through a sitemap
index) and count, from the server's request log, which article pages each run fetched. Each
prints one ``FIGURES`` line (pages before the stop, after it, re-fetches, wall and CPU time)
for docs and reports. The fast tests drive :mod:`newscrawl.run.jobdir` and the extension directly.
"""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from filelock import FileLock
from newscrawl.extensions.jobdir import JobDirGuard
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler

from newscrawl.run import jobdir as jd
from tests.crawlkit import generated_site

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = 150  # enough for a stop in the middle with batches stored and batches buffered
STOP_AT = 60  # ~40% of the article pages fetched
CRAWL_TIMEOUT = 420


# --- the loopback site and the crawls ----------------------------------------------------------


@dataclass(frozen=True)
class Site:
    base: str
    log: Path

    def article_fetches(self, agent: str | None = None) -> list[str]:
        """Article paths fetched so far, in order (with repeats), optionally by one agent."""
        if not self.log.exists():
            return []
        out = []
        for line in self.log.read_text().splitlines():
            parts = line.split("\t")
            wanted = agent is None or parts[-1] == agent
            if len(parts) == 4 and parts[2].startswith("/news/") and wanted:
                out.append(parts[2])
        return out

    def requests_by(self, agent: str) -> int:
        if not self.log.exists():
            return 0
        return sum(1 for line in self.log.read_text().splitlines() if line.endswith("\t" + agent))


@pytest.fixture
def site(tmp_path) -> Iterator[Site]:
    log = tmp_path / "requests.tsv"
    with generated_site(ARTICLES, log) as base:
        yield Site(base, log)


_STARTED: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def _no_stray_crawls() -> Iterator[None]:
    """A failed assertion must not leave a crawl running."""
    yield
    while _STARTED:
        proc = _STARTED.pop()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@dataclass
class Run:
    """One ``scrapy crawl news`` subprocess."""

    proc: subprocess.Popen
    log: Path
    started: float
    cpu_before: float
    wall: float = 0.0
    cpu: float = 0.0

    def wait(self, timeout: float = CRAWL_TIMEOUT) -> int:
        code = self.proc.wait(timeout=timeout)
        self.wall = time.monotonic() - self.started
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.cpu = usage.ru_utime + usage.ru_stime - self.cpu_before
        return code

    @property
    def text(self) -> str:
        return self.log.read_text(errors="replace")


def start_crawl(
    site: Site, database_url: str, jobdir: Path, tmp_path: Path, name: str, **extra: object
) -> Run:
    settings: dict[str, object] = {
        "DATABASE_URL": database_url,
        "JOBDIR": jobdir,
        "NEWSCRAWL_ALLOWED_PRIVATE_HOSTS": "127.0.0.1",
        "NEWSCRAWL_LOCK_DIR": tmp_path / "locks",
        "STORE_SPOOL_DIR": tmp_path / "spool",
        "STORE_BATCH_SIZE": 25,
        "STORE_FLUSH_INTERVAL": 2,
        "HTTPCACHE_ENABLED": False,
        "NEWSCRAWL_RENDER_JS": False,
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS": 8,
        "NEWSCRAWL_EXTRACT_WORKERS": 0,  # JOBDIR is the crawler's: no extraction processes
        "USER_AGENT": f"jobdir-test-{name}",
        **extra,
    }
    args = [a for k, v in settings.items() for a in ("-s", f"{k}={v}")]
    log = tmp_path / f"crawl-{name}.log"
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(
        [sys.executable, "-m", "scrapy", "crawl", "news", "-a",
         f"start_urls={site.base}/sitemap.xml", *args],
        cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    _STARTED.append(proc)
    return Run(proc, log, time.monotonic(), usage.ru_utime + usage.ru_stime)


def wait_for_fetches(site: Site, run: Run, count: int, timeout: float = 240) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fetched = len(site.article_fetches())
        if fetched >= count:
            return fetched
        assert run.proc.poll() is None, run.text[-3000:]
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} article pages fetched in {timeout}s")


def expected_pages(site: Site) -> dict[str, tuple[int, int]]:
    """URL -> (authors, images) of every generated article, from the pages themselves."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import sitegen
    finally:
        sys.path.pop(0)
    out = {}
    for i in range(ARTICLES):
        html = sitegen.render(site.base, sitegen.article_path(i), ARTICLES).body.decode()
        found = re.search(r'ld\+json">(.*?)</script>', html)
        assert found is not None, "no JSON-LD in a generated page"
        data = json.loads(found.group(1))
        authors = {a["name"] for a in data["author"]}  # a name drawn twice is one author
        out[site.base + sitegen.article_path(i)] = (len(authors), html.count("<figure"))
    return out


@dataclass(frozen=True)
class Stored:
    articles: int
    distinct_urls: int
    sightings: int
    distinct_sightings: int
    children: dict[str, tuple[int, int, int]]  # url -> (authors, images, images with a credit)


def stored(database_url: str) -> Stored:
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        count = conn.execute(
            sa.text("SELECT count(*), count(DISTINCT canonical_url) FROM articles")
        ).one()
        seen = conn.execute(sa.text("SELECT count(*), count(DISTINCT url) FROM sightings")).one()
        rows = conn.execute(
            sa.text(
                "SELECT a.canonical_url,"
                " (SELECT count(*) FROM article_authors x WHERE x.article_id = a.id),"
                " (SELECT count(*) FROM images x WHERE x.article_id = a.id),"
                " (SELECT count(*) FROM images x WHERE x.article_id = a.id"
                "  AND x.credit IS NOT NULL) FROM articles a"
            )
        ).all()
    engine.dispose()
    return Stored(count[0], count[1], seen[0], seen[1], {r[0]: tuple(r[1:]) for r in rows})


def assert_complete_rows(db: Stored, expected: dict[str, tuple[int, int]]) -> None:
    """No duplicate, and every stored article has all its authors, images and credits."""
    assert db.articles == db.distinct_urls and db.sightings == db.distinct_sightings
    for url, (authors, images, credited) in db.children.items():
        assert (authors, images) == expected[url], url
        assert credited == images, url


def figures(test: str, **values: object) -> None:
    load = os.getloadavg()[0]
    print(f"FIGURES {test}: " + ", ".join(f"{k}={v}" for k, v in values.items()) +
          f", load1={load:.1f}")  # fmt: skip


# --- end to end ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_sigterm_then_resume_stores_every_article_once(site, tmp_path) -> None:
    database_url = f"sqlite:///{tmp_path / 'news.db'}"
    jobdir = tmp_path / "job"
    first = start_crawl(site, database_url, jobdir, tmp_path, "first")
    wait_for_fetches(site, first, STOP_AT)
    first.proc.send_signal(signal.SIGTERM)
    first.wait()
    assert "Closing spider (shutdown)" in first.text
    before = site.article_fetches()
    db = stored(database_url)
    assert db.articles == len(before) == len(set(before))  # a clean stop stores what it fetched
    marker = marker_of(jobdir)
    assert marker["state"] == "stopped" and marker["resumable"], marker

    second = start_crawl(site, database_url, jobdir, tmp_path, "second")
    assert second.wait() == 0, second.text[-3000:]
    assert "resuming" in second.text
    after = site.article_fetches("jobdir-test-second")
    db = stored(database_url)
    assert db.articles == ARTICLES
    assert_complete_rows(db, expected_pages(site))
    assert len(before) + len(after) == ARTICLES  # nothing fetched twice
    figures(
        "sigterm_resume", fetched_before_stop=len(before), stored_at_stop=len(before),
        fetched_after_resume=len(after), refetched=len(before) + len(after) - ARTICLES,
        stored=db.articles, wall_s=f"{first.wall:.1f}+{second.wall:.1f}",
        cpu_s=f"{first.cpu:.1f}+{second.cpu:.1f}", exit_codes=f"{first.proc.returncode},0",
    )  # fmt: skip


@pytest.mark.slow
def test_sigkill_then_fresh_run_stores_every_article_once(site, tmp_path, database_url) -> None:
    jobdir = tmp_path / "job"
    first = start_crawl(site, database_url, jobdir, tmp_path, "first")
    wait_for_fetches(site, first, STOP_AT)
    first.proc.kill()
    first.wait()
    before = site.article_fetches()
    expected = expected_pages(site)
    db = stored(database_url)
    assert db.articles < len(before)  # buffered and in-flight articles died with the process
    assert_complete_rows(db, expected)  # batches are transactions: no half-stored article
    at_kill = set(db.children)
    assert marker_of(jobdir)["state"] == "running"

    second = start_crawl(site, database_url, jobdir, tmp_path, "second")
    assert second.wait() == 0, second.text[-3000:]
    assert re.search(r"WARNING: JOBDIR .* cannot be resumed \(the crawl started .* did not stop "
                     r"cleanly", second.text), second.text[-3000:]  # fmt: skip
    assert list(tmp_path.glob("job.unclean-*"))
    after = site.article_fetches("jobdir-test-second")
    db = stored(database_url)
    assert db.articles == ARTICLES
    assert_complete_rows(db, expected)
    # exactly the pages whose articles were not stored are fetched again, each once
    assert sorted(after) == sorted(u.removeprefix(site.base) for u in set(expected) - at_kill)
    figures(
        f"sigkill_fresh[{database_url.split(':')[0]}]", fetched_before_kill=len(before),
        stored_at_kill=len(at_kill), fetched_after=len(after),
        refetched=len(before) + len(after) - ARTICLES, stored=db.articles,
        wall_s=f"{first.wall:.1f}+{second.wall:.1f}", cpu_s=f"{first.cpu:.1f}+{second.cpu:.1f}",
    )  # fmt: skip


@pytest.mark.slow
def test_corrupt_jobdir_is_set_aside_and_the_crawl_starts_afresh(site, tmp_path) -> None:
    database_url = f"sqlite:///{tmp_path / 'news.db'}"
    jobdir = tmp_path / "job"
    first = start_crawl(site, database_url, jobdir, tmp_path, "first", CLOSESPIDER_PAGECOUNT=60)
    assert first.wait() == 0, first.text[-3000:]
    assert marker_of(jobdir)["resumable"]
    queue_files = [p for p in (jobdir / "requests.queue").rglob("*")
                   if p.is_file() and p.name != "active.json"]  # fmt: skip
    assert queue_files
    for path in queue_files:  # same size, garbage content
        path.write_bytes(b"\x00garbage" * (path.stat().st_size // 8) + b"\xff")
    before = site.article_fetches()

    second = start_crawl(site, database_url, jobdir, tmp_path, "second")
    assert second.wait() == 0, second.text[-3000:]
    assert re.search(r"WARNING: JOBDIR .* cannot be resumed \(requests\.queue/.* (content "
                     r"changed|bytes, was)", second.text), second.text[-3000:]  # fmt: skip
    assert list(tmp_path.glob("job.corrupt-*"))
    after = site.article_fetches("jobdir-test-second")
    db = stored(database_url)
    assert db.articles == ARTICLES
    assert_complete_rows(db, expected_pages(site))
    assert len(before) + len(after) == ARTICLES
    figures(
        "corrupt_fresh", fetched_before=len(before), fetched_after=len(after),
        refetched=len(before) + len(after) - ARTICLES, stored=db.articles,
        wall_s=f"{first.wall:.1f}+{second.wall:.1f}", cpu_s=f"{first.cpu:.1f}+{second.cpu:.1f}",
    )  # fmt: skip


@pytest.mark.slow
def test_second_crawl_on_a_running_jobdir_is_refused_at_once(site, tmp_path) -> None:
    jobdir = tmp_path / "job"
    first = start_crawl(site, f"sqlite:///{tmp_path / 'a.db'}", jobdir, tmp_path, "first")
    wait_for_fetches(site, first, 20)
    # other database, other lock dir: only the JOBDIR is shared
    (tmp_path / "other").mkdir()
    second = start_crawl(site, f"sqlite:///{tmp_path / 'b.db'}", jobdir, tmp_path / "other",
                         "second")  # fmt: skip
    code = second.wait(timeout=60)
    assert code != 0
    assert "is in use by another crawl" in second.text and "not starting" in second.text
    assert "Spider opened" not in second.text  # refused by the command, before any set-up
    assert site.requests_by("jobdir-test-second") == 0
    assert first.proc.poll() is None  # the first crawl goes on
    first.proc.send_signal(signal.SIGTERM)
    first.wait()
    assert marker_of(jobdir)["state"] == "stopped"  # its JOBDIR was not touched
    figures("locked", second_exit_code=code, second_wall_s=f"{second.wall:.2f}",
            second_cpu_s=f"{second.cpu:.2f}", second_requests=0)  # fmt: skip


# --- newscrawl.run.jobdir and the extension, in process -----------------------------------


def marker_of(jobdir: Path) -> dict[str, Any]:
    found = jd.read_marker(jobdir)
    assert found is not None, f"no marker in {jobdir}"
    return found


def stopped_jobdir(path: Path, reason: str = "shutdown") -> Path:
    """A JOBDIR as a clean stop leaves it."""
    (path / "requests.queue" / "p20").mkdir(parents=True)
    (path / "requests.queue" / "active.json").write_text('{"p20": 20}')
    (path / "requests.queue" / "p20" / "q").write_bytes(b"\x80\x05request" * 40)
    (path / "requests.seen").write_text("0" * 40 + "\n" + "1" * 40 + "\n")
    (path / "spider.state").write_bytes(b"\x80\x04}\x94.")
    jd.mark_stopped(path, reason, resumable=True)
    return path


def test_clean_stop_is_resumed(tmp_path) -> None:
    assert jd.inspect(tmp_path / "none") == jd.Verdict(jd.FRESH)
    assert jd.inspect(stopped_jobdir(tmp_path / "job")).kind == jd.RESUME


@pytest.mark.parametrize(
    ("damage", "kind", "reason"),
    [
        (lambda p: (p / "requests.queue/p20/q").write_bytes(b"junk"), jd.CORRUPT,
         "requests.queue/p20/q is 4 bytes, was 360"),
        (lambda p: (p / "requests.queue/p20/q").write_bytes(b"\x00" * 360), jd.CORRUPT,
         "requests.queue/p20/q content changed"),
        (lambda p: (p / "requests.seen").write_text("0" * 40 + "\n0"), jd.CORRUPT,
         "requests.seen is 42 bytes, was 82"),
        (lambda p: (p / "spider.state").write_bytes(b"\x80\x04}"), jd.CORRUPT,
         "spider.state is 3 bytes, was 5"),
        (lambda p: (p / "requests.queue/active.json").unlink(), jd.CORRUPT,
         "requests.queue/active.json missing"),
        (lambda p: (p / "requests.queue/p20/q1").write_bytes(b"x"), jd.CORRUPT,
         "requests.queue/p20/q1 unexpected"),
        (lambda p: (p / jd.MARKER).write_bytes(b"{\x00"), jd.CORRUPT, "unreadable"),
        (lambda p: (p / jd.MARKER).unlink(), jd.UNCLEAN, "no newscrawl-jobdir.json"),
        (lambda p: jd.mark_running(p), jd.UNCLEAN, "did not stop cleanly"),
        (lambda p: jd.mark_stopped(p, "shutdown", resumable=False), jd.UNCLEAN,
         "could not save every pending request"),
        (lambda p: jd.mark_stopped(p, "finished", resumable=True), jd.FINISHED, "finished"),
    ],
)  # fmt: skip
def test_damaged_or_unclean_jobdir_is_not_resumed(tmp_path, damage, kind, reason) -> None:
    path = stopped_jobdir(tmp_path / "job")
    damage(path)
    verdict = jd.inspect(path)
    assert verdict.kind == kind and reason in verdict.reason, verdict


def _guard(jobdir: Path) -> tuple[JobDirGuard, Crawler]:
    crawler = get_crawler(Spider, settings_dict={"JOBDIR": str(jobdir)})
    return JobDirGuard.from_crawler(crawler), crawler


def test_guard_moves_an_unclean_jobdir_aside_with_a_warning(tmp_path, caplog) -> None:
    job = stopped_jobdir(tmp_path / "job")
    jd.mark_running(job)
    guard, crawler = _guard(job)
    assert not job.exists()
    (aside,) = tmp_path.glob("job.unclean-*")
    assert (aside / "requests.seen").exists()
    assert f"moved to {aside}" in caplog.text and "did not stop cleanly" in caplog.text
    assert crawler.stats.get_value("newscrawl/jobdir/unclean") == 1
    guard.lock.release()


def test_guard_empties_a_finished_job_and_resumes_a_stopped_one(tmp_path) -> None:
    job = stopped_jobdir(tmp_path / "job", reason="finished")
    guard, _ = _guard(job)
    assert list(job.iterdir()) == []
    guard.lock.release()
    job = stopped_jobdir(tmp_path / "job2")
    guard, crawler = _guard(job)
    assert (job / "requests.seen").exists()
    assert crawler.stats.get_value("newscrawl/jobdir/resume") == 1
    guard.lock.release()


def test_guard_refuses_a_locked_jobdir_and_leaves_it_alone(tmp_path, caplog) -> None:
    job = stopped_jobdir(tmp_path / "job")
    jd.mark_running(job)  # would be moved aside if the guard went on
    with FileLock(jd.lock_path(job)), pytest.raises(jd.JobDirLocked):
        _guard(job)
    assert "is in use by another crawl" in caplog.text
    assert marker_of(job)["state"] == "running"
    assert not list(tmp_path.glob("job.*-*"))


def test_guard_marks_running_then_stopped_with_the_scheduler_figures(tmp_path) -> None:
    job = tmp_path / "job"
    guard, crawler = _guard(job)
    guard.spider_opened()
    assert marker_of(job)["state"] == "running"
    (job / "requests.seen").write_text("0" * 40 + "\n")
    crawler.stats.set_value("newscrawl/jobdir/saved_requests", 3)
    crawler.stats.set_value("newscrawl/jobdir/unsaved_requests", 0)
    guard.spider_closed("shutdown")
    guard.engine_stopped()
    marker = marker_of(job)
    assert marker["state"] == "stopped" and marker["resumable"] and marker["reason"] == "shutdown"
    assert jd.inspect(job).kind == jd.RESUME
    FileLock(jd.lock_path(job)).acquire(timeout=0)  # released


def test_two_crawls_in_one_process_cannot_share_a_jobdir(tmp_path) -> None:
    job = tmp_path / "job"
    early = jd.acquire(job, hand_over=True)  # what `scrapy crawl` does before loading spiders
    first, _ = _guard(job)
    assert first.lock is early and early.is_locked
    with pytest.raises(jd.JobDirLocked):
        _guard(job)
    first.lock.release()
    assert not early.is_locked
    second, _ = _guard(job)  # free again
    second.lock.release()
