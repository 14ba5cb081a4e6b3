"""Run the reader under uvicorn on a socket bound here, so a port that is taken (or an
address that does not exist) is one line and exit 2, not uvicorn's traceback."""

from __future__ import annotations

import socket
from typing import Any

import uvicorn
from sqlalchemy import Engine, event

from newscrawl.reader.app import create_app


def read_only_engine(engine: Engine) -> Engine:
    """``engine``, but every Postgres session in read-only transactions (an SQLite file is
    already opened ``mode=ro`` by :func:`newscrawl.cli.db.open_for_reading`)."""
    if engine.dialect.name == "postgresql":

        def read_only(dbapi_connection: Any, _record: Any) -> None:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            dbapi_connection.commit()

        event.listen(engine, "connect", read_only)
        engine.dispose()  # connections opened before the listener are not reused
    return engine


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port`` (0: any free port). Raises OSError."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def serve(engine: Engine, sock: socket.socket, host: str, log_level: str = "warning") -> None:
    """Serve until SIGINT/SIGTERM (uvicorn's own handling: in-flight requests finish)."""
    app = create_app(read_only_engine(engine), host)
    config = uvicorn.Config(app, log_level=log_level, access_log=False, server_header=False)
    uvicorn.Server(config).run(sockets=[sock])
