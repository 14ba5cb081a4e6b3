"""What is wrong with a database URL or connection, said in one line; what a failed write means.

Every command (``db upgrade``, ``export``, ``stats``, ``crawl``, ``demo``) and the store
pipeline turn a database that cannot be used into a :class:`DatabaseProblem`: one line naming
the database (password hidden), what is wrong and what to do, and whether it is a mistake in
the configuration (exit 2) or a database that is away for now (exit 1). A write that fails is
the item's fault, a passing outage or a bug (:func:`write_failure`). SQLAlchemy, psycopg and
sqlite3 errors are explained here and nowhere else.
"""

from __future__ import annotations

import enum
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, unquote

from sqlalchemy import exc
from sqlalchemy.engine import URL, make_url

from newscrawl.run.outcome import (
    DATABASE_MISCONFIGURED,
    DATABASE_UNAVAILABLE,
    EXIT_FAILED,
    EXIT_USAGE,
)

#: (backend, driver) pairs newscrawl works with; ``None``: the dialect's default driver.
SUPPORTED = {"sqlite": ("pysqlite", None), "postgresql": ("psycopg", None)}
URL_HINT = "use sqlite:///PATH or postgresql://USER@HOST/DATABASE"


class DatabaseProblem(Exception):
    """A database newscrawl cannot use; ``str()`` is the one line to show."""

    def __init__(self, message: str, *, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    @property
    def finish_reason(self) -> str:
        """The finish reason a crawl closed by this problem gets."""
        return DATABASE_UNAVAILABLE if self.exit_code == EXIT_FAILED else DATABASE_MISCONFIGURED


def shown(url: str | URL) -> str:
    """``url`` as it may be shown: password masked, even when it does not parse.

    >>> shown("postgresql://crawler:s3cret@db.example/news")
    'postgresql://crawler:***@db.example/news'
    >>> shown("not a url")
    'not a url'
    """
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL: mask anything that looks like user:password@
        return re.sub(r"(://[^:/@\s]*:)[^@\s]*@", r"\1***@", url)


def check_url(url: str | URL) -> URL:
    """The parsed URL, or a :class:`DatabaseProblem` if newscrawl cannot use that kind of URL.

    >>> check_url("sqlite:///news.db").get_backend_name()
    'sqlite'
    >>> check_url("notaurl")
    Traceback (most recent call last):
    ...
    newscrawl.store.problems.DatabaseProblem: not a database URL: 'notaurl'; use sqlite:///PATH or postgresql://USER@HOST/DATABASE
    >>> check_url("mysql://u@h/db")
    Traceback (most recent call last):
    ...
    newscrawl.store.problems.DatabaseProblem: unsupported database 'mysql' in mysql://u@h/db: newscrawl stores into SQLite or Postgres; use sqlite:///PATH or postgresql://USER@HOST/DATABASE
    """  # noqa: E501
    if isinstance(url, URL):
        parsed = url
    else:
        try:
            parsed = make_url(url.strip())
        except (exc.ArgumentError, ValueError):
            raise DatabaseProblem(f"not a database URL: {shown(url)!r}; {URL_HINT}") from None
    backend = parsed.get_backend_name()
    driver = parsed.drivername.partition("+")[2] or None
    if backend == "postgres":
        backend = "postgresql"
    if backend not in SUPPORTED or driver not in SUPPORTED[backend]:
        raise DatabaseProblem(
            f"unsupported database {parsed.drivername!r} in {shown(parsed)}: newscrawl stores "
            f"into SQLite or Postgres; {URL_HINT}"
        )
    return parsed


def sqlite_path(url: URL) -> Path | None:
    """The file of an SQLite URL (``None`` in memory).

    >>> sqlite_path(make_url("sqlite:////var/lib/news.db"))
    PosixPath('/var/lib/news.db')
    >>> sqlite_path(make_url("sqlite:///file:/var/lib/news.db?mode=ro&uri=true"))
    PosixPath('/var/lib/news.db')
    >>> sqlite_path(make_url("sqlite://")) is None
    True
    """
    database = url.database or ""
    if database.startswith("file:"):
        database = unquote(database[len("file:") :].split("?", 1)[0])
    if database in ("", ":memory:") or url.query.get("mode") == "memory":
        return None
    return Path(database)


def readonly_url(url: str | URL) -> URL:
    """The URL for a command that only reads: an SQLite file must exist and is opened
    read-only (``mode=ro``), so reading never creates a database.

    >>> readonly_url("sqlite:////nonexistent/news.db")
    Traceback (most recent call last):
    ...
    newscrawl.store.problems.DatabaseProblem: no database at /nonexistent/news.db: crawl into it first, or give the right --database-url (or NEWSCRAWL_DATABASE_URL)
    """  # noqa: E501
    parsed = check_url(url)
    path = sqlite_path(parsed) if parsed.get_backend_name() == "sqlite" else None
    if path is None:
        return parsed
    if not path.is_file():
        raise DatabaseProblem(
            f"no database at {path.absolute()}: crawl into it first, or give the right "
            "--database-url (or NEWSCRAWL_DATABASE_URL)"
        )
    query = {k: v for k, v in parsed.query.items() if k not in ("mode", "uri")}
    return parsed.set(
        database=f"file:{quote(str(path.resolve()))}",  # a URI: '?', '#', '%' escaped
        query={**query, "mode": "ro", "uri": "true"},
    )


def _first_line(text: str) -> str:
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return lines[0] if lines else ""


def _sqlite_problem(error: BaseException, url: URL) -> DatabaseProblem:
    path = sqlite_path(url)
    message = _first_line(str(error))
    if path is None:
        return DatabaseProblem(f"SQLite in memory: {message}", exit_code=EXIT_FAILED)
    folder = path.absolute().parent
    if not folder.is_dir():
        return DatabaseProblem(
            f"cannot open SQLite database {path}: directory {folder} does not exist"
        )
    if not os.access(folder, os.W_OK) and ("unable to open" in message or "readonly" in message):
        return DatabaseProblem(
            f"cannot open SQLite database {path}: directory {folder} is read-only (SQLite writes "
            "its journal files next to the database); use a writable directory"
        )
    if "readonly" in message:
        return DatabaseProblem(f"cannot write SQLite database {path}: the file is read-only")
    if "file is not a database" in message:
        return DatabaseProblem(f"{path} is not an SQLite database: {message}")
    if "locked" in message:
        return DatabaseProblem(
            f"SQLite database {path} is locked by another process: {message}",
            exit_code=EXIT_FAILED,
        )
    return DatabaseProblem(f"cannot use SQLite database {path}: {message}", exit_code=EXIT_FAILED)


def _postgres_problem(error: BaseException, url: URL) -> DatabaseProblem:
    message = _first_line(str(error))
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    if m := re.search(r'database "([^"]+)" does not exist', message):
        return DatabaseProblem(
            f'database "{m.group(1)}" does not exist on the Postgres server at {where}: create it '
            f"(createdb -h {url.host or 'localhost'} -p {url.port or 5432} {m.group(1)}) "
            "or fix the database URL"
        )
    if "password authentication failed" in message or "no password supplied" in message:
        return DatabaseProblem(f"Postgres at {where} refused the login: {message}")
    if "role" in message and "does not exist" in message:
        return DatabaseProblem(f"Postgres at {where}: {message.split('FATAL:')[-1].strip()}")
    if "Connection refused" in message:
        return DatabaseProblem(
            f"cannot connect to Postgres at {where} ({shown(url)}): connection refused; is the "
            "server running there, and is the port right?",
            exit_code=EXIT_FAILED,
        )
    if any(s in message for s in ("translate host name", "Name or service not known",
                                  "nodename nor servname", "failed to resolve host")):  # fmt: skip
        return DatabaseProblem(
            f"cannot connect to Postgres: unknown host {url.host!r} in {shown(url)}"
        )
    if "timeout" in message or "timed out" in message:
        return DatabaseProblem(
            f"cannot connect to Postgres at {where}: no answer (timed out)", exit_code=EXIT_FAILED
        )
    detail = message.removeprefix("connection failed: ")
    return DatabaseProblem(f"cannot use Postgres at {where}: {detail}", exit_code=EXIT_FAILED)


def explain(error: BaseException, url: str | URL) -> DatabaseProblem:
    """One line saying why the database at ``url`` could not be used (``error`` is what
    SQLAlchemy, psycopg or sqlite3 raised)."""
    if isinstance(error, DatabaseProblem):
        return error
    try:
        parsed = check_url(url)
    except DatabaseProblem as problem:
        return problem
    original = getattr(error, "orig", None) or error
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_problem(original, parsed)
    return _postgres_problem(original, parsed)


#: Errors :func:`explain` turns into a :class:`DatabaseProblem` (anything else is a bug).
DATABASE_ERRORS: tuple[type[BaseException], ...] = (
    DatabaseProblem,
    exc.DBAPIError,
    exc.ArgumentError,
    exc.NoSuchModuleError,
)


@contextmanager
def explained(url: str | URL) -> Iterator[None]:
    """Turn what the database raises inside the block into a :class:`DatabaseProblem`."""
    try:
        yield
    except DatabaseProblem:
        raise
    except DATABASE_ERRORS as error:
        raise explain(error, url) from error


# --- a write that failed ------------------------------------------------------------------


class WriteFailure(enum.Enum):
    """Why a write failed, which decides what becomes of its items."""

    #: The item's values (a constraint, a value the column cannot hold): the item is
    #: rejected with its reason, its batch-mates are stored.
    DATA = "data"
    #: The database cannot work now (down, unreachable, locked, timed out, full): nothing is
    #: lost, the items wait (memory, then the spool) and the write is tried again.
    UNAVAILABLE = "unavailable"
    #: Neither: newscrawl's SQL does not fit the database (a renamed column, a missing
    #: table, a trigger raising an error) or the driver was misused. Waiting fixes nothing:
    #: the crawl fails loudly (newscrawl.store.buffer).
    BUG = "bug"


#: SQLite's extended result codes have ``SQLITE_FULL`` (13) in their low byte; Postgres'
#: SQLSTATE 53100 is ``disk_full`` ("could not extend file").
_SQLITE_FULL, _PG_DISK_FULL = 13, "53100"
_FULL_MESSAGES = ("database or disk is full", "no space left on device", "could not extend file")

#: SQLite primary result codes of a database that cannot work now: BUSY, LOCKED, NOMEM,
#: READONLY, INTERRUPT, IOERR, CORRUPT, FULL, CANTOPEN, PROTOCOL, SCHEMA (changed under a
#: statement), NOTADB. SQLITE_ERROR (1), a wrong SQL statement, is a bug: sqlite3 reports
#: it as an OperationalError all the same, so the code decides, not the class.
_SQLITE_UNAVAILABLE = frozenset({5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 17, 26})
#: CONSTRAINT (a trigger's RAISE(ABORT) too), TOOBIG, MISMATCH: the row's values.
_SQLITE_DATA = frozenset({18, 19, 20})
#: Postgres SQLSTATE classes of a database that cannot work now: connection exception,
#: transaction rollback (serialization failure, deadlock), insufficient resources, object
#: not in prerequisite state (lock not available), operator intervention (shutdown, query
#: cancelled by a timeout), system error.
_PG_UNAVAILABLE_CLASSES = frozenset({"08", "40", "53", "55", "57", "58"})
#: read_only_sql_transaction (a standby during a failover), idle_in_transaction timeout.
_PG_UNAVAILABLE_STATES = frozenset({"25006", "25P03"})
#: Data exception, integrity constraint violation.
_PG_DATA_CLASSES = frozenset({"22", "23"})


def is_storage_full(error: BaseException) -> bool:
    """The error says the database's disk (or quota) is full."""
    original = getattr(error, "orig", None) or error
    if (getattr(original, "sqlite_errorcode", 0) or 0) & 0xFF == _SQLITE_FULL:
        return True
    if getattr(original, "sqlstate", None) == _PG_DISK_FULL:
        return True
    return any(text in str(original).lower() for text in _FULL_MESSAGES)


def write_failure(error: BaseException) -> WriteFailure:
    """What a write that raised ``error`` means: the driver's code first (SQLSTATE, SQLite
    result code), its DB-API class where it gives none (a lost connection has no code).

    A Python error of newscrawl's own code met while writing one item is that item's
    (:attr:`WriteFailure.DATA`), as is a value SQLAlchemy could not convert.
    """
    if isinstance(error, exc.DBAPIError):
        if error.connection_invalidated:
            return WriteFailure.UNAVAILABLE
        return _driver_failure(error)
    if isinstance(error, (exc.DisconnectionError, exc.TimeoutError, ConnectionError, TimeoutError)):
        return WriteFailure.UNAVAILABLE
    if isinstance(error, exc.StatementError):  # a bound value SQLAlchemy could not convert
        return WriteFailure.DATA
    if isinstance(error, exc.SQLAlchemyError):  # a statement SQLAlchemy cannot build or run
        return WriteFailure.BUG
    return WriteFailure.DATA


def _driver_failure(error: exc.DBAPIError) -> WriteFailure:
    original = error.orig
    if is_storage_full(error):
        return WriteFailure.UNAVAILABLE
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate:
        if sqlstate[:2] in _PG_DATA_CLASSES:
            return WriteFailure.DATA
        if sqlstate[:2] in _PG_UNAVAILABLE_CLASSES or sqlstate in _PG_UNAVAILABLE_STATES:
            return WriteFailure.UNAVAILABLE
        return WriteFailure.BUG
    code = getattr(original, "sqlite_errorcode", None)
    if code is not None:
        if code & 0xFF in _SQLITE_UNAVAILABLE:
            return WriteFailure.UNAVAILABLE
        return WriteFailure.DATA if code & 0xFF in _SQLITE_DATA else WriteFailure.BUG
    if isinstance(error, (exc.IntegrityError, exc.DataError)):
        return WriteFailure.DATA
    if type(original).__module__ == "sqlite3":  # misuse of the module: no SQLite code
        return WriteFailure.BUG
    if isinstance(error, (exc.OperationalError, exc.InterfaceError)):
        return WriteFailure.UNAVAILABLE  # psycopg: connection refused, lost, closed
    return WriteFailure.BUG
