"""Issue 13: a user's mistake or a database that cannot be used is one line and a non-zero exit
code, never a traceback: ``newscrawl export|stats|db upgrade`` with bad database URLs, read-only
commands that must not create a database, ``newscrawl seed`` with a bad Redis or bad seeds,
``newscrawl demo`` on a busy port, ``scrapy crawl`` with bad arguments or a database it cannot
use, and the help.

The ``newscrawl`` cases call the command's ``main`` in this process, with a fresh process's
environment, working directory and output (a log record Python would print on its own counts as
a line of stderr); a few run ``python -m newscrawl`` itself, to show that the process says and
exits with the same. ``scrapy crawl`` always runs as a process: its exit code is the command's.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest
import redis

from newscrawl.store import upgrade
from tests.clikit import ENV, Done, newscrawl
from tests.newsroomkit import ROOT


def newscrawl_process(*args: str, cwd: Path = ROOT, timeout: float = 120) -> Done:
    """``python -m newscrawl ARGS`` as a user runs it."""
    done = subprocess.run(
        [sys.executable, "-m", "newscrawl", *args],
        cwd=cwd, env=ENV, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    return Done(done.returncode, done.stdout, done.stderr)


def scrapy_crawl(*args: str, tmp_path: Path, database_url: str | None = None) -> Done:
    command = [sys.executable, "-m", "scrapy", "crawl", *args,
               "-s", f"NEWSCRAWL_LOCK_DIR={tmp_path / 'locks'}", "-s", "HTTPCACHE_ENABLED=False",
               "-s", "TELNETCONSOLE_ENABLED=False"]  # fmt: skip
    if database_url:
        command += ["-s", f"DATABASE_URL={database_url}"]
    done = subprocess.run(command, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=180)
    return Done(done.returncode, done.stdout, done.stderr)


def assert_one_line(done: Done, code: int, *expected: str) -> str:
    """Exit ``code``, no traceback, nothing on stdout, and exactly one line on stderr that
    contains each of ``expected``; returns that line."""
    assert done.returncode == code, done.output
    assert "Traceback" not in done.output, done.output
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


def free_port() -> int:
    """A loopback port where nothing listens (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_or_skip() -> None:
    from tests.conftest import _postgres_or_skip

    _postgres_or_skip()


# --- a read-only directory (root ignores permissions: a read-only tmpfs then) ------------------


@pytest.fixture
def readonly_dir(tmp_path) -> Iterator[Path]:
    """A directory nobody can write to, holding ``news.db`` (an up-to-date database)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        upgrade(f"sqlite:///{folder / 'news.db'}")
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(folder)],
                             capture_output=True, check=False)  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs for a read-only directory: {mounted.stderr!r}")
    try:
        upgrade(f"sqlite:///{folder / 'news.db'}")
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


# --- newscrawl export | stats | db upgrade with a database it cannot use ----------------------

DB_COMMANDS = [["db", "upgrade"], ["export"], ["stats"]]


@pytest.mark.parametrize("command", DB_COMMANDS, ids=" ".join)
@pytest.mark.parametrize(
    ("url", "code", "expected"),
    [
        ("notaurl", 2, ["not a database URL: 'notaurl'", "sqlite:///PATH"]),
        ("mysql://crawler:s3cret@127.0.0.1/news", 2, ["unsupported database 'mysql'"]),
        ("postgresql://postgres@127.0.0.1:{port}/news", 1,
         ["cannot connect to Postgres at 127.0.0.1:{port}", "connection refused"]),
    ],
    ids=["not a URL", "MySQL", "nothing listens"],
)  # fmt: skip
def test_database_url_that_cannot_work_is_one_line(command, url, code, expected) -> None:
    port = free_port()
    done = newscrawl(*command, "--database-url", url.format(port=port))
    line = assert_one_line(done, code, *(e.format(port=port) for e in expected))
    assert line.startswith(f"newscrawl {' '.join(command)}: ")
    assert "s3cret" not in done.output


@pytest.mark.postgres
@pytest.mark.parametrize("command", DB_COMMANDS, ids=" ".join)
def test_postgres_database_that_does_not_exist_is_one_line(command) -> None:
    postgres_or_skip()
    name = f"newscrawl_missing_{uuid.uuid4().hex[:8]}"
    done = newscrawl(*command, "--database-url", f"postgresql://postgres@127.0.0.1:5432/{name}")
    assert_one_line(done, 2, f'database "{name}" does not exist', "createdb")


@pytest.mark.parametrize("command", DB_COMMANDS, ids=" ".join)
def test_sqlite_in_a_missing_directory_is_one_line(command, tmp_path) -> None:
    path = tmp_path / "no" / "such" / "news.db"
    done = newscrawl(*command, "--database-url", f"sqlite:///{path}")
    if command == ["db", "upgrade"]:
        assert_one_line(done, 2, f"directory {path.parent} does not exist")
    else:  # a read-only command never creates one
        assert_one_line(done, 2, f"no database at {path}")
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("command", DB_COMMANDS, ids=" ".join)
def test_sqlite_in_a_read_only_directory_is_one_line(command, readonly_dir) -> None:
    # export and stats read an existing database; db upgrade would create a new one
    name = "new.db" if command == ["db", "upgrade"] else "news.db"
    done = newscrawl(*command, "--database-url", f"sqlite:///{readonly_dir / name}")
    # a WAL database cannot even be read where SQLite cannot create its index file
    assert_one_line(done, 2, f"directory {readonly_dir} is read-only")


# --- read-only commands never create a database ----------------------------------------------


@pytest.mark.parametrize("command", [["export"], ["stats"]], ids=" ".join)
def test_read_only_commands_do_not_create_a_database(command, tmp_path) -> None:
    done = newscrawl(*command, cwd=tmp_path)  # default: sqlite:///news.db in the cwd
    assert_one_line(done, 2, f"no database at {tmp_path / 'news.db'}", "--database-url")
    assert list(tmp_path.iterdir()) == []


def test_export_reads_a_database_without_writing_to_it(tmp_path) -> None:
    path = tmp_path / "news.db"
    upgrade(f"sqlite:///{path}")
    before = path.stat().st_mtime_ns, path.read_bytes()
    done = newscrawl("export", "--database-url", f"sqlite:///{path}")
    assert (done.returncode, done.stdout) == (0, "")
    assert done.stderr.startswith("newscrawl export: 0 articles; next cursor: "), done.stderr
    assert (path.stat().st_mtime_ns, path.read_bytes()) == before


@pytest.mark.postgres
def test_export_of_an_empty_postgres_database_says_what_to_run(make_postgres_database) -> None:
    done = newscrawl("export", "--database-url", make_postgres_database())
    assert_one_line(done, 2, "schema revision none", "newscrawl db upgrade")


# --- newscrawl seed ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code", "expected"),
    [
        (["--redis-url", "redis://:s3cret@127.0.0.1:{port}/0", "https://a.example/rss"], 1,
         ["cannot use Redis at redis://:***@127.0.0.1:{port}/0", "Connection refused"]),
        (["--redis-url", "notaurl", "https://a.example/rss"], 2, ["not a Redis URL: 'notaurl'"]),
        (["--redis-url", "http://127.0.0.1:6379/0", "--status"], 2, ["not a Redis URL"]),
    ],
    ids=["unreachable", "malformed", "wrong scheme"],
)  # fmt: skip
def test_seed_with_a_redis_it_cannot_use_is_one_line(args, code, expected) -> None:
    port = free_port()
    done = newscrawl("seed", *(a.format(port=port) for a in args))
    assert_one_line(done, code, *(e.format(port=port) for e in expected))
    assert "s3cret" not in done.output


@pytest.mark.redis
@pytest.mark.parametrize(
    ("seeds", "expected"),
    [
        (["htp:/x"], "not an http(s) URL: 'htp:/x'"),
        (["javascript:alert(1)"], "not an http(s) URL: 'javascript:alert(1)'"),
        ([""], "not an http(s) URL: ''"),
        (["https://a.example/rss", "--source", "nosuch"], "unknown sources: nosuch (defined: "),
    ],
    ids=["no scheme", "javascript", "empty", "unknown source"],
)
def test_seed_refuses_bad_urls_and_unknown_sources_and_pushes_nothing(seeds, expected) -> None:
    prefix = f"test-seed-bad-{uuid.uuid4().hex[:8]}"
    done = newscrawl("seed", "--prefix", prefix, *seeds)
    assert_one_line(done, 2, expected)
    assert redis.Redis().keys(f"{{{prefix}}}:*") == []


# --- newscrawl demo on a busy port ------------------------------------------------------------


def test_demo_on_a_port_in_use_is_one_line(tmp_path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = newscrawl("demo", "--port", str(port), "--database-url",
                         f"sqlite:///{tmp_path / 'demo.db'}")  # fmt: skip
    assert_one_line(done, 2, f"cannot serve the newsroom on port {port}", "in use", "--port")


# --- help and version ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code", "expected"),
    [
        (["export", "--database-url", "notaurl"], 2, ["not a database URL: 'notaurl'"]),
        (["stats", "--database-url", "postgresql://postgres@127.0.0.1:{port}/news"], 1,
         ["cannot connect to Postgres at 127.0.0.1:{port}", "connection refused"]),
    ],
    ids=["usage", "unavailable"],
)  # fmt: skip
def test_the_process_says_one_line_and_exits_with_the_code(args, code, expected) -> None:
    port = free_port()
    done = newscrawl_process(*(a.format(port=port) for a in args))
    assert_one_line(done, code, *(e.format(port=port) for e in expected))


def test_help_is_for_users_and_version_is_the_package_version() -> None:
    for args in [["--help"]] + [
        [name, "--help"]
        for name in ("extract", "seed", "crawl", "demo", "db", "export", "stats", "search", "serve")
    ]:
        done = newscrawl(*args)
        assert done.returncode == 0, done.output
        for markup in ("``", ":func:", ":mod:", ":class:", "sub-command module", "add_parser"):
            assert markup not in done.stdout, (args, done.stdout)
    assert "exit codes" in newscrawl("--help").stdout
    done = newscrawl_process("--version")
    assert (done.returncode, done.stdout.strip()) == (0, f"newscrawl {version('newscrawl')}")


# --- scrapy crawl: bad arguments, a database it cannot use -----------------------------------


def assert_crawl_refused(done: Done, code: int, expected: str) -> None:
    """``scrapy crawl`` logs Scrapy's start-up lines at INFO, then the problem once."""
    assert done.returncode == code, done.output[-3000:]
    assert "Traceback" not in done.output, done.output[-5000:]
    assert "Task exception was never retrieved" not in done.output
    problem = [line for line in done.output.splitlines() if expected in line]
    assert len(problem) == 1, done.output[-3000:]
    assert "ERROR" in problem[0]


BAD_SPIDER_ARGUMENTS = [
    (["news", "-a", "start_urls=htp:/x"], "not an http(s) URL: 'htp:/x'"),
    (["news", "-a", "start_urls="], "give -a start_urls=URL"),
    (["news", "-a", "start_urls=javascript:alert(1)"], "not an http(s) URL: 'javascript:alert(1)'"),
    (["news", "-a", "start_urls=https://a.example/", "-a", "max_articles=abc"],
     "max_articles must be an integer, not 'abc'"),
    (["source", "-a", "name=nosuch"], "unknown source 'nosuch'"),
]  # fmt: skip
BAD_IDS = ["htp:/x", "empty", "javascript", "max_articles=abc", "unknown source"]


@pytest.mark.slow
@pytest.mark.parametrize(("args", "expected"), BAD_SPIDER_ARGUMENTS, ids=BAD_IDS)
def test_spiders_refuse_bad_arguments_before_opening(reactor, args, expected, tmp_path) -> None:
    """The spider says what is wrong (``scrapy crawl`` turns it into the line below)."""
    from newscrawl.spiders.commands.crawl import CONFIGURATION_ERRORS

    from tests.reactorkit import crawl

    spider_args = dict(a.split("=", 1) for a in args[2::2])
    settings = {"DATABASE_URL": f"sqlite:///{tmp_path / 'n.db'}",
                "NEWSCRAWL_LOCK_DIR": str(tmp_path / "locks")}  # fmt: skip
    with pytest.raises(CONFIGURATION_ERRORS, match=re.escape(expected)):
        crawl(reactor, args[0], settings, **spider_args)


@pytest.mark.slow
@pytest.mark.parametrize(("args", "expected"), BAD_SPIDER_ARGUMENTS[::4], ids=BAD_IDS[::4])
def test_scrapy_crawl_with_bad_arguments_is_one_line(args, expected, tmp_path) -> None:
    done = scrapy_crawl(*args, tmp_path=tmp_path, database_url=f"sqlite:///{tmp_path / 'n.db'}")
    assert_crawl_refused(done, 2, expected)
    assert "Spider opened" not in done.output


@pytest.mark.slow
def test_scrapy_crawl_with_an_unreachable_database_is_one_line(tmp_path) -> None:
    port = free_port()
    done = scrapy_crawl("news", "-a", "start_urls=http://127.0.0.1:9/", tmp_path=tmp_path,
                        database_url=f"postgresql://postgres@127.0.0.1:{port}/news")  # fmt: skip
    assert_crawl_refused(done, 1, f"cannot connect to Postgres at 127.0.0.1:{port}")
    assert "crawl failed: finish reason: database_unavailable" in done.output


@pytest.mark.slow
@pytest.mark.postgres
def test_scrapy_crawl_with_an_outdated_database_is_one_line(tmp_path, make_postgres_database):
    done = scrapy_crawl("news", "-a", "start_urls=http://127.0.0.1:9/", tmp_path=tmp_path,
                        database_url=make_postgres_database())  # fmt: skip
    assert_crawl_refused(done, 2, "schema revision none")
    assert "newscrawl db upgrade" in done.output


# --- newscrawl crawl: the database is checked once, before any source runs ----------------------


def test_newscrawl_crawl_with_an_unreachable_database_is_one_line(tmp_path) -> None:
    port = free_port()
    done = newscrawl("crawl", "--all", "--database-url",
                     f"postgresql://postgres@127.0.0.1:{port}/news")  # fmt: skip
    assert_one_line(done, 1, "newscrawl crawl: ", f"cannot connect to Postgres at 127.0.0.1:{port}")


@pytest.mark.postgres
def test_newscrawl_crawl_with_an_outdated_database_is_one_line(make_postgres_database) -> None:
    done = newscrawl("crawl", "--all", "--database-url", make_postgres_database())
    assert_one_line(done, 2, "schema revision none", "newscrawl db upgrade")
