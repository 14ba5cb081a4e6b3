"""Helpers for storage and dedupe tests: synthetic articles and row counts."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import URL, func, make_url, select

from newscrawl.article import Article, Image
from newscrawl.store import Store
from newscrawl.store.schema import metadata

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
VOCABULARY = [f"w{i}" for i in range(5000)]


def text(seed: int, n_words: int = 300) -> str:
    """A reproducible body of ``n_words`` words, paragraphs of 60 words."""
    rng = random.Random(seed)
    tokens = [rng.choice(VOCABULARY) for _ in range(n_words)]
    paragraphs = [" ".join(tokens[i : i + 60]) + "." for i in range(0, n_words, 60)]
    return "\n\n".join(paragraphs)


def article(seed: int, url: str, minutes: int = 0, **fields: Any) -> Article:
    """An article whose body and headline depend only on ``seed``."""
    values: dict[str, Any] = {
        "headline": f"Headline number {seed} about the storm",
        "body": text(seed),
        "publisher": "The Independent",
        "source": "independent",
        "authors": ["Jane Doe"],
        "published_at": T0,
        "fetched_at": T0 + timedelta(minutes=minutes),
        "images": [Image(f"https://img.example/{seed}.jpg", caption="A storm")],
    }
    values.update(fields)
    return Article(url=url, **values)


def counts(store: Store) -> dict[str, int]:
    """Rows per table."""
    with store.engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in metadata.sorted_tables
        }


class TcpProxy:
    """A loopback TCP proxy to a database server that a test can stop and start again.

    Stopping closes the listening socket and every open connection, which is what a
    client sees when the server goes away.
    """

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(OSError):  # wakes the thread blocked in accept()
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        for s in self._sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()
        self._sockets = []


def write_in_process(database_url: str, seeds: list[int], batch: int) -> int:
    """Store the articles of ``seeds`` (in batches), as a separate crawler process would."""
    store = Store.open(database_url)
    stored = 0
    for start in range(0, len(seeds), batch):
        chunk = seeds[start : start + batch]
        items = [article(s, f"https://www.independent.co.uk/news/{s}") for s in chunk]
        stored += len(store.write(items).results)
    store.close()
    return stored


@contextlib.contextmanager
def small_disk(path: Path, size: str):
    """A tmpfs of ``size`` (e.g. ``"8m"``) mounted at ``path``: a real disk that fills up.

    Needs root: skipped otherwise, except in CI (``CI`` set), where that is a failure.
    ``remount(size)`` (yielded) gives it more room."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        reason = "mounting a tmpfs needs root and mount(8)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True)

    def remount(bigger: str) -> None:
        subprocess.run(["mount", "-o", f"remount,size={bigger}", str(path)], check=True)

    try:
        yield remount
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@contextlib.contextmanager
def sqlite_write_lock(path: Path):
    """Hold the write lock of an SQLite file, as another writer stuck in a transaction does:
    readers go on, writers get ``database is locked``."""
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        locker.execute("ROLLBACK")
        locker.close()


def sqlite_file(database_url: str | URL) -> str:
    """The file of an SQLite URL, for a test that opens it with the sqlite3 module."""
    path = make_url(database_url).database
    assert path, f"not an SQLite file URL: {database_url}"
    return path
