"""``-s NEWSCRAWL_WARC_DIR``: WARC files a crawl writes, rotated, closed, and recovered after a
``kill -9`` (real crawl processes against the loopback newsroom)."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastwarc.warc import ArchiveIterator

from newscrawl.archive.read import PageRecord, record_type_name, scan
from newscrawl.archive.write import (
    BROKEN_SUFFIX,
    OPEN_SUFFIX,
    Fetched,
    WarcFiles,
    recover,
    whole_members_end,
)
from tests.newsroomkit import ROOT, Newsroom, newsroom_fixture  # noqa: F401  (fixture)


def fetched(i: int, size: int = 2000) -> Fetched:
    body = (f"<html><body><h1>Story {i}</h1>" + "text " * (size // 5) + "</body></html>").encode()
    return Fetched(
        url=f"http://127.0.0.2:8765/news/{i}.html",
        method="GET",
        request_headers=[("User-Agent", "newscrawl")],
        status=200,
        response_headers=[("Content-Type", "text/html; charset=utf-8")],
        body=body,
    )


def records(path: Path) -> list[tuple[str, str | None, dict[str, str]]]:
    out = []
    for record in ArchiveIterator(str(path), parse_http=False):
        out.append(
            (
                record_type_name(record),
                record.headers.get("WARC-Target-URI"),
                record.headers.to_dict(),
            )
        )
        record.reader.consume()
    return out


def test_records_rotation_and_offsets(tmp_path):
    files = WarcFiles(tmp_path, "newscrawl-test", max_size=6000)
    where = []
    while len(files.finished) < 2:
        where.append(files.write(fetched(len(where))))
    where.append(files.write(fetched(len(where))))
    assert files.current is not None and Path(str(files.current) + OPEN_SUFFIX).exists()
    files.close()
    assert files.current is None and not list(tmp_path.glob("*" + OPEN_SUFFIX))
    assert len(files.finished) > 1  # rotated at the cap
    assert all(p.name.startswith("newscrawl-test-") for p in files.finished)
    for i, (path, offset) in enumerate(where):
        [page] = [v for v in scan(path, 1 << 20) if isinstance(v, PageRecord)
                  and v.offset == offset]  # fmt: skip
        assert page.url == fetched(i).url
    first = records(files.finished[0])
    assert [kind for kind, _, _ in first[:3]] == ["warcinfo", "response", "request"]
    response, request = first[1][2], first[2][2]
    assert response["WARC-Payload-Digest"].startswith("sha1:")
    assert response["WARC-Block-Digest"].startswith("sha1:") and "WARC-Date" in response
    assert request["WARC-Concurrent-To"] == response["WARC-Record-ID"]


def test_recover_finishes_a_cut_file_and_sets_aside_an_empty_one(tmp_path):
    files = WarcFiles(tmp_path, "killed", max_size=1 << 30)
    for i in range(3):
        files.write(fetched(i))
    assert files._file is not None
    files._file.flush()
    left = Path(str(files.current) + OPEN_SUFFIX)
    whole = left.stat().st_size
    with open(left, "ab") as f:  # a record cut short by a kill
        f.write(gzip.compress(b"WARC/1.1\r\n" + os.urandom(5000))[:300])
    assert recover(tmp_path) == []  # still held by a live writer: left alone
    files._file.close()  # the writer is gone (its lock with it), the file still .open
    broken = tmp_path / f"other.warc.gz{OPEN_SUFFIX}"
    broken.write_bytes(b"\x1f\x8b\x08\x00partial")
    done = dict(recover(tmp_path))
    final = left.with_name(left.name.removesuffix(OPEN_SUFFIX))
    assert "finished" in done[final] and final.stat().st_size == whole
    assert whole_members_end(final) == whole
    assert len([v for v in scan(final, 1 << 20) if isinstance(v, PageRecord)]) == 3
    assert tmp_path.joinpath(f"other.warc.gz{BROKEN_SUFFIX}").exists()
    assert not list(tmp_path.glob("*" + OPEN_SUFFIX))


def _crawl(newsroom: Newsroom, tmp: Path, name: str, warc_dir: Path, db: str) -> subprocess.Popen:
    settings = {
        "DATABASE_URL": db,
        "NEWSCRAWL_ALLOWED_PRIVATE_HOSTS": newsroom.allowed_hosts,
        "NEWSCRAWL_SOURCES_FILE": str(newsroom.sources),
        "NEWSCRAWL_LOCK_DIR": str(tmp / "locks"),
        "HTTPCACHE_ENABLED": "False",
        "NEWSCRAWL_WARC_DIR": str(warc_dir),
        "LOG_FILE": str(tmp / f"{name}-{time.monotonic_ns()}.log"),
        "TELNETCONSOLE_ENABLED": "False",
        "DOWNLOAD_DELAY": "0.3",  # slow enough to be killed in the middle
    }
    command = [sys.executable, "-m", "scrapy", "crawl", "source", "-a", f"name={name}"]
    for key, value in settings.items():
        command += ["-s", f"{key}={value}"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSCRAWL_")}
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip


@pytest.mark.slow
def test_a_killed_crawls_open_file_is_finished_by_the_next_crawl(
    tmp_path: Path, newsroom: Newsroom
) -> None:
    warcs = tmp_path / "warcs"
    db = f"sqlite:///{tmp_path / 'news.db'}"
    crawl = _crawl(newsroom, tmp_path, "independent", warcs, db)
    deadline = time.monotonic() + 120
    open_files: list[Path] = []
    while time.monotonic() < deadline:
        open_files = list(warcs.glob("*" + OPEN_SUFFIX)) if warcs.exists() else []
        if open_files and open_files[0].stat().st_size > 8000:
            break
        assert crawl.poll() is None, "the crawl ended before it could be killed"
        time.sleep(0.05)
    os.killpg(crawl.pid, signal.SIGKILL)
    crawl.wait(timeout=30)
    [left] = open_files
    assert left.exists()  # nobody closed it
    again = _crawl(newsroom, tmp_path, "inkl", warcs, db)
    _, err = again.communicate(timeout=300)
    assert again.returncode == 0, err.decode(errors="replace")[-3000:]
    assert not list(warcs.glob("*" + OPEN_SUFFIX))
    finished = left.with_name(left.name.removesuffix(OPEN_SUFFIX))
    assert finished.exists()
    pages = [v for v in scan(finished, 1 << 24) if isinstance(v, PageRecord)]
    assert pages and all(v.url.startswith(newsroom.url("independent")) for v in pages)
    assert [v for v in scan(finished, 1 << 24) if not isinstance(v, PageRecord)
            and v.reason in ("damaged", "truncated")] == []  # fmt: skip
    assert len(list(warcs.glob("newscrawl-source-inkl-*.warc.gz"))) == 1
