"""A local spool of what the database could not take yet: articles and crawl-run records.

Files are JSON lines named ``spool-<database digest>-<pid>-<random>.jsonl``; the first line
names the database (its URL without user or password), every other line is an article or,
tagged ``newscrawl_crawl_run``, a ``crawl_runs`` row. A run replays only files of its own
database and leaves the others alone.

Ownership is an ``flock`` held on the open file: the writer that creates a file holds it
until it closes, and a later writer *claims* a left-over file by taking the lock (never
blocking). A lock dies with its process, so the files of a killed or finished run are
claimed by the next run, while two live writers can never hold, and so never replay, the
same file.

An append is one write of whole lines followed by ``fsync``; a write that fails half-way
(disk full) is cut back, so only a process killed in mid-write can leave a cut-off line.
Reading skips such a line, counts it and keeps it in ``<file>.damaged``.

A writer keeps a *reserve*: a hidden, locked ``.reserve-*`` file of allocated blocks. When
the disk is full the reserve becomes the writer's spool file (:meth:`Spool.take_reserve`):
what is spooled from then on is written into blocks it already holds, which nothing else on
the disk (the database finishing a checkpoint, another process) can take meanwhile; at close
the file is cut to what was written. A process killed before that leaves zero bytes after
its last line, which reading skips.

Run ``python -m newscrawl.store.spool adopt DIR --database-url URL`` to hand spool files of
newscrawl before 0.x (no database named) to a database.
"""

from __future__ import annotations

import argparse
import errno
import fcntl
import hashlib
import json
import logging
import os
import re
import sys
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from newscrawl.article import Article
from newscrawl.run.paths import state_dir
from newscrawl.store.runs import CrawlRun, run_from_dict, run_to_dict

logger = logging.getLogger(__name__)

#: Hints that de-duplication and the sightings need, so they survive the round trip through
#: the spool.
KEPT_HINTS = ("original_url", "aggregator", "warc")
#: The spool directory of newscrawl before spools named their database (relative to where a
#: crawl was started); runs still look there and say what they found.
LEGACY_DIR = "newscrawl-spool"
FORMAT = 1
_HEADER_KEY, _RUN_KEY = "newscrawl_spool", "newscrawl_crawl_run"
_NAME_RE = re.compile(r"^spool-([0-9a-f]{16})-\d+-[0-9a-f]{8}\.jsonl$")
_LEGACY_RE = re.compile(r"^spool-\d+-[0-9a-f]{8}(\.jsonl|\.\d+\.claimed)$")
#: Errors that mean "no room": the spool cannot take more until space is freed.
NO_SPACE = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
#: Bytes of a disk's free space not counted on when the spool writes outside a reserve: the
#: file system's own blocks and a new file's header.
SLACK = 64 * 1024
#: What is left of a line that is not one: whitespace, and the zeros a reserve is made of.
_BLANK = b" \t\r\n\x00"

Entry = Article | CrawlRun


def default_spool_dir() -> Path:
    """``$XDG_STATE_HOME/newscrawl/spool`` (``~/.local/state/newscrawl/spool``): per user,
    whatever directory a crawl is started from."""
    return state_dir() / "spool"


def database_identity(url: str | URL) -> str:
    """What names a database in the spool: no user, no password, an SQLite path made absolute.

    >>> database_identity("postgresql+psycopg://crawler:s3cret@db.example/news")
    'postgresql://db.example:5432/news'
    >>> database_identity("sqlite:////srv/news.db")
    'sqlite:////srv/news.db'
    """
    parsed = make_url(url) if isinstance(url, str) else url
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:") or parsed.query.get("mode") == "memory":
            return f"sqlite://:memory:{os.getpid()}"
        return "sqlite:///" + os.path.realpath(database)
    host = parsed.host or parsed.query.get("host") or "localhost"
    port = parsed.port or {"postgresql": 5432}.get(backend) or ""
    return f"{backend}://{host}:{port}/{parsed.database or ''}"


def digest_of(identity: str) -> str:
    return hashlib.sha256(identity.encode()).hexdigest()[:16]


