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
of them lets go of it.
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from newscrawl.extract.worker import start_worker

#: Imported once by the fork server, before it forks any worker.
PRELOAD = ["newscrawl.extract.worker"]

PoolKey = tuple[int, tuple[int, int, int] | None]


@dataclass(slots=True)
class _Shared:
    executor: ProcessPoolExecutor
    users: int


_pools: dict[PoolKey, _Shared] = {}
_lock = threading.Lock()


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


def acquire_pool(workers: int, gc_thresholds: tuple[int, int, int] | None) -> ProcessPoolExecutor:
    """The process's pool of ``workers`` extraction workers (started on first use)."""
    key = (workers, gc_thresholds)
    with _lock:
        shared = _pools.get(key)
        if shared is None:
            executor = ProcessPoolExecutor(
                workers,
                mp_context=_context(),
                initializer=start_worker,
                initargs=(gc_thresholds,),
            )
            shared = _pools[key] = _Shared(executor, 0)
        shared.users += 1
        return shared.executor


def release_pool(executor: ProcessPoolExecutor) -> None:
    """Let go of a pool from :func:`acquire_pool`; the last user shuts it down (waiting for
    its workers to exit, so their CPU time is accounted to this process tree)."""
    with _lock:
        for key, shared in list(_pools.items()):
            if shared.executor is executor:
                shared.users -= 1
                if shared.users > 0:
                    return
                del _pools[key]
                break
    executor.shutdown(wait=True, cancel_futures=True)
