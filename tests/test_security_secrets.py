"""A database password never shows up in logs, output or ``crawl_runs``; no SQL is built
from strings.

The Postgres server trusts loopback connections, so a URL with a made-up password connects
fine: the password is only carried along, which is exactly what could leak. Each command
runs as a user runs it (a subprocess, DEBUG logging), and everything it prints, logs and
stores is searched for the password.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import make_url, select
from sqlalchemy.pool import NullPool

from newscrawl.store.engine import create_engine
from newscrawl.store.schema import crawl_runs
from tests.clikit import newscrawl
from tests.newsroomkit import ROOT, Newsroom, newsroom_fixture  # noqa: F401  (fixture)

PASSWORD = "s3cr3t-pw"
SOURCE = "standard"


def with_password(url: str, port: int | None = None) -> str:
    parsed = make_url(url).set(password=PASSWORD)
    if port is not None:
        parsed = parsed.set(port=port)
    return parsed.render_as_string(hide_password=False)


def run(command: list[str], env_extra: dict[str, str] | None = None) -> tuple[int, str]:
    """Run a command from the repository root; its exit code and all it wrote."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSCRAWL_")}
    env.update(env_extra or {})
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=300)
    return done.returncode, (done.stdout + done.stderr).decode(errors="replace")


def crawl_settings(newsroom: Newsroom, tmp_path: Path) -> list[str]:
    settings = {
        "NEWSCRAWL_ALLOWED_PRIVATE_HOSTS": newsroom.allowed_hosts,
        "NEWSCRAWL_SOURCES_FILE": str(newsroom.sources),
        "NEWSCRAWL_LOCK_DIR": str(tmp_path / "locks"),
        "HTTPCACHE_DIR": str(tmp_path / "httpcache"),
        "LOG_LEVEL": "DEBUG",
        "TELNETCONSOLE_ENABLED": "False",
        "AUTOTHROTTLE_ENABLED": "False",
        "NEWSCRAWL_EXTRACT_WORKERS": "0",  # what the crawler logs is searched, not workers
    }
    return [arg for key, value in settings.items() for arg in ("-s", f"{key}={value}")]


def crawl_run_rows(url: str) -> list[dict]:
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(select(crawl_runs)).mappings()]
    engine.dispose()
    return rows


@pytest.mark.slow
@pytest.mark.postgres
def test_password_not_in_logs_output_or_crawl_runs(
    newsroom, tmp_path, make_postgres_database
) -> None:
    url = with_password(make_postgres_database())
    py = sys.executable
    outputs: dict[str, tuple[int, str]] = {
        "db upgrade": run([py, "-m", "newscrawl", "db", "upgrade", "--database-url", url]),
        "newscrawl crawl": run(
            [py, "-m", "newscrawl", "crawl", SOURCE, "--database-url", url,
             "--sources", str(newsroom.sources),
             *crawl_settings(newsroom, tmp_path / "a")]
        ),
        "scrapy crawl": run(
            [py, "-m", "scrapy", "crawl", "source", "-a", f"name={SOURCE}",
             "-s", f"DATABASE_URL={url}", *crawl_settings(newsroom, tmp_path / "b")]
        ),
        "stats": run([py, "-m", "newscrawl", "stats", "--database-url", url]),
        "stats --json": run([py, "-m", "newscrawl", "stats", "--json", "--database-url", url]),
        "export": run([py, "-m", "newscrawl", "export", "--database-url", url]),
        "export (env)": run([py, "-m", "newscrawl", "export"], {"NEWSCRAWL_DATABASE_URL": url}),
    }  # fmt: skip
    rows = crawl_run_rows(url)
    stored = json.dumps(rows, default=str)
    sizes = {name: len(text) for name, (_, text) in outputs.items()}
    print(f"\nchars searched per command: {sizes}; crawl_runs rows {len(rows)}, "
          f"{len(stored)} chars")  # fmt: skip
    for name, (code, text) in outputs.items():
        assert code == 0, f"{name}:\n{text[-3000:]}"
        assert PASSWORD not in text, f"{name} printed the password"
    assert "DEBUG" in outputs["newscrawl crawl"][1]  # the whole log was captured
    assert len(rows) == 2
    assert rows[0]["items_scraped"] > 0  # the second run finds nothing new: re-crawl window
    assert PASSWORD not in stored


@pytest.mark.postgres
def test_password_not_in_connection_errors(tmp_path, make_postgres_database) -> None:
    """Unreachable server: the error messages name the URL without its password."""
    url = with_password(make_postgres_database(), port=1)
    for command in (
        ["db", "upgrade", "--database-url", url],
        ["stats", "--database-url", url],
        ["export", "--database-url", url],
    ):
        done = newscrawl(*command)  # in this process (the crawl test above runs processes)
        code, text = done.returncode, done.output
        assert code != 0, text
        assert PASSWORD not in text, f"{command[:2]} printed the password:\n{text[-2000:]}"


# --- no SQL built from strings ----------------------------------------------------------

#: calls that take raw SQL text
SQL_CALLS = {"text", "exec_driver_sql", "execute", "executescript", "executemany"}


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _is_str(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _is_built_string(node: ast.AST) -> bool:
    """An f-string, ``%`` or ``+`` on a string, or ``"...".format(...)``."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        sides = (node.left, node.right)
        return any(_is_str(side) or _is_built_string(side) for side in sides)
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
        and isinstance(node.func.value, ast.Constant)
    )


def string_built_sql(tree: ast.AST) -> list[int]:
    """Line numbers of SQL-taking calls whose first argument is built from strings."""
    return sorted(
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and _call_name(node) in SQL_CALLS
        and node.args
        and _is_built_string(node.args[0])
    )


def test_the_checker_finds_string_built_sql() -> None:
    bad = ast.parse(
        "conn.execute(text(f'SELECT * FROM {t}'))\n"
        "conn.exec_driver_sql('DELETE FROM x WHERE id = %s' % i)\n"
        "cur.execute('SELECT ' + col)\n"
        "text('SELECT {}'.format(col))\n"
        "conn.execute(text('SELECT 1 WHERE id = :id'), {'id': 1})\n"
    )
    assert string_built_sql(bad) == [1, 2, 3, 4]


#: file -> the one statement it may build: SQLite takes no bound parameters in PRAGMA, and
#: engine.py formats only its own constants (SQLITE_PRAGMAS, SQLITE_BUSY_TIMEOUT_MS) into it.
EXEMPT = {"newscrawl/store/engine.py": 'cursor.execute(f"PRAGMA {pragma}")'}


def test_no_module_builds_sql_from_strings() -> None:
    modules = [
        p
        for d in ("newscrawl", "pipelines", "spiders", "middlewares", "extensions")
        if (ROOT / d).is_dir()
        for p in sorted((ROOT / d).rglob("*.py"))
    ]
    found = {
        str(p.relative_to(ROOT)): lines
        for p in modules
        if (lines := string_built_sql(ast.parse(p.read_text(), str(p))))
    }
    for path, statement in EXEMPT.items():
        source = (ROOT / path).read_text().splitlines()
        assert [source[n - 1].strip() for n in found.pop(path, [])] == [statement]
    print(f"\n{len(modules)} modules scanned")
    assert len(modules) > 50
    assert found == {}
