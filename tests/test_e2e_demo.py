"""``newscrawl demo`` from a fresh working directory: the README's main job.

It stores into its own database, ``./newscrawl-demo.db``: a ``./news.db`` there (the default
database of real crawls) is left as it was.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pytest

from newscrawl.demo.server import free_port

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def run_demo(cwd, port: int) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSCRAWL_")}
    env.update(XDG_CACHE_HOME=str(cwd / ".cache"), XDG_STATE_HOME=str(cwd / ".state"))
    return subprocess.run(
        [sys.executable, "-m", "newscrawl", "demo", "--port", str(port)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def table(stdout: str) -> dict[str, list[int]]:
    rows = {}
    for line in stdout.splitlines():
        parts = line.rsplit(maxsplit=5)
        if len(parts) == 6 and all(p.isdigit() for p in parts[1:]):
            rows[parts[0].strip()] = [int(p) for p in parts[1:]]
    return rows


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_demo_crawls_the_newsroom_into_its_own_database(tmp_path) -> None:
    real = tmp_path / "news.db"  # a crawl's database, where the demo must not write
    upgrade = ["db", "upgrade", "--database-url", "sqlite:///news.db"]
    subprocess.run([sys.executable, "-m", "newscrawl", *upgrade], cwd=tmp_path, check=True)
    before = digest(real)
    port = free_port()  # the same port twice: the same URLs, so the second run is incremental
    first = run_demo(tmp_path, port)
    assert first.returncode == 0, first.stderr[-3000:]
    demo_db = tmp_path / "newscrawl-demo.db"
    assert demo_db.exists()
    assert digest(real) == before, "the demo wrote into news.db"
    assert f"storing into sqlite:///{demo_db}" in first.stderr  # it says where
    assert f"sqlite:///{demo_db} after" in first.stdout
    assert "crawling:" in first.stderr  # the progress display
    # publisher: articles, authors, credits, images, sightings. The exact database the
    # newsroom gives is test_e2e_store's; here, what the demo must show a newcomer: every
    # publisher of the newsroom, with what each stage found
    found = table(first.stdout)
    # AP News' two pages (one naming itself "Associated Press"): one publisher, the catalogue's
    assert set(found) == {"Evening Standard", "The Independent", "AP News"}, first.stdout
    columns = dict(zip(["articles", "authors", "credits", "images", "sightings"],
                       zip(*found.values(), strict=True), strict=True))  # fmt: skip
    assert all(n >= 1 for n in columns["articles"]), first.stdout
    assert all(s >= a for s, a in zip(columns["sightings"], columns["articles"], strict=True))
    assert sum(columns["sightings"]) > sum(columns["articles"])  # copies found as sightings
    assert sum(columns["authors"]) and sum(columns["credits"]) and sum(columns["images"])
    again = run_demo(tmp_path, port)  # incremental: nothing new, same table
    assert again.returncode == 0, again.stderr[-3000:]
    assert table(again.stdout) == found
