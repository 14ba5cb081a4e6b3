"""A local spool of articles the database could not take yet (JSON lines, one file each).

Each writer appends to a file of its own; a writer that starts finds the files left
by writers that died or gave up, claims each one by renaming it (atomic, so two
writers never replay the same file) and replays it once the database answers.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

from newscrawl.article import Article

#: Hints that de-duplication needs, so they survive the round trip through the spool.
KEPT_HINTS = ("original_url", "aggregator")
_PENDING, _CLAIMED = ".jsonl", ".claimed"


def to_line(article: Article) -> str:
    data = article.to_dict()
    data["hints"] = {k: article.hints[k] for k in KEPT_HINTS if k in article.hints}
    return json.dumps(data, ensure_ascii=False)


def from_line(line: str) -> Article:
    data = json.loads(line)
    article = Article.from_dict(data)
    article.hints.update(data.get("hints") or {})
    return article


class Spool:
    """Articles on disk, in arrival order, waiting for the database."""

    def __init__(self, directory: str | os.PathLike) -> None:
        self.directory = Path(directory)
        self.path = self.directory / f"spool-{os.getpid()}-{uuid.uuid4().hex[:8]}{_PENDING}"
        self.count = 0
        self._claimed: list[Path] = []

    def append(self, articles: list[Article]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            for article in articles:
                handle.write(to_line(article) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        self.count += len(articles)

    def claim_leftovers(self) -> int:
        """Take over spool files of other (finished or dead) writers; returns how many items."""
        if not self.directory.is_dir():
            return 0
        found = 0
        for path in sorted(self.directory.glob(f"spool-*{_PENDING}")):
            if path == self.path:
                continue
            target = path.with_suffix(f".{os.getpid()}{_CLAIMED}")
            try:
                path.rename(target)
            except OSError:
                continue  # another writer claimed it first
            self._claimed.append(target)
            with target.open(encoding="utf-8") as handle:
                found += sum(1 for line in handle if line.strip())
        self.count += found
        return found

    def rotate(self) -> list[Path]:
        """Close the file being appended to; returns every file ready for replay, oldest first."""
        if self.path.exists():
            target = self.path.with_suffix(f".{os.getpid()}{_CLAIMED}")
            self.path.rename(target)
            self._claimed.append(target)
            self.path = self.directory / f"spool-{os.getpid()}-{uuid.uuid4().hex[:8]}{_PENDING}"
        return list(self._claimed)

    def read(self, path: Path) -> Iterator[Article]:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield from_line(line)

    def done(self, path: Path, items: int) -> None:
        """The file's items are stored: delete it."""
        path.unlink(missing_ok=True)
        if path in self._claimed:
            self._claimed.remove(path)
        self.count = max(0, self.count - items)
