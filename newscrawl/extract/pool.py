"""The extraction worker pool: worker processes driven from the crawler's event loop.

Each worker is a fresh interpreter running this module (``python -m
newscrawl.extract.pool``), which imports the page processing (:mod:`newscrawl.process`: lxml,
trafilatura, the normalizers, the fingerprint) and nothing else: not Scrapy, Twisted or the
command that started the crawl, which multiprocessing's ``spawn`` and ``forkserver`` workers
re-run when the parent's ``__main__`` is a script such as ``scrapy`` (spawned
``ProcessPoolExecutor`` workers measured ~200 MB of RSS each in a crawl; these take 71 MB of
RSS, 54 MB of PSS).

The crawler talks to each worker over a socket pair with asyncio streams on its side: a job
is written and its answer read by the event loop itself. (``ProcessPoolExecutor`` hands every
job through two threads of its own and three pipes; in a crawl those threads cost 0.45 ms
of CPU per page.) A worker holds at most :data:`WINDOW` jobs, so the next page is already
waiting when it finishes one. The worker's stdout and stderr are the crawler's.

A worker that dies (killed, out of memory, crashed in C code) fails only the jobs it held,
with :class:`WorkerDied`; a new worker takes its place. When the crawler dies, its end of
every socket closes and the workers, reading end-of-file, exit: nothing is left behind.

Several crawls in one process (``newscrawl crawl --all --concurrent``) with the same worker
count share one pool; the last of them to let go of it shuts it down.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import pickle
import signal
import socket
import struct
import sys
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newscrawl.run.gctuning import tune_gc

#: Jobs written to one worker ahead of its answers: enough to keep it busy while the crawler's
#: thread is away for tens of milliseconds (a store batch). N = 5,000, alternating runs: 2 ->
#: 226/243/226 pages/s, 8 -> 247/258/250, 16 -> 255/249 (8 -> 253/253 beside them).
WINDOW = 8
#: ``NEWSCRAWL_EXTRACT_WORKERS = "auto"`` uses at most this many workers.
MAX_AUTO_WORKERS = 8
#: Socket buffer size per direction (pages are ~100 KB; the kernel may cap it).
SOCKET_BUFFER = 1 << 20
#: Seconds a worker gets to exit at shutdown before it is killed.
STOP_TIMEOUT = 10.0
#: A frame is its payload's length (8 bytes, big-endian) and the pickled payload.
_HEADER = struct.Struct("!Q")

GcThresholds = tuple[int, int, int] | None


class WorkerDied(RuntimeError):
    """The worker holding a job exited before answering (killed, out of memory, crashed)."""


class WorkerError(RuntimeError):
    """The job raised in the worker: the message names the exception."""


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


# --- in the worker ---------------------------------------------------------------------------


def start_worker(gc_thresholds: GcThresholds) -> None:
    """Set a worker process up: import the page processing first, then tune the collector as
    the crawler does (start-up objects frozen, fewer passes)."""
    import newscrawl.process  # noqa: F401  (imported before the freeze; jobs need it)

    if gc_thresholds is not None:
        tune_gc(gc_thresholds)


def serve(fd: int, gc_thresholds: GcThresholds) -> None:
    """A worker's life: answer jobs until the crawler closes its end of the socket."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the crawler's to handle
    start_worker(gc_thresholds)
    with (
        contextlib.suppress(ConnectionError),  # the crawler died (a forced stop): so do we
        socket.socket(fileno=fd) as sock,
        sock.makefile("rwb") as stream,
    ):
        while True:
            header = stream.read(_HEADER.size)
            if len(header) < _HEADER.size:
                return  # the crawler is done, or gone
            fn, args, kwargs = pickle.loads(stream.read(_HEADER.unpack(header)[0]))
            try:
                reply = pickle.dumps((True, fn(*args, **kwargs)), pickle.HIGHEST_PROTOCOL)
            except Exception as error:  # the job's failure, not the worker's
                reply = pickle.dumps((False, f"{type(error).__name__}: {error}"))
            stream.write(_HEADER.pack(len(reply)) + reply)
            stream.flush()


# --- in the crawler --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="an extraction worker (started by the crawler)")
    parser.add_argument("--fd", type=int, required=True, help="the socket to the crawler")
    parser.add_argument("--gc", default="", help="collector thresholds, e.g. 50000,20,20")
    args = parser.parse_args(argv)
    thresholds = tuple(int(v) for v in args.gc.split(",")) if args.gc else None
    serve(args.fd, thresholds)  # type: ignore[arg-type]
    return 0


def _worker_env() -> dict[str, str]:
    """The environment of a worker: this process's, with the directory this process imported
    ``newscrawl`` from first on ``PYTHONPATH``, so the worker runs the same code (an editable
    checkout, a wheel in site-packages) whatever the working directory."""
    import newscrawl

    root = str(Path(newscrawl.__file__).resolve().parent.parent)
    inherited = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([root, inherited] if inherited else [root])}


@dataclass(eq=False)
class _Worker:
    process: asyncio.subprocess.Process
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    waiting: deque[asyncio.Future[Any]] = field(default_factory=deque)
    sender: asyncio.Task[None] | None = None
    receiver: asyncio.Task[None] | None = None

    def stop(self) -> None:
        """Close the crawler's end: the worker reads end-of-file and exits."""
        with contextlib.suppress(OSError):
            self.writer.get_extra_info("socket").shutdown(socket.SHUT_RDWR)
        self.writer.close()


