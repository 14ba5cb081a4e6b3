"""Issue 13, small things users see in a crawl's log: no warning about a JOBDIR nobody asked
for, no alembic INFO chatter (still there at DEBUG), and a failed page says its HTTP status.

Each test runs ``scrapy crawl news`` as users do, in a subprocess, and reads its log.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.mockserver import MockServer
from tests.newsroomkit import ROOT

pytestmark = [pytest.mark.slow]


def crawl_log(server: MockServer, tmp_path: Path, log_level: str) -> str:
    """The log of a crawl of a feed with a 404 item and an article."""
    gone, article = server.url("/status/404"), server.url("/article/1")
    feed = server.url(f"/feed?to={gone}&to={article}")
    log = tmp_path / f"crawl-{log_level}.log"
    settings = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'news.db'}",
        "NEWSCRAWL_ALLOWED_PRIVATE_HOSTS": server.hostport(),
        "NEWSCRAWL_LOCK_DIR": str(tmp_path / "locks"),
        "HTTPCACHE_DIR": str(tmp_path / "httpcache"),
        "NEWSCRAWL_RENDER_JS": "False",
        "NEWSCRAWL_EXTRACT_WORKERS": "0",
        "TELNETCONSOLE_ENABLED": "False",
        "LOG_LEVEL": log_level,
        "LOG_FILE": str(log),
    }
    args = [arg for key, value in settings.items() for arg in ("-s", f"{key}={value}")]
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"start_urls={feed}", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    text = log.read_text() + done.stderr
    assert "Traceback" not in text, text[-3000:]
    return text


def test_a_crawl_log_says_what_matters(tmp_path: Path) -> None:
    with MockServer() as server:
        text = crawl_log(server, tmp_path, "INFO")
        gone = server.url("/status/404")
    print(text[-2000:])
    assert "JobDirGuard" not in text
    assert "JOBDIR" not in text
    assert not re.search(r"\[alembic[.\w]*\] INFO", text), "alembic INFO lines in the log"
    # the failed page: its URL and its status, not only "Ignoring non-200 response"
    assert re.search(rf"page failed: {re.escape(gone)}: HTTP 404 Not Found", text), text[-3000:]
    assert "storing into sqlite" in text  # the store (and alembic) did run


def test_alembic_is_still_heard_at_debug(tmp_path: Path) -> None:
    with MockServer() as server:
        text = crawl_log(server, tmp_path, "DEBUG")
    assert re.search(r"\[alembic[.\w]*\] INFO", text)
