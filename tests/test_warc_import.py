"""``newscrawl import``: WARC files built from the loopback newsroom through the crawl's flow.

Reading (which records are pages, truncated and damaged files, not-a-WARC) is tested on the
functions; the command runs as users run it (a subprocess), into SQLite and Postgres.
"""

from __future__ import annotations

import gzip
import io
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select

from newscrawl.archive.importing import ImportFilter, process_record
from newscrawl.archive.progress import ImportProgress
from newscrawl.archive.read import NotAWarcError, PageRecord, Skipped, check_warc, scan
from newscrawl.article import Article
from newscrawl.demo.newsroom import build_newsroom
from newscrawl.publishers import parse_catalogue_text
from newscrawl.store.engine import create_engine
from newscrawl.store.schema import articles, crawl_runs, sightings
from tests.warckit import Rec, newsroom_records, shuffled, write_warc

ROOT = Path(__file__).resolve().parent.parent
MAX = 16 << 20


def verdicts(path: Path) -> tuple[list[PageRecord], dict[str, int]]:
    pages: list[PageRecord] = []
    skipped: dict[str, int] = {}
    for verdict in scan(path, MAX):
        if isinstance(verdict, PageRecord):
            pages.append(verdict)
        else:
            assert isinstance(verdict, Skipped)
            skipped[verdict.reason] = skipped.get(verdict.reason, 0) + 1
    return pages, skipped


def odd_records() -> list[Rec]:
    base = "http://127.0.0.2:8765"
    return [
        Rec(f"{base}/gone", b"<html><body>gone</body></html>", status=404),
        Rec(f"{base}/feed.xml", b"<rss/>", "application/rss+xml"),
        Rec(f"{base}/again", b"", kind="revisit"),
        Rec(f"{base}/meta", b"k: v\n", "application/warc-fields", kind="metadata"),
        Rec(f"{base}/cut", b"<html>" + b"x" * 500, extra_headers=(("WARC-Truncated", "length"),)),
    ]


@pytest.mark.parametrize("gz", [True, False], ids=["gzip", "plain"])
def test_scan_says_what_each_record_is_in_any_order(tmp_path, gz):
    records = newsroom_records()
    html = [r for r in records if r.content_type.startswith("text/html") and r.status == 200]
    path = write_warc(tmp_path / "a.warc", shuffled(records + odd_records()), gzip=gz)
    pages, skipped = verdicts(path)
    assert sorted(p.url for p in pages) == sorted(r.url for r in html)
    assert skipped["status"] == 1 + sum(1 for r in records if r.status != 200)
    assert skipped["revisit"] == 1 and skipped["metadata"] == 1 and skipped["truncated"] == 1
    assert skipped["not_html"] == 1 + sum(
        1 for r in records if not r.content_type.startswith("text/html") and r.status == 200
    )
    assert skipped["request"] == len(records) + 4  # one before each response and revisit
    first = pages[0]
    assert first.fetched_at is not None and first.fetched_at.tzinfo is not None
    # the worker reads each page back by its offset alone
    outcome = process_record(str(path), first.offset, first.url, max_size=MAX)
    assert outcome.kind in ("article", "listing", "app_shell"), outcome.error