def to_line(entry: Entry) -> str:
    if isinstance(entry, CrawlRun):
        return json.dumps({_RUN_KEY: run_to_dict(entry)}, ensure_ascii=False)
    data = entry.to_dict()
    data["hints"] = {k: entry.hints[k] for k in KEPT_HINTS if k in entry.hints}
    return json.dumps(data, ensure_ascii=False)


def from_line(line: str | bytes) -> Entry | None:
    """The article or run record of one line; ``None`` for a header. Raises on damage."""
    data = json.loads(line)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    if _HEADER_KEY in data:
        return None
    if _RUN_KEY in data:
        return run_from_dict(data[_RUN_KEY])
    article = Article.from_dict(data)
    if not isinstance(article.url, str):
        raise ValueError("no url")
    article.hints.update(data.get("hints") or {})
    return article


def _header(identity: str) -> bytes:
    return (json.dumps({_HEADER_KEY: FORMAT, "database": identity}) + "\n").encode()


def _lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class SpoolFile:
    """One spool file this writer holds the lock of; ``own``: written by this writer."""

    def __init__(
        self,
        path: Path,
        fd: int,
        own: bool,
        entries: int = 0,
        runs: int = 0,
        capacity: int | None = None,
    ) -> None:
        self.path = path
        self.fd = fd
        self.own = own
        #: A file made of the reserve: the bytes allocated to it, and where its lines end.
        self.capacity = capacity
        self.end = 0
        #: Articles and run records not yet replayed, and the byte offset replay has reached.
        self.entries = entries
        self.runs = runs
        self.offset = 0
        #: Offsets of the damaged lines already kept aside.
        self.damaged: set[int] = set()

    def forget(self, line: bytes) -> None:
        """One line will not be replayed (damaged): count it out."""
        if _is_run_line(line):
            self.runs = max(0, self.runs - 1)
        else:
            self.entries = max(0, self.entries - 1)

    def close(self) -> None:
        if self.fd >= 0:
            if self.capacity is not None:  # give back the part of the reserve not written
                try:
                    os.ftruncate(self.fd, self.end)
                except OSError as error:
                    logger.warning("spool: could not trim %s: %s", self.path, error)
            os.close(self.fd)  # releases the lock
            self.fd = -1


@dataclass
class Found:
    """What a writer found in its spool directory when it started."""

    files: int = 0
    entries: int = 0
    #: Files of other databases: identity -> file count (left alone).
    others: dict[str, int] | None = None
    #: Files of newscrawl before spools named their database (left alone).
    legacy: list[Path] | None = None


