"""The progress line of ``newscrawl import``: records read, articles stored, rate, time left.

Time left is estimated from the bytes of the local files read so far (a file fetched from a
listing counts once it is there), so it does not depend on how many records a file holds.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, TextIO

from newscrawl.archive.listing import is_url

#: Seconds between two progress lines (a terminal gets a line rewritten in place).
EVERY_TTY, EVERY_LOG = 0.5, 5.0


def _size(name: str) -> int:
    try:
        return 0 if is_url(name) else os.path.getsize(name)
    except OSError:
        return 0


class ImportProgress:
    """Fed by the import spider; reads the stored count from the crawler's stats."""

    def __init__(
        self, crawler: Any, inputs: list[str], *, enabled: bool, out: TextIO | None = None
    ) -> None:
        self.crawler = crawler
        self.enabled = enabled
        self.out = out or sys.stderr
        self.files_total = len(inputs)
        self.files_done = 0
        self.bytes_total = sum(_size(name) for name in inputs)
        self.bytes_before = 0  # bytes of the files finished
        self.current_size = 0
        self.position = 0
        self.records = self.articles = 0
        self.started = time.monotonic()
        self._last = 0.0
        self._tty = self.out.isatty()

    def file_started(self, name: str) -> None:
        self.current_size = _size(name)
        self.position = 0

    def file_done(self) -> None:
        self.files_done += 1
        self.bytes_before += self.current_size
        self.position = 0
        self.show()

    def record(self, offset: int) -> None:
        self.records += 1
        self.position = offset
        self.show()

    def article(self) -> None:
        self.articles += 1

    def stored(self) -> int:
        stats = self.crawler.stats
        outcomes = ("new", "merged", "revised", "unchanged")
        return sum(int(stats.get_value(f"newscrawl/store/{o}", 0) or 0) for o in outcomes)

    def line(self, now: float, final: bool = False) -> str:
        elapsed = max(now - self.started, 1e-9)
        rate = self.records / elapsed
        where = (
            f"imported: {self.files_done} of {self.files_total} files"
            if final
            else f"importing: file {min(self.files_done + 1, self.files_total)}/{self.files_total}"
        )
        text = (
            f"{where}, {self.records} records, {self.articles} articles, {self.stored()} stored, "
            f"{rate:.0f} records/s"
        )
        done = self.bytes_before + self.position
        if self.bytes_total and done and not final:
            left = elapsed * (self.bytes_total - done) / done
            text += f", {max(left, 0):.0f} s left"
        return text

    def show(self, final: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not final and now - self._last < (EVERY_TTY if self._tty else EVERY_LOG):
            return
        self._last = now
        text = self.line(now, final)
        if self._tty:
            self.out.write("\r" + text + ("\n" if final else ""))
        else:
            self.out.write(text + "\n")
        self.out.flush()

    def finish(self) -> None:
        self.show(final=True)
