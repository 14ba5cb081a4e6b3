"""Whether a finished crawl failed, and the exit code cron and systemd see.

A run fails when it did not finish normally, when errors were logged, when the spider
flagged it (all start URLs failing, a held lock), or when more than a configurable share of
items was lost: dropped by a pipeline or rejected by the store.

Exit codes (README, "Exit codes"): 0 ok, 1 the run failed, 2 wrong arguments or
configuration (the crawl could not start as asked), 128 + the signal number when a signal
stopped the run before its end (130 for Ctrl-C / SIGINT, 143 for SIGTERM).
"""

from __future__ import annotations

import signal
from collections.abc import Mapping
from typing import Any

#: Finish reasons of a run that ended as intended.
OK_FINISH_REASONS = frozenset(
    {"finished", "max_articles", "closespider_itemcount", "closespider_pagecount",
     "closespider_timeout"}
)  # fmt: skip

#: Finish reasons of a crawl closed because its database could not be used: away for now
#: (exit code 1), or wrongly configured (exit code 2).
DATABASE_UNAVAILABLE = "database_unavailable"
DATABASE_MISCONFIGURED = "database_misconfigured"
#: Finish reasons of a run that could not start as configured (exit code 2).
CONFIGURATION_FINISH_REASONS = frozenset({DATABASE_MISCONFIGURED})

FAILED_KEY = "newscrawl/run/failed"
REJECTED_PREFIX = "newscrawl/store/rejected/"

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def signal_exit_code(signum: int | None) -> int:
    """The exit code of a run a signal stopped: 128 + its number, as a shell reports it.

    >>> signal_exit_code(signal.SIGINT), signal_exit_code(signal.SIGTERM), signal_exit_code(None)
    (130, 143, 1)
    """
    return 128 + int(signum) if signum else EXIT_FAILED


def signal_name(signum: int) -> str:
    """``SIGTERM`` for 15.

    >>> signal_name(15)
    'SIGTERM'
    """
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def rejected_count(stats: Mapping[str, Any]) -> int:
    """Items the store refused (``newscrawl/store/rejected/<reason>``)."""
    return sum(int(v or 0) for k, v in stats.items() if k.startswith(REJECTED_PREFIX))


def failure_reasons(stats: Mapping[str, Any], *, max_drop_share: float = 0.5) -> list[str]:
    """Why a crawl with these Scrapy stats failed (empty: it did not).

    Items rejected by the store count like dropped ones. A rejected item was scraped first
    (``item_scraped_count`` counts it), so it is one of the scraped items, not one more.

    >>> failure_reasons({"finish_reason": "finished", "item_scraped_count": 3})
    []
    >>> failure_reasons({"finish_reason": "shutdown", "log_count/ERROR": 2})
    ['finish reason: shutdown', '2 errors logged']
    >>> failure_reasons({"finish_reason": "finished", "item_scraped_count": 1,
    ...                  "item_dropped_count": 3}, max_drop_share=0.5)
    ['3 of 4 items dropped (more than 50%)']
    >>> failure_reasons({"finish_reason": "finished", "item_scraped_count": 4,
    ...                  REJECTED_PREFIX + "IntegrityError": 3}, max_drop_share=0.5)
    ['3 of 4 items dropped (more than 50%): 3 rejected by the store']
    >>> failure_reasons({"finish_reason": "finished", FAILED_KEY: "lock held"})
    ['lock held']
    """
    reasons: list[str] = []
    finish = stats.get("finish_reason")
    if finish is None:  # stopped before the spider closed (a forced stop, a crash)
        reasons.append("did not finish")
    elif finish not in OK_FINISH_REASONS:
        reasons.append(f"finish reason: {finish}")
    if stats.get(FAILED_KEY):
        reasons.append(str(stats[FAILED_KEY]))
    errors = int(stats.get("log_count/ERROR", 0) or 0)
    if errors:
        reasons.append(f"{errors} errors logged")
    dropped = int(stats.get("item_dropped_count", 0) or 0)
    scraped = int(stats.get("item_scraped_count", 0) or 0)
    rejected = rejected_count(stats)
    # items replayed from a spool were not scraped in this run but may be rejected in it
    total = dropped + max(scraped, rejected)
    lost = dropped + rejected
    if total and lost / total > max_drop_share:
        reason = f"{lost} of {total} items dropped (more than {max_drop_share:.0%})"
        if rejected:
            reason += f": {rejected} rejected by the store"
        reasons.append(reason)
    return reasons


def exit_code(stats: Mapping[str, Any], failures: list[str], stop_signal: int | None = None) -> int:
    """The exit code of one crawl: see the module's docstring.

    >>> exit_code({"finish_reason": "finished"}, [])
    0
    >>> exit_code({"finish_reason": "shutdown"}, ["finish reason: shutdown"], signal.SIGTERM)
    143
    >>> exit_code({"finish_reason": "database_misconfigured"}, ["finish reason: ..."])
    2
    """
    if stop_signal:
        return signal_exit_code(stop_signal)
    if stats.get("finish_reason") in CONFIGURATION_FINISH_REASONS:
        return EXIT_USAGE
    return EXIT_FAILED if failures else EXIT_OK