class Spool:
    """Articles (and run records) on disk, in arrival order, waiting for one database."""

    def __init__(self, directory: str | os.PathLike | None, database: str) -> None:
        self.directory = Path(directory) if directory else default_spool_dir()
        self.database = database
        self.digest = digest_of(database)
        self.files: list[SpoolFile] = []
        self.own: SpoolFile | None = None
        #: Lines that could not be read (cut off, not JSON, not an article), kept aside.
        self.damaged = 0
        self._reserve: tuple[Path, int] | None = None

    # --- state --------------------------------------------------------------------------

    @property
    def count(self) -> int:
        """Articles waiting in the files this writer holds."""
        return sum(f.entries for f in self.files)

    @property
    def own_count(self) -> int:
        """Articles of this writer's own files waiting."""
        return sum(f.entries for f in self.files if f.own)

    @property
    def own_runs(self) -> int:
        return sum(f.runs for f in self.files if f.own)

    @property
    def path(self) -> Path:
        """The file this writer appends to (or will create)."""
        return self.own.path if self.own else self.directory / f"spool-{self.digest}-*.jsonl"

    # --- writing ------------------------------------------------------------------------

    def append(self, entries: Sequence[Entry]) -> int:
        """Write ``entries`` and fsync; returns how many were written (all, unless the disk is
        full: then as many as fit, one by one). Raises ``OSError`` when none could be, or on
        any other error; a failed write leaves no partial line behind."""
        if not entries:
            return 0
        data = [(to_line(e) + "\n").encode() for e in entries]
        try:
            self._write(b"".join(data))
            return len(entries)
        except OSError as error:
            if error.errno not in NO_SPACE or len(entries) == 1:
                raise
            first_error = error
        written = 0
        for line in data:  # some may still fit
            try:
                self._write(line)
            except OSError as error:
                if written == 0:
                    raise first_error from error
                break
            written += 1
        return written

    def _write(self, data: bytes) -> None:
        own = self.own
        if own is None:
            own = self._create(data)
        elif own.capacity is not None:
            _write_within(own, data)
        else:
            fd = own.fd
            start = os.lseek(fd, 0, os.SEEK_END)
            try:
                _write_all(fd, data)
                os.fsync(fd)
            except OSError:
                os.ftruncate(fd, start)  # no cut-off line left behind
                raise
        articles, runs = _count_lines(data.splitlines())
        own.entries += articles
        own.runs += runs

    def _create(self, data: bytes) -> SpoolFile:
        """A new own file: written under a hidden name, locked, then renamed into place, so
        that no other writer ever sees it unlocked or without its first lines."""
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"spool-{self.digest}-{os.getpid()}-{uuid.uuid4().hex[:8]}.jsonl"
        final, hidden = self.directory / name, self.directory / f".{name}.tmp"
        fd = os.open(hidden, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        try:
            _lock(fd)
            _write_all(fd, _header(self.database) + data)
            os.fsync(fd)
            os.rename(hidden, final)
            _fsync_dir(self.directory)
        except OSError:
            os.close(fd)
            hidden.unlink(missing_ok=True)
            raise
        self.own = SpoolFile(final, fd, own=True, entries=0)
        self.files.append(self.own)
        return self.own

    # --- claiming and replaying ---------------------------------------------------------

    def claim_leftovers(self, legacy_dirs: Sequence[Path] = ()) -> Found:
        """Lock the files of this database that no live writer holds (their writer finished
        or died); note the files of other databases and of older newscrawl versions."""
        found = Found(others={}, legacy=[])
        assert found.others is not None and found.legacy is not None
        if self.directory.is_dir():
            paths = sorted(self.directory.iterdir(), key=_mtime)
            for path in paths:
                match = _NAME_RE.match(path.name)
                if _LEGACY_RE.match(path.name):
                    found.legacy.append(path)
                elif match and match.group(1) != self.digest:
                    other = _identity_in(path) or f"digest {match.group(1)}"
                    found.others[other] = found.others.get(other, 0) + 1
                elif match and all(f.path != path for f in self.files):
                    claimed = self._claim(path)
                    if claimed is not None:
                        found.files += 1
                        found.entries += claimed.entries
                elif path.name.startswith(f".spool-{self.digest}-") and path.name.endswith(".tmp"):
                    self._remove_if_abandoned(path)  # a creation killed before its rename
                elif path.name.startswith(".reserve-"):
                    self._remove_if_abandoned(path)  # the reserve of a writer that died
        for directory in legacy_dirs:
            if directory.is_dir() and directory.resolve() != self.directory.resolve():
                found.legacy.extend(p for p in directory.iterdir() if _LEGACY_RE.match(p.name))
        return found

    def _claim(self, path: Path) -> SpoolFile | None:
        try:
            fd = os.open(path, os.O_RDWR)
        except OSError:
            return None
        try:
            if not _lock(fd) or not _same_file(fd, path):
                os.close(fd)  # a live writer holds it, or it was replayed and deleted
                return None
            with open(os.dup(fd), "rb") as handle:
                articles, runs = _count_lines(handle)
        except OSError:
            os.close(fd)
            return None
        claimed = SpoolFile(path, fd, own=False, entries=articles, runs=runs)
        self.files.append(claimed)
        return claimed

    def _remove_if_abandoned(self, path: Path) -> None:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return
        try:
            if _lock(fd) and _same_file(fd, path):
                path.unlink()  # nobody holds it: an unfinished creation or a dead reserve
        except OSError:
            pass
        finally:
            os.close(fd)

    def pending(self) -> list[SpoolFile]:
        """Files with entries to replay: claimed ones (oldest first), then this writer's."""
        return sorted((f for f in self.files if f.entries or f.runs), key=lambda f: f.own)

    def read(self, spool_file: SpoolFile) -> Iterator[tuple[Entry, int]]:
        """Entries from where replay stopped, each with the offset just past it. Damaged lines
        are skipped, counted and kept in ``<file>.damaged`` (once, however often read)."""
        with open(os.dup(spool_file.fd), "rb") as handle:
            handle.seek(spool_file.offset)
            offset = spool_file.offset
            for line in handle:
                start, offset = offset, offset + len(line)
                if not line.strip(_BLANK) or start in spool_file.damaged:
                    continue
                try:
                    if not line.endswith(b"\n"):
                        raise ValueError("cut off: no newline at the end of the file")
                    entry = from_line(line)
                except Exception as error:
                    spool_file.damaged.add(start)
                    spool_file.forget(line)
                    self._keep_aside(spool_file, line, error)
                    continue
                if entry is not None:
                    yield entry, offset

    def _keep_aside(self, spool_file: SpoolFile, line: bytes, error: Exception) -> None:
        self.damaged += 1
        aside = spool_file.path.with_suffix(".damaged")
        logger.warning(
            "spool: skipping a damaged line (%d bytes, %s) of %s; kept in %s",
            len(line), type(error).__name__, spool_file.path, aside,
        )  # fmt: skip
        try:
            with aside.open("ab") as handle:
                handle.write(line if line.endswith(b"\n") else line + b"\n")
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as write_error:
            logger.error("spool: could not keep the damaged line in %s: %s", aside, write_error)

    def replayed(self, spool_file: SpoolFile, offset: int, articles: int, runs: int = 0) -> None:
        """Entries up to ``offset`` (``articles`` and ``runs`` more) are in the database."""
        spool_file.offset = offset
        spool_file.entries = max(0, spool_file.entries - articles)
        spool_file.runs = max(0, spool_file.runs - runs)

    def done(self, spool_file: SpoolFile) -> None:
        """Every entry of the file is in the database: delete it (still holding its lock)."""
        spool_file.path.unlink(missing_ok=True)
        spool_file.close()
        self.files.remove(spool_file)
        if spool_file is self.own:
            self.own = None

    # --- room for a full disk ------------------------------------------------------------

    @property
    def reserved(self) -> int:
        """Bytes set aside now (0: no reserve)."""
        return os.fstat(self._reserve[1]).st_size if self._reserve is not None else 0

    def reserve(self, size: int) -> None:
        """Set ``size`` bytes of the spool's disk aside (a locked, allocated file), to be
        given back by :meth:`release_reserve` when the disk is full, so that what waits in
        memory can still be spooled. Called again, grows or shrinks it to ``size``. Raises
        ``OSError`` when there is no room (an errno of :data:`NO_SPACE`) or no way to."""
        if size <= 0:
            return
        if self._reserve is not None:
            path, fd = self._reserve
            try:
                if size > os.fstat(fd).st_size:
                    os.posix_fallocate(fd, 0, size)
                else:
                    os.ftruncate(fd, size)
            except OSError as error:
                raise OSError(error.errno, error.strerror, str(path)) from error
            return
        path = self.directory / f".reserve-{self.digest}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        fd = -1
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
            _lock(fd)
            os.posix_fallocate(fd, 0, size)
        except OSError as error:
            if fd >= 0:
                os.close(fd)
                path.unlink(missing_ok=True)
            raise OSError(error.errno, error.strerror, str(path)) from error
        self._reserve = (path, fd)

    def take_reserve(self) -> int:
        """The disk is full: make the reserve this writer's spool file, so that what is
        spooled from now on goes into blocks already held. Returns its capacity (0: there
        was no reserve, or it could not be used: then it is given back to the disk)."""
        if self._reserve is None:
            return 0
        path, fd = self._reserve
        capacity = os.fstat(fd).st_size
        header = _header(self.database)
        final = self.directory / f"spool-{self.digest}-{os.getpid()}-{uuid.uuid4().hex[:8]}.jsonl"
        try:
            _pwrite_all(fd, header, 0)
            os.fsync(fd)
            os.rename(path, final)
            _fsync_dir(self.directory)
        except OSError as error:
            logger.warning("spool: could not make the reserve %s a spool file (%s); giving it "
                           "back to the disk instead", path, error)  # fmt: skip
            return self.release_reserve()
        self._reserve = None
        self.own = SpoolFile(final, fd, own=True, capacity=capacity)
        self.own.end = len(header)
        self.files.append(self.own)
        return capacity

    def room(self) -> int:
        """Bytes the spool can still take: what is left of the reserve it writes in, or else
        the free space of its disk (less :data:`SLACK`); -1 if unknown."""
        if self.own is not None and self.own.capacity is not None:
            return self.own.capacity - self.own.end
        try:
            found = os.statvfs(self.directory)
        except OSError:
            return -1
        return max(0, found.f_bavail * found.f_frsize - SLACK)

    def release_reserve(self) -> int:
        """Give the reserve back to the disk; returns how many bytes."""
        if self._reserve is None:
            return 0
        path, fd = self._reserve
        self._reserve = None
        size = os.fstat(fd).st_size
        path.unlink(missing_ok=True)
        os.close(fd)
        return size

    def close(self) -> None:
        """Release every lock; files with entries stay for the next writer."""
        self.release_reserve()
        for spool_file in self.files:
            spool_file.close()
        self.files.clear()
        self.own = None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _pwrite_all(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view, offset = view[written:], offset + written


def _write_within(spool_file: SpoolFile, data: bytes) -> None:
    """Append to a file made of the reserve, never beyond what it holds: no new block is
    asked of a full disk. What a failed write left after the last line is overwritten by
    the next one, or cut at close."""
    assert spool_file.capacity is not None
    if spool_file.end + len(data) > spool_file.capacity:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(spool_file.path))
    _pwrite_all(spool_file.fd, data, spool_file.end)
    os.fsync(spool_file.fd)
    spool_file.end += len(data)


def _same_file(fd: int, path: Path) -> bool:
    """The locked descriptor is still the file at ``path`` (not one deleted meanwhile)."""
    try:
        return os.fstat(fd).st_ino == os.stat(path).st_ino and os.fstat(fd).st_nlink > 0
    except FileNotFoundError:
        return False


def _is_run_line(line: bytes) -> bool:
    return line.startswith(b'{"' + _RUN_KEY.encode())


def _is_header_line(line: bytes) -> bool:
    return line.startswith(b'{"' + _HEADER_KEY.encode())


def _count_lines(lines: Iterable[bytes]) -> tuple[int, int]:
    """(articles, run records) among ``lines``."""
    articles = runs = 0
    for line in lines:
        if not line.strip(_BLANK) or _is_header_line(line):
            continue
        if _is_run_line(line):
            runs += 1
        else:
            articles += 1
    return articles, runs


def _identity_in(path: Path) -> str | None:
    try:
        with path.open("rb") as handle:
            head = json.loads(handle.readline())
        return str(head["database"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


# --- adopting the spool files of older versions ---------------------------------------------


def adopt(source: Path, database_url: str, spool_dir: Path | None = None) -> tuple[int, int]:
    """Move the legacy spool files of ``source`` into the spool of ``database_url``; returns
    (files, lines). Each becomes a file of that database, replayed by its next crawl."""
    spool = Spool(spool_dir, database_identity(database_url))
    files = lines = 0
    for path in sorted(source.iterdir(), key=_mtime):
        if not _LEGACY_RE.match(path.name):
            continue
        body = path.read_bytes()
        if body and not body.endswith(b"\n"):
            body += b"\n"  # a cut-off last line is kept aside at replay
        spool._create(body)
        assert spool.own is not None
        spool.own.close()
        spool.files.clear()
        spool.own = None
        path.unlink()
        files += 1
        lines += sum(1 for line in body.splitlines() if line.strip())
    return files, lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m newscrawl.store.spool",
        description="Hand spool files written by older newscrawl (no database named) to a "
        "database: its next crawl replays them.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("adopt", help="adopt the legacy spool files of DIR")
    cmd.add_argument("directory", type=Path)
    cmd.add_argument("--database-url", required=True)
    cmd.add_argument("--spool-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    if not args.directory.is_dir():
        print(f"error: no directory {args.directory}", file=sys.stderr)
        return 2
    try:
        files, lines = adopt(args.directory, args.database_url, args.spool_dir)
    except Exception as error:  # a bad URL, an unwritable spool directory
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    target = args.spool_dir or default_spool_dir()
    print(f"adopted {files} files ({lines} lines) into {target} for "
          f"{database_identity(args.database_url)}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
