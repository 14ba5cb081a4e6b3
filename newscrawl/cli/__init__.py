"""The ``newscrawl`` command line: one module per sub-command.

Each sub-command module exposes ``add_parser(subparsers)`` which registers its
parser and sets ``func`` (``args -> exit code``) as the default.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: Sub-command modules under ``newscrawl.cli``, in the order ``--help`` lists them.
COMMAND_MODULES: tuple[str, ...] = ("extract", "seed", "crawl", "demo", "db", "export", "stats")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newscrawl", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"newscrawl.cli.{name}").add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:  # e.g. `newscrawl extract ... | head`
        sys.stderr.close()
        return 0
