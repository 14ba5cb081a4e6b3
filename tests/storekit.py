"""Helpers for storage and dedupe tests: synthetic articles and row counts."""

from __future__ import annotations

import contextlib
import random
import socket
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

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


def article(seed: int, url: str, minutes: int = 0, **fields) -> Article:
    """An article whose body and headline depend only on ``seed``."""
    values = {
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
            table.name: connection.scalar(select(func.count()).select_from(table))
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
