"""``newscrawl serve`` run as a user runs it (a real process on a free port), and a
hostile article to store in front of it."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

from newscrawl.article import Article, Image
from tests.storekit import T0

#: What a hostile page could carry in every field the reader prints. An aggregator's copy, so
#: that the publisher it names is stored as named (a site's own pages are named by its domain).
SCRIPT = "<script>alert('headline')</script>"
HOSTILE = Article(
    url="https://hostile.example/news/pwned",
    publisher="Hostile <img src=x onerror=alert('publisher')>",
    source="hostile",
    headline=f"Hostile headline {SCRIPT}",
    description="<b onmouseover=alert('description')>standfirst</b>",
    authors=["Eve <svg onload=alert('author')>"],
    body=f"First paragraph {SCRIPT} of the hostile story about zanzibarian lanterns.\n\n"
    "<a href=\"javascript:alert('body')\">click</a> and <iframe src=javascript:alert(1)>",
    images=[
        Image("javascript:alert('image')", caption="<script>alert('caption')</script>",
              credit="\" onerror=\"alert('credit')"),
        Image("data:image/svg+xml,<svg onload=alert('data')>", caption="a data picture"),
        Image("https://img.hostile.example/ok.jpg\" onerror=\"alert('attr')",
              caption="quoted attribute"),
    ],
    published_at=T0,
    fetched_at=T0,
    language="en",
    hints={"aggregator": "hostile"},
)  # fmt: skip


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@dataclass
class Reader:
    url: str
    process: subprocess.Popen[str]

    def get(
        self, path: str, *, follow: bool = True, **headers: str
    ) -> tuple[int, dict[str, str], bytes]:
        """The status, headers and body of ``path``, after redirects unless ``follow`` is
        false (then a redirect is the answer, its ``Location`` among the headers)."""
        request = urllib.request.Request(self.url.rstrip("/") + path, headers=headers)
        handlers = [] if follow else [_NoRedirect()]
        try:
            with urllib.request.build_opener(*handlers).open(request, timeout=30) as answer:
                return answer.status, dict(answer.headers.items()), answer.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers.items()), error.read()


@contextlib.contextmanager
def serve(database_url: str, *extra: str) -> Iterator[Reader]:
    """``newscrawl serve --port 0`` on ``database_url``, stopped with SIGTERM afterwards."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSCRAWL_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "newscrawl", "serve", "--database-url", database_url,
         "--port", "0", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("newscrawl serve: http://"), (line, process.stderr.read())  # type: ignore[union-attr]
        yield Reader(line.split()[2], process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