class WorkerPool:
    """Extraction workers shared by the crawls of this process (see :func:`acquire_pool`).

    Started on the first :meth:`run`, inside the running event loop.
    """

    def __init__(self, workers: int, gc_thresholds: GcThresholds) -> None:
        self.size = workers
        self.gc_thresholds = gc_thresholds
        self.users = 0
        self.replaced = 0
        self._jobs: asyncio.Queue[tuple[bytes, asyncio.Future[Any]]] | None = None
        self._workers: list[_Worker] = []
        self._closed = False

    async def run(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)`` in a worker; raises :class:`WorkerDied` or
        :class:`WorkerError` when the worker died or the call raised there."""
        if self._closed:
            raise RuntimeError("the worker pool is shut down")
        if self._jobs is None:
            self._jobs = asyncio.Queue()
            for _ in range(self.size):
                await self._start_worker()
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        payload = pickle.dumps((fn, args, kwargs), pickle.HIGHEST_PROTOCOL)
        self._jobs.put_nowait((_HEADER.pack(len(payload)) + payload, future))
        return await future

    async def _start_worker(self) -> None:
        ours, theirs = socket.socketpair()
        for sock in (ours, theirs):  # room for a window of pages: one write, one wake-up each
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SOCKET_BUFFER)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SOCKET_BUFFER)
        gc = ",".join(map(str, self.gc_thresholds)) if self.gc_thresholds else ""
        # -P: not the working directory first on sys.path (a `newscrawl/` there would be
        # imported instead); PYTHONPATH: the very code this process runs, however installed
        command = [sys.executable, "-P", "-m", __name__, "--fd", str(theirs.fileno()), "--gc", gc]
        try:
            process = await asyncio.create_subprocess_exec(
                *command,
                stdin=asyncio.subprocess.DEVNULL,
                pass_fds=(theirs.fileno(),),
                env=_worker_env(),
            )
        finally:
            theirs.close()
        reader, writer = await asyncio.open_connection(sock=ours, limit=2**20)
        worker = _Worker(process, reader, writer)
        self._workers.append(worker)
        slots = asyncio.Semaphore(WINDOW)
        worker.sender = asyncio.create_task(self._send(worker, slots))
        worker.receiver = asyncio.create_task(self._receive(worker, slots))

    async def _send(self, worker: _Worker, slots: asyncio.Semaphore) -> None:
        assert self._jobs is not None
        while True:
            await slots.acquire()
            frame, future = await self._jobs.get()
            if future.done():  # its caller gave up (cancelled)
                slots.release()
                continue
            worker.waiting.append(future)
            worker.writer.write(frame)
            await worker.writer.drain()

    async def _receive(self, worker: _Worker, slots: asyncio.Semaphore) -> None:
        try:
            while True:
                header = await worker.reader.readexactly(_HEADER.size)
                ok, value = pickle.loads(await worker.reader.readexactly(_HEADER.unpack(header)[0]))
                future = worker.waiting.popleft()
                slots.release()
                if future.done():
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(WorkerError(value))
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        await self._lost(worker)

    async def _lost(self, worker: _Worker) -> None:
        """A worker's socket closed: fail what it held, and replace it unless shutting down."""
        if worker in self._workers:
            self._workers.remove(worker)
        if worker.sender is not None:
            worker.sender.cancel()
        worker.stop()
        while worker.waiting:
            future = worker.waiting.popleft()
            if not future.done():
                future.set_exception(WorkerDied(f"extraction worker {worker.process.pid} died"))
        with contextlib.suppress(ProcessLookupError):
            worker.process.kill()  # half-dead (socket closed, process alive): finish it
        if not self._closed:
            self.replaced += 1
            await self._start_worker()

    async def close(self) -> None:
        """Stop every worker and wait for them to exit (their CPU is then accounted)."""
        self._closed = True
        workers, self._workers = self._workers, []
        for worker in workers:
            for task in (worker.sender, worker.receiver):
                if task is not None:
                    task.cancel()
            worker.stop()
            for future in worker.waiting:
                if not future.done():
                    future.cancel()
        for worker in workers:
            try:
                await asyncio.wait_for(worker.process.wait(), STOP_TIMEOUT)
            except TimeoutError:
                worker.process.kill()
                await worker.process.wait()


_pools: dict[tuple[int, GcThresholds], WorkerPool] = {}


def acquire_pool(workers: int, gc_thresholds: GcThresholds) -> WorkerPool:
    """The process's pool of ``workers`` extraction workers (started on first use)."""
    pool = _pools.get((workers, gc_thresholds))
    if pool is None:
        pool = _pools[(workers, gc_thresholds)] = WorkerPool(workers, gc_thresholds)
    pool.users += 1
    return pool


async def release_pool(pool: WorkerPool) -> None:
    """Let go of a pool from :func:`acquire_pool`; the last user shuts it down."""
    pool.users -= 1
    if pool.users > 0:
        return
    if _pools.get((pool.size, pool.gc_thresholds)) is pool:
        del _pools[(pool.size, pool.gc_thresholds)]
    await pool.close()


if __name__ == "__main__":
    sys.exit(main())
