"""One ``crawl_runs`` row per crawl, summarised from the crawler's stats.

What the crawl was (its ``sources.toml`` source, its start URLs) comes from the spider
(:func:`spider_identity`). Stats keys read: Scrapy's own (``start_time``,
``response_received_count``, ``item_scraped_count``,
``item_dropped_reasons_count/<Reason>``, ``log_count/ERROR``) and newscrawl's
(``newscrawl/store/<outcome>``, ``newscrawl/dedupe/<outcome>``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, get_args, get_type_hints

from sqlalchemy import Connection

from newscrawl.store.schema import crawl_runs

STORED_OUTCOMES = ("new", "merged", "revised", "unchanged")
DUPLICATE_OUTCOMES = ("merged", "unchanged")
_DROP_PREFIX = "item_dropped_reasons_count/"
_REJECTED_PREFIX = "newscrawl/store/rejected/"
_PASSWORD_RE = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")


@dataclass
class CrawlRun:
    spider: str
    started_at: datetime
    finished_at: datetime | None = None
    finish_reason: str | None = None
    pages: int = 0
    items_scraped: int = 0
    items_stored: int = 0
    duplicates: int = 0
    errors: int = 0
    drops: dict[str, int] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)
    source: str | None = None
    start_urls: list[str] = field(default_factory=list)


def scrub(value: Any) -> Any:
    """JSON-safe copy of a stats value with any URL password masked.

    >>> scrub({"db": "postgresql://u:secret@h/db", "n": 3})
    {'db': 'postgresql://u:***@h/db', 'n': 3}
    """
    if isinstance(value, dict):
        return {str(k): scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool | int | float) or value is None:
        return value
    return _PASSWORD_RE.sub(r"\1***@", str(value))


def _aware(value: Any, default: datetime) -> datetime:
    if not isinstance(value, datetime):
        return default
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def spider_identity(spider: object) -> dict[str, Any]:
    """What a run crawled: the source it ran as (a ``source`` spider's, or the one source
    every start URL of a ``news`` crawl belongs to) and its start URLs (none for a
    distributed worker, whose seeds come from Redis)."""
    source = getattr(spider, "source", None)
    return {
        "source": getattr(source, "name", None),
        "start_urls": [str(url) for url in getattr(spider, "start_urls", None) or []],
    }


def crawl_run_from_stats(
    spider: str,
    stats: dict[str, Any],
    finish_reason: str | None = None,
    *,
    source: str | None = None,
    start_urls: list[str] | None = None,
) -> CrawlRun:
    """Summarise a crawler's stats dict (``crawler.stats.get_stats()``) as a run row."""
    now = datetime.now(UTC)

    def count(key: str) -> int:
        value = stats.get(key, 0)
        return int(value) if isinstance(value, int | float) else 0

    drops = {key[len(_DROP_PREFIX) :]: count(key) for key in stats if key.startswith(_DROP_PREFIX)}
    for key in stats:
        if key.startswith(_REJECTED_PREFIX):
            drops[f"store_rejected/{key[len(_REJECTED_PREFIX) :]}"] = count(key)
    return CrawlRun(
        spider=spider,
        started_at=_aware(stats.get("start_time"), now),
        finished_at=_aware(stats.get("finish_time"), now),
        finish_reason=finish_reason or stats.get("finish_reason"),
        pages=count("response_received_count"),
        items_scraped=count("item_scraped_count"),
        items_stored=sum(count(f"newscrawl/store/{o}") for o in STORED_OUTCOMES),
        duplicates=sum(count(f"newscrawl/store/{o}") for o in DUPLICATE_OUTCOMES)
        + count("newscrawl/dedupe/duplicate"),
        errors=count("log_count/ERROR"),
        drops=drops,
        stats=scrub(stats),
        source=source,
        start_urls=list(start_urls or []),
    )


def insert_crawl_run(connection: Connection, run: CrawlRun) -> int:
    values = {
        "spider": run.spider,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "finish_reason": run.finish_reason,
        "pages": run.pages,
        "items_scraped": run.items_scraped,
        "items_stored": run.items_stored,
        "duplicates": run.duplicates,
        "errors": run.errors,
        "drops": run.drops,
        "stats": scrub(run.stats),
        "source": run.source,
        "start_urls": scrub(run.start_urls),
    }
    return connection.execute(crawl_runs.insert().returning(crawl_runs.c.id), values).scalar_one()


def run_to_dict(run: CrawlRun) -> dict[str, Any]:
    """Every field of ``run`` as JSON (times as ISO 8601): a run record can wait in the spool
    while the database is away, whatever fields ``CrawlRun`` grows."""
    return {f.name: scrub(getattr(run, f.name)) for f in fields(run)}


def run_from_dict(data: dict[str, Any]) -> CrawlRun:
    """Inverse of :func:`run_to_dict`; keys ``CrawlRun`` does not know are ignored.

    >>> run = CrawlRun("news", datetime(2026, 3, 1, tzinfo=UTC), items_stored=3)
    >>> run_from_dict(run_to_dict(run)) == run
    True
    """
    hints = get_type_hints(CrawlRun)
    values: dict[str, Any] = {}
    for f in fields(CrawlRun):
        if f.name not in data:
            continue
        value = data[f.name]
        if isinstance(value, str) and _is_time(hints[f.name]):
            value = datetime.fromisoformat(value)
        values[f.name] = value
    return CrawlRun(**values)


def _is_time(hint: Any) -> bool:
    return hint is datetime or datetime in get_args(hint)
