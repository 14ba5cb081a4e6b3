"""The extraction worker pool: one per process, shared by every crawl that runs in it.

Workers are forked from a *fork server* that has imported :mod:`newscrawl.extract.worker`
(lxml, trafilatura, the normalizers, the fingerprint) once, so a worker starts in
milliseconds, shares those pages with its siblings, and never imports Scrapy, Twisted or the
command that started the crawl (a ``spawn`` worker re-imports the parent's ``__main__``:
measured 1.5 s of CPU and ~200 MB of RSS per worker under ``scrapy crawl``). The fork
server is a fresh interpreter, so forking it is safe although the crawler runs threads.
Where ``forkserver`` does not exist (Windows), workers are spawned.

Several crawls in one process (``newscrawl crawl --all --concurrent``) with the same
worker count share one pool instead of starting a pool each; it is shut down when the last
of them lets go of it. A worker that dies (killed, out of memory, crashed in C code) breaks
a :class:`~concurrent.futures.ProcessPoolExecutor` for good; :meth:`WorkerPool.replace`
puts a new one in its place for every user.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from newscrawl.extract.worker import start_worker

#: Imported once by the fork server, before it forks any worker.
PRELOAD = ["newscrawl.extract.worker"]

GcThresholds = tuple[int, int, int] | None


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


class WorkerPool:
    """Extraction workers shared by the crawls of this process (see :func:`acquire_pool`)."""

    def __init__(self, workers: int, gc_thresholds: GcThresholds) -> None:
        self.workers = workers
        self.gc_thresholds = gc_thresholds
        self.executor = self._new_executor()
        self.users = 0
        self.replaced = 0

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self.workers,
            mp_context=_context(),
            initializer=start_worker,
            initargs=(self.gc_thresholds, os.getpid()),
        )

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        return self.executor.submit(fn, *args, **kwargs)

    def replace(self, broken: ProcessPoolExecutor) -> bool:
        """Put a new executor in place of ``broken``; False if another user already did."""
        with _lock:
            if self.executor is not broken:
                return False
            self.executor = self._new_executor()
            self.replaced += 1
        broken.shutdown(wait=False, cancel_futures=True)
        return True


#: ``NEWSCRAWL_EXTRACT_WORKERS = "auto"`` uses at most this many workers.
MAX_AUTO_WORKERS = 8


def worker_count(value: object, cpus: int | None = None) -> int:
    """How many extraction workers a ``NEWSCRAWL_EXTRACT_WORKERS`` value asks for.

    ``"auto"`` is one per CPU this process may run on (up to :data:`MAX_AUTO_WORKERS`), and
    none on a single CPU, where workers would only add the cost of handing pages over.

    >>> worker_count("auto", cpus=2), worker_count("auto", cpus=1), worker_count("auto", cpus=64)
    (2, 0, 8)
    >>> worker_count("3"), worker_count(0), worker_count(None)
    (3, 0, 0)
    """
    if isinstance(value, str) and value.strip().lower() == "auto":
        cpus = cpus if cpus is not None else usable_cpus()
        return min(cpus, MAX_AUTO_WORKERS) if cpus > 1 else 0
    try:
        return max(0, int(value or 0))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise ValueError(
            f"NEWSCRAWL_EXTRACT_WORKERS must be a number or 'auto': {value!r}"
        ) from None


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


_pools: dict[tuple[int, GcThresholds], WorkerPool] = {}
_lock = threading.Lock()


def acquire_pool(workers: int, gc_thresholds: GcThresholds) -> WorkerPool:
    """The process's pool of ``workers`` extraction workers (started on first use)."""
    with _lock:
        pool = _pools.get((workers, gc_thresholds))
        if pool is None:
            pool = _pools[(workers, gc_thresholds)] = WorkerPool(workers, gc_thresholds)
        pool.users += 1
        return pool


def release_pool(pool: WorkerPool) -> None:
    """Let go of a pool from :func:`acquire_pool`; the last user shuts it down (waiting for
    its workers to exit, so their CPU time is accounted to this process tree)."""
    with _lock:
        pool.users -= 1
        if pool.users > 0:
            return
        if _pools.get((pool.workers, pool.gc_thresholds)) is pool:
            del _pools[(pool.workers, pool.gc_thresholds)]
    pool.executor.shutdown(wait=True, cancel_futures=True)
