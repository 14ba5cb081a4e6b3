"""A ``JOBDIR`` that is safe to resume: one crawl at a time, and only a clean stop's state.

Scrapy's ``JOBDIR`` holds the pending requests (``requests.queue/``), the fingerprints of every
request ever *queued* (``requests.seen``) and ``spider.state``. Those files agree with each
other only after a clean stop: the queue's index (``active.json``) is written at close, and a
URL is in ``requests.seen`` from the moment it is queued, not once its article is stored. After
SIGKILL, an OOM kill or a crash, resuming would take queued-but-never-stored URLs for done and
lose those articles for good; a truncated file makes Scrapy's scheduler crash at start.

So newscrawl keeps a marker file (:data:`MARKER`) in the directory: ``running`` while a crawl
uses it, ``stopped`` after a clean stop, with the size and SHA-256 of every file then. At start:

* nothing there: a new job;
* ``stopped``, every file as recorded, every pending request saved: **resumed**;
* ``stopped`` after the job ``finished``: the queue is empty and ``requests.seen`` would keep
  every URL out of later runs, so the directory is emptied and a new job starts;
* anything else (``running`` = the last crawl was killed; no marker; a file changed, missing or
  added; an unreadable marker): the directory is moved aside to ``<JOBDIR>.unclean-<UTC time>``
  or ``<JOBDIR>.corrupt-<UTC time>`` with a WARNING, and the crawl starts afresh. Nothing is
  lost or stored twice: what the killed crawl stored is skipped by the re-crawl window
  (``sightings``, :mod:`newscrawl.discover.incremental`), what it had only buffered is fetched
  again, and the store writes each batch in one transaction.

Two crawls on one ``JOBDIR`` would interleave writes to the same queue files, whatever their
start URLs or database: :func:`acquire` takes an exclusive lock on ``<JOBDIR>.lock`` (next to the
directory, so that moving the directory aside does not move the lock), held until the crawl
ends and released by the kernel if the process dies.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

MARKER = "newscrawl-jobdir.json"
VERSION = 1
#: What :func:`inspect` concluded; the last two are moved aside.
FRESH, RESUME, FINISHED, UNCLEAN, CORRUPT = "fresh", "resume", "finished", "unclean", "corrupt"
#: Finish reason of a job with nothing left to do.
DONE_REASON = "finished"


class JobDirLocked(RuntimeError):
    """Another crawl is using this ``JOBDIR``."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """What to do with a ``JOBDIR`` found at start, and why (for the log)."""

    kind: str
    reason: str = ""


def lock_path(jobdir: Path) -> Path:
    """``<JOBDIR>.lock``, beside the directory.

    >>> lock_path(Path("/var/crawl/job1/")).as_posix()
    '/var/crawl/job1.lock'
    """
    return jobdir.with_name(jobdir.name + ".lock")


#: A lock taken by ``scrapy crawl`` before the spiders are loaded, waiting for the extension
#: of that crawl to take it over (any other crawl, even in this process, is refused).
_HANDED_OVER: dict[str, FileLock] = {}


def acquire(jobdir: Path, *, hand_over: bool = False) -> FileLock:
    """The exclusive lock of ``jobdir``, without waiting; :class:`JobDirLocked` if it is held.

    ``hand_over``: keep the lock for the next :func:`acquire` of the same directory in this
    process (the crawl command locks early, the crawl's extension then owns the lock).
    """
    jobdir.parent.mkdir(parents=True, exist_ok=True)
    path = lock_path(jobdir)
    key = str(path.resolve())
    lock = _HANDED_OVER.pop(key, None)
    if lock is None or not lock.is_locked:
        lock = FileLock(path)  # a lock of its own: a second crawl in this process conflicts too
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise JobDirLocked(
                f"JOBDIR {jobdir} is in use by another crawl (lock {lock.lock_file})"
            ) from None
    if hand_over:
        _HANDED_OVER[key] = lock
    return lock


def _digest(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def manifest(jobdir: Path) -> dict[str, list[Any]]:
    """``{relative path: [size, sha256]}`` of every file in ``jobdir`` but the marker."""
    files: dict[str, list[Any]] = {}
    for path in sorted(jobdir.rglob("*")):
        if path.is_file() and not path.name.startswith(MARKER):
            files[path.relative_to(jobdir).as_posix()] = [path.stat().st_size, _digest(path)]
    return files


def _differences(recorded: dict[str, Any], actual: dict[str, list[Any]]) -> list[str]:
    out = [f"{name} missing" for name in recorded if name not in actual]
    out += [f"{name} unexpected" for name in actual if name not in recorded]
    for name, (size, digest) in actual.items():
        want = recorded.get(name)
        if want is None:
            continue
        if want[0] != size:
            out.append(f"{name} is {size} bytes, was {want[0]}")
        elif want[1] != digest:
            out.append(f"{name} content changed")
    return out


def read_marker(jobdir: Path) -> dict[str, Any] | None:
    """The marker, ``None`` when there is none; ``ValueError`` when it is unreadable."""
    path = jobdir / MARKER
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{MARKER} unreadable: {err}") from None
    if not isinstance(data, dict) or data.get("state") not in ("running", "stopped"):
        raise ValueError(f"{MARKER} is not a newscrawl marker")
    if data["state"] == "stopped" and not isinstance(data.get("files"), dict):
        raise ValueError(f"{MARKER} has no file list")
    return data


def inspect(jobdir: Path) -> Verdict:
    """Whether ``jobdir`` can be resumed (see the module docstring for the rules)."""
    if not jobdir.exists() or not any(jobdir.iterdir()):
        return Verdict(FRESH)
    try:
        marker = read_marker(jobdir)
    except ValueError as err:
        return Verdict(CORRUPT, str(err))
    if marker is None:
        return Verdict(UNCLEAN, f"no {MARKER}: not left by a clean newscrawl stop")
    if marker["state"] == "running":
        return Verdict(
            UNCLEAN,
            f"the crawl started {marker.get('started_at', '?')} (pid {marker.get('pid', '?')})"
            " did not stop cleanly (killed or crashed)",
        )
    if not marker.get("resumable", False):
        return Verdict(UNCLEAN, "the last crawl could not save every pending request")
    diffs = _differences(marker["files"], manifest(jobdir))
    if diffs:
        more = f" (+{len(diffs) - 3} more)" if len(diffs) > 3 else ""
        return Verdict(CORRUPT, "; ".join(diffs[:3]) + more)
    if marker.get("reason") == DONE_REASON:
        return Verdict(FINISHED, "the last crawl finished its job")
    when = marker.get("stopped_at")
    return Verdict(RESUME, f"stopped cleanly ({marker.get('reason')}) at {when}")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def set_aside(jobdir: Path, kind: str) -> Path:
    """Rename ``jobdir`` to ``<jobdir>.<kind>-<UTC time>`` (kept for inspection)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = jobdir.with_name(f"{jobdir.name}.{kind}-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = jobdir.with_name(f"{jobdir.name}.{kind}-{stamp}-{n}")
    jobdir.rename(target)
    return target


def empty(jobdir: Path) -> None:
    """Remove everything inside ``jobdir`` (a finished job's state)."""
    for child in jobdir.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def _write_marker(jobdir: Path, data: dict[str, Any]) -> None:
    """Atomically (write, fsync, rename): a crash leaves the old marker or the new one."""
    jobdir.mkdir(parents=True, exist_ok=True)
    tmp = jobdir / f"{MARKER}.tmp"
    with tmp.open("w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, jobdir / MARKER)
    with contextlib.suppress(OSError):  # the rename itself, where the platform allows it
        fd = os.open(jobdir, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def mark_running(jobdir: Path) -> None:
    """Before Scrapy writes anything: from now on the directory is not trusted until
    :func:`mark_stopped`."""
    _write_marker(
        jobdir, {"version": VERSION, "state": "running", "pid": os.getpid(), "started_at": _now()}
    )


def mark_stopped(jobdir: Path, reason: str, *, resumable: bool) -> None:
    """After Scrapy has written its state: record every file so a later change is seen.

    ``resumable`` is False when some pending requests could not be saved (see
    ``newscrawl.engine.scheduler``): resuming would then lose them.
    """
    _write_marker(
        jobdir,
        {
            "version": VERSION,
            "state": "stopped",
            "pid": os.getpid(),
            "stopped_at": _now(),
            "reason": reason,
            "resumable": resumable,
            "files": manifest(jobdir),
        },
    )


__all__ = [
    "MARKER",
    "JobDirLocked",
    "Verdict",
    "acquire",
    "inspect",
    "lock_path",
    "manifest",
    "mark_running",
    "mark_stopped",
    "set_aside",
]
