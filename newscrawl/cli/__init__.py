"""The ``newscrawl`` command line: one module per sub-command.

Each sub-command module exposes ``add_parser(subparsers)`` which registers its parser and
sets ``func`` (``args -> exit code``) as the default. A user's mistake or a database that
cannot be used ends as one line on stderr and an exit code (:mod:`newscrawl.run.outcome`), never
a traceback: sub-commands raise :class:`CommandError` or
:class:`~newscrawl.store.problems.DatabaseProblem` and :func:`main` prints it.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import signal
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from newscrawl.run.outcome import EXIT_USAGE, signal_exit_code

logger = logging.getLogger(__name__)

#: Sub-commands and the module under ``newscrawl.cli`` that defines each, in the order
#: ``--help`` lists them.
COMMANDS: dict[str, str] = {
    "extract": "extract",
    "seed": "seed",
    "crawl": "crawl",
    "import": "import_warcs",
    "publishers": "publishers",
    "golden": "golden",
    "demo": "demo",
    "db": "db",
    "export": "export",
    "stats": "stats",
    "search": "search",
    "serve": "serve",
}


DESCRIPTION = """\
newscrawl crawls news sites (publishers and aggregators), turns each page into one clean
article (headline, authors, wire credits, images with captions and credits), de-duplicates
it and stores it in SQLite or Postgres.

Try it offline with `newscrawl demo`. List the publishers newscrawl knows with
`newscrawl publishers`, crawl them with `newscrawl crawl --publisher NAME…` (or --country,
--language, --all); read what was stored with `newscrawl export` and `newscrawl stats`.
`newscrawl COMMAND --help` tells more about each command.
"""

EPILOG = """\
exit codes: 0 ok; 1 the run failed; 2 wrong arguments or configuration;
130 / 143 stopped by Ctrl-C / SIGTERM. The database is --database-url, else
$NEWSCRAWL_DATABASE_URL, else sqlite:///news.db.
"""


class CommandError(Exception):
    """A mistake in a command's arguments or environment; ``str()`` is the one line to show."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def package_version() -> str:
    """The installed newscrawl's version (from its package metadata)."""
    try:
        return version("newscrawl")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; given the command line, only the chosen sub-command's module is
    imported (each pulls in its own stack: Scrapy, SQLAlchemy, Alembic…), so ``newscrawl
    export`` from cron does not pay for the crawler. ``--help`` and mistakes get them all."""
    parser = argparse.ArgumentParser(
        prog="newscrawl",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = chosen_command(sys.argv[1:] if argv is None else argv)
    for name in [chosen] if chosen else COMMANDS:
        importlib.import_module(f"newscrawl.cli.{COMMANDS[name]}").add_parser(subparsers)
    return parser


def chosen_command(argv: Sequence[str]) -> str | None:
    """The sub-command named on the command line (the first word that is not an option,
    the top-level parser having no option that takes a value), if it is one.

    >>> chosen_command(["--version"]), chosen_command(["export", "--since", "crawl"])
    (None, 'export')
    >>> chosen_command(["nosuch"]) is None
    True
    """
    first = next((arg for arg in argv if not arg.startswith("-")), None)
    return first if first in COMMANDS else None


def command_name(args: argparse.Namespace) -> str:
    """``newscrawl db upgrade``, ``newscrawl export``…, to prefix a message with."""
    words = ["newscrawl", args.command]
    if getattr(args, "action", None):
        words.append(args.action)
    return " ".join(words)


def main(argv: Sequence[str] | None = None) -> int:
    from newscrawl.store.problems import DatabaseProblem

    args = build_parser(argv).parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:  # e.g. `newscrawl extract ... | head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:  # Ctrl-C outside a crawl (which handles it itself)
        print(f"{command_name(args)}: interrupted", file=sys.stderr)
        return signal_exit_code(signal.SIGINT)
    except (CommandError, DatabaseProblem) as error:
        logger.debug("%s failed", command_name(args), exc_info=True)
        print(f"{command_name(args)}: {error}", file=sys.stderr)
        return error.exit_code
