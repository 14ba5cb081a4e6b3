"""Repository-wide pytest configuration: doctest collection and the number of test workers."""

from __future__ import annotations

import os

import pytest

collect_ignore_glob = ["newscrawl/__main__.py", "newscrawl/store/migrations/*"]

#: test workers per core for ``-n auto``: most end-to-end tests wait on loopback servers,
#: crawl processes and timeouts rather than compute, so two share a core well
WORKERS_PER_CORE = 2


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto`` (pyproject's addopts): two workers per core, or ``NEWSCRAWL_TEST_WORKERS``."""
    wanted = os.environ.get("NEWSCRAWL_TEST_WORKERS")
    if wanted:
        return int(wanted)
    return WORKERS_PER_CORE * (len(os.sched_getaffinity(0)) or 1)