@pytest.mark.parametrize("gz", [True, False], ids=["gzip", "plain"])
def test_a_cut_off_last_record_is_counted_and_the_rest_read(tmp_path, gz):
    records = [r for r in newsroom_records() if r.content_type.startswith("text/html")][:6]
    path = write_warc(tmp_path / "a.warc", records, gzip=gz)
    whole, _ = verdicts(path)
    data = path.read_bytes()
    cut = tmp_path / "cut.warc"
    cut.write_bytes(data[: whole[-1].offset + (len(data) - whole[-1].offset) // 2])
    pages, skipped = verdicts(cut)
    assert [p.url for p in pages] == [p.url for p in whole[:-1]]
    assert skipped.get("truncated", 0) + skipped.get("damaged", 0) >= 1


def test_not_a_warc_is_one_clear_error(tmp_path):
    text = tmp_path / "notes.warc"
    text.write_text("these are my notes\n")
    zipped = tmp_path / "notes.warc.gz"
    zipped.write_bytes(gzip.compress(b"<html>not an archive</html>"))
    empty = tmp_path / "empty.warc.gz"
    empty.write_bytes(b"")
    for path, why in ((text, "starts with"), (zipped, "starts with"), (empty, "empty file")):
        with pytest.raises(NotAWarcError, match=why):
            check_warc(path)
    done = run_import([str(text)], f"sqlite:///{tmp_path / 'n.db'}", tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"newscrawl import: {text}: not a WARC file (it starts with b'these ar')"
    ]
    missing = run_import([str(tmp_path / "nope.warc.gz")], f"sqlite:///{tmp_path / 'n.db'}",
                         tmp_path)  # fmt: skip
    assert missing.returncode == 2 and "no such file" in missing.stderr
    assert "Traceback" not in done.stderr + missing.stderr
    assert not (tmp_path / "n.db").exists()


CATALOGUE = """
[publisher.apnews]
name = "AP News"
aliases = ["Associated Press"]
domains = ["127.0.0.3"]
entry = [{ url = "http://127.0.0.3:8765/" }]
"""


def test_filter_by_time_and_publisher():
    catalogue = parse_catalogue_text(CATALOGUE, "test")
    by_host = ImportFilter.build(["apnews", "independent.co.uk"], catalogue)
    assert by_host.by_host_only
    assert by_host.admits_url("http://127.0.0.3:8765/article/x")
    assert by_host.admits_url("https://www.independent.co.uk/news/a.html")
    assert not by_host.admits_url("http://127.0.0.2:8765/news/a.html")
    by_name = ImportFilter.build(["The Independent"])
    assert not by_name.by_host_only and by_name.admits_url("http://anything.example/")
    assert by_name.admits(Article(url="http://x.example/a", publisher="the independent"))
    assert not by_name.admits(Article(url="http://x.example/a", publisher="AP News"))


@pytest.mark.parametrize("given", ["apnews", "APNEWS", "AP News", "associated press"])
def test_a_publisher_is_named_by_key_name_or_alias_as_crawl_publisher_names_it(given):
    """--publisher takes what `crawl --publisher` takes, through the same catalogue rule
    (find_publisher): each way stands for the publisher's domains and every name it has."""
    found = ImportFilter.build([given], parse_catalogue_text(CATALOGUE, "test"))
    assert found.by_host_only and found.domains == ("127.0.0.3",)
    assert found.admits_url("http://127.0.0.3:8765/article/x")
    assert not found.admits_url("http://127.0.0.2:8765/article/x")
    for stored in ("AP News", "Associated Press"):
        assert found.admits(Article(url="http://copy.example/a", publisher=stored))
    assert found.admits(Article(url="http://copy.example/a", source="apnews"))
    assert not found.admits(Article(url="http://copy.example/a", publisher="The Independent"))


def test_a_name_the_catalogue_does_not_know_matches_as_stored():
    found = ImportFilter.build(["127.0.0.3", "Daily Planet"], parse_catalogue_text(CATALOGUE, "t"))
    assert not found.by_host_only and found.domains == ("127.0.0.3",)
    assert found.admits(Article(url="http://x.example/a", publisher="daily planet"))
    assert found.admits(Article(url="http://127.0.0.3:8765/a", publisher="Other"))
    assert not found.admits(Article(url="http://x.example/a", publisher="Other"))


def run_import(
    inputs: list[str], database_url: str, workdir: Path, *extra: str, progress: bool = False
) -> subprocess.CompletedProcess[str]:
    settings = {"NEWSCRAWL_LOCK_DIR": workdir / "locks", "LOG_FILE": workdir / "import.log",
                "LOG_LEVEL": "INFO"}  # fmt: skip
    command = [sys.executable, "-m", "newscrawl", "import", *inputs, "--database-url",
               database_url, *([] if progress else ["--no-progress"]), *extra]  # fmt: skip
    for key, value in settings.items():
        command += ["-s", f"{key}={value}"]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def table_rows(database_url: str) -> dict[str, Any]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as c:
            return {
                "articles": c.execute(select(func.count()).select_from(articles)).scalar_one(),
                "urls": set(c.execute(select(sightings.c.url)).scalars()),
                "canonical": set(c.execute(select(articles.c.canonical_url)).scalars()),
                "runs": c.execute(
                    select(crawl_runs.c.spider, crawl_runs.c.pages, crawl_runs.c.items_stored)
                ).all(),
            }
    finally:
        engine.dispose()


@pytest.mark.slow
def test_import_stores_what_the_newsroom_holds_on_both_databases(tmp_path, database_url):
    records = newsroom_records()
    gz = write_warc(tmp_path / "newsroom.warc.gz", records + odd_records())
    done = run_import([str(gz)], database_url, tmp_path)
    assert done.returncode == 0, done.stderr + (tmp_path / "import.log").read_text()
    assert "import: " in done.stderr and ": ok" in done.stderr
    first = table_rows(database_url)
    assert first["articles"] >= 7  # the newsroom's distinct stories
    # the aggregator copies are sightings of their publisher's article, not rows of their own
    assert any("127.0.0.1" in url for url in first["urls"])
    assert not any("127.0.0.1" in url for url in first["canonical"])
    [(spider, pages, stored)] = first["runs"]
    assert spider == "warc_import" and pages > 0 and stored > 0
    # the same pages, plain and in another order: nothing new
    plain = write_warc(tmp_path / "again.warc", shuffled(records), gzip=False)
    again = run_import([str(plain)], database_url, tmp_path, progress=True)
    assert again.returncode == 0, again.stderr
    # the progress line: records, articles, stored, rate (the last one, at the end)
    records = 2 * len(records)  # a request record before each response
    assert re.search(rf"^imported: 1 of 1 files, {records} records, \d+ articles, \d+ stored, "
                     r"\d+ records/s$", again.stderr, re.MULTILINE), again.stderr  # fmt: skip
    second = table_rows(database_url)
    assert second["articles"] == first["articles"] and second["urls"] == first["urls"]


_SCAN_RSS = """
import resource, sys
from newscrawl.archive.read import PageRecord, scan
pages = sum(1 for v in scan(sys.argv[1], 1 << 24) if isinstance(v, PageRecord))
print(pages, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def _scan_rss(path: Path) -> tuple[int, int]:
    done = subprocess.run([sys.executable, "-c", _SCAN_RSS, str(path)], capture_output=True,
                          text=True, check=True, cwd=ROOT)  # fmt: skip
    pages, rss_mb = done.stdout.split()
    return int(pages), int(rss_mb)


def test_reading_a_large_file_takes_no_more_memory_than_a_small_one(tmp_path):
    """The importing process holds one record at a time, whatever the file's size (each
    worker holds the one page it processes)."""
    page = b"<html><body><p>" + b"the story goes on " * 100_000 + b"</p></body></html>"  # 1.8 MB
    base = "http://127.0.0.2:8765/news/"
    big = write_warc(tmp_path / "big.warc", [Rec(f"{base}{i}", page) for i in range(100)],
                     gzip=False)  # fmt: skip
    small = write_warc(tmp_path / "small.warc", [Rec(f"{base}0", page)], gzip=False)
    assert big.stat().st_size > 150 * 2**20
    big_pages, big_rss = _scan_rss(big)
    small_pages, small_rss = _scan_rss(small)
    assert (big_pages, small_pages) == (100, 1)
    assert big_rss - small_rss < 16, (big_rss, small_rss)


def test_progress_line_says_records_articles_rate_and_time_left(tmp_path):
    warc = tmp_path / "a.warc"
    warc.write_bytes(b"x" * 1000)

    class Stats:
        def get_value(self, key: str, default: int = 0) -> int:
            return 3 if key == "newscrawl/store/new" else default

    out = io.StringIO()
    progress = ImportProgress(SimpleNamespace(stats=Stats()), [str(warc)], enabled=True, out=out)
    progress.started -= 10
    progress.file_started(str(warc))
    for _ in range(40):
        progress.record(250)  # a quarter of the file read in 10 s
    progress.article()
    line = progress.line(time.monotonic())
    assert line == "importing: file 1/1, 40 records, 1 articles, 3 stored, 4 records/s, 30 s left"
    progress.file_done()
    progress.finish()
    assert out.getvalue().splitlines()[-1].startswith("imported: 1 of 1 files, 40 records")


@pytest.mark.slow
def test_import_keeps_only_the_publishers_and_times_asked_for(tmp_path):
    records = newsroom_records()
    gz = write_warc(tmp_path / "newsroom.warc.gz", shuffled(records))
    url = f"sqlite:///{tmp_path / 'news.db'}"
    done = run_import([str(gz)], url, tmp_path, "--publisher", "127.0.0.3", "--since",
                      "2026-03-01", "--until", "2026-03-01")  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = table_rows(url)
    assert rows["articles"] >= 2
    assert all(u.startswith("http://127.0.0.3:") for u in rows["urls"]), rows["urls"]
    log = (tmp_path / "import.log").read_text()
    assert "'newscrawl/warc/skipped/publisher'" in log
    late = run_import([str(gz)], f"sqlite:///{tmp_path / 'late.db'}", tmp_path, "--since",
                      "2026-03-02")  # fmt: skip
    assert late.returncode == 0, late.stderr
    assert table_rows(f"sqlite:///{tmp_path / 'late.db'}")["articles"] == 0


@pytest.mark.slow
def test_import_publisher_takes_a_name_or_alias_of_the_catalogue(tmp_path):
    """`--publisher "the wire service"` (an alias, any case) keeps the pages of the catalogue
    publisher it names, as `crawl --publisher` would choose it, though no article is stored
    under that name."""
    catalogue = tmp_path / "newsroom.toml"
    text = build_newsroom(8765).sources_toml()
    catalogue.write_text(text.replace('name = "AP News"\n', 'name = "AP News"\n'
                                      'aliases = ["The Wire Service"]\n', 1))  # fmt: skip
    gz = write_warc(tmp_path / "newsroom.warc.gz", shuffled(newsroom_records()))
    url = f"sqlite:///{tmp_path / 'news.db'}"
    done = run_import([str(gz)], url, tmp_path, "--sources", str(catalogue), "--publisher",
                      "the wire service")  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = table_rows(url)
    assert rows["articles"] >= 2
    assert all(u.startswith("http://127.0.0.3:") for u in rows["urls"]), rows["urls"]


@pytest.mark.slow
def test_ctrl_c_stops_an_import_cleanly(tmp_path):
    """SIGINT in the middle: exit 130, the run recorded as stopped, nothing left dangling."""
    pages = [r for r in newsroom_records() if r.content_type.startswith("text/html")]
    copies = [Rec(f"{r.url}?copy={i}", r.body, r.content_type, r.status)
              for i in range(40) for r in pages]  # fmt: skip
    gz = write_warc(tmp_path / "many.warc.gz", copies)
    url = f"sqlite:///{tmp_path / 'news.db'}"
    log = tmp_path / "import.log"
    command = [sys.executable, "-m", "newscrawl", "import", str(gz), "--database-url", url,
               "--no-progress", "-s", f"LOG_FILE={log}", "-s", "STORE_FLUSH_INTERVAL=0.5",
               "-s", f"NEWSCRAWL_LOCK_DIR={tmp_path / 'locks'}"]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and process.poll() is None:
        if (log.exists() and "newscrawl/store" in log.read_text()) or _stored(url) > 0:
            break
        time.sleep(0.2)
    assert process.poll() is None, "the import ended before it could be stopped"
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err[-3000:]
    assert "STOPPED by SIGINT" in err
    text = log.read_text()
    assert "'finish_reason': 'shutdown'" in text
    for output in (text, err):
        assert "Task was destroyed" not in output and "Traceback" not in output


def _stored(url: str) -> int:
    try:
        return int(table_rows(url)["articles"])
    except Exception:  # not created yet
        return 0
