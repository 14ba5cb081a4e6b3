"""``newscrawl ARGS`` run in the test process, as a fresh process would run it.

:func:`newscrawl` calls :func:`newscrawl.cli.main` with the environment of a user's shell
without ``NEWSCRAWL_*`` variables, the given working directory, stdout and stderr captured,
and logging as Python leaves it unconfigured (a WARNING or worse record is a line of stderr).
Tests about the process itself (the entry point, signals, exit codes seen by a shell) run
``python -m newscrawl``.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from newscrawl.cli import main as newscrawl_main

ROOT = Path(__file__).resolve().parent.parent
ENV = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSCRAWL_", "DATABASE_URL"))}


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class _LastResort(logging.Handler):
    """What Python prints of a log record when nothing configured logging (as in a fresh
    ``python -m newscrawl``): WARNING and above, the message alone, on stderr."""

    def __init__(self, stderr: io.StringIO) -> None:
        super().__init__(logging.WARNING)
        self.stderr = stderr

    def emit(self, record: logging.LogRecord) -> None:
        self.stderr.write(record.getMessage() + "\n")


def newscrawl(*args: str, cwd: Path = ROOT) -> Done:
    """``newscrawl ARGS`` in this process, with a fresh process's environment, working
    directory and output; its exit code and what it wrote."""
    out, err = io.StringIO(), io.StringIO()
    environ, here, handler = dict(os.environ), Path.cwd(), _LastResort(err)
    os.environ.clear()
    os.environ.update(ENV)
    os.chdir(cwd)
    logging.getLogger().addHandler(handler)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = newscrawl_main(list(args))
            except SystemExit as end:  # argparse: --help, --version, a usage error
                code = end.code if isinstance(end.code, int) else 1
    finally:
        logging.getLogger().removeHandler(handler)
        os.chdir(here)
        os.environ.clear()
        os.environ.update(environ)
    return Done(code, out.getvalue(), err.getvalue())
