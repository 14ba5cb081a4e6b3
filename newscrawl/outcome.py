"""Whether a finished crawl failed: the basis of a non-zero exit code for cron.

A run fails when it did not finish normally, when errors were logged, when the spider
flagged it (all start URLs failing, a held lock), or when more than a configurable share of
items was dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Finish reasons of a run that ended as intended.
OK_FINISH_REASONS = frozenset(
    {"finished", "max_articles", "closespider_itemcount", "closespider_pagecount",
     "closespider_timeout"}
)  # fmt: skip

FAILED_KEY = "newscrawl/run/failed"


def failure_reasons(stats: Mapping[str, Any], *, max_drop_share: float = 0.5) -> list[str]:
    """Why a crawl with these Scrapy stats failed (empty: it did not).

    >>> failure_reasons({"finish_reason": "finished", "item_scraped_count": 3})
    []
    >>> failure_reasons({"finish_reason": "shutdown", "log_count/ERROR": 2})
    ['finish reason: shutdown', '2 errors logged']
    >>> failure_reasons({"finish_reason": "finished", "item_scraped_count": 1,
    ...                  "item_dropped_count": 3}, max_drop_share=0.5)
    ['3 of 4 items dropped (more than 50%)']
    >>> failure_reasons({"finish_reason": "finished", FAILED_KEY: "lock held"})
    ['lock held']
    """
    reasons: list[str] = []
    finish = stats.get("finish_reason")
    if finish not in OK_FINISH_REASONS:
        reasons.append(f"finish reason: {finish}")
    if stats.get(FAILED_KEY):
        reasons.append(str(stats[FAILED_KEY]))
    errors = int(stats.get("log_count/ERROR", 0) or 0)
    if errors:
        reasons.append(f"{errors} errors logged")
    dropped = int(stats.get("item_dropped_count", 0) or 0)
    total = dropped + int(stats.get("item_scraped_count", 0) or 0)
    if total and dropped / total > max_drop_share:
        reasons.append(f"{dropped} of {total} items dropped (more than {max_drop_share:.0%})")
    return reasons
