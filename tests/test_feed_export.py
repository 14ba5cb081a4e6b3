"""Feed exports (``scrapy crawl news … -o items.jsonl``, ``FEEDS``) hold exactly the Article
contract's fields: the crawl state an article carries (hints, normalization outcomes, the
de-duplication preparation) is not a field, so itemadapter and the exporters never see it.

The crawl runs in this process, on a Twisted reactor started once in a thread of its own.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from newscrawl.spiders.news import NewsSpider
from scrapy.crawler import Crawler, CrawlerRunner
from scrapy.settings import Settings

from newscrawl.article import CONTRACT_FIELDS
from tests.newsroomkit import Newsroom, newsroom_fixture  # noqa: F401  (fixture)


@pytest.fixture(scope="session")
def reactor() -> Iterator[Any]:
    """The asyncio reactor, running in a daemon thread for the rest of the session."""
    from scrapy.utils.reactor import install_reactor

    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    from twisted.internet import reactor as installed

    running: Any = installed  # the installed reactor's own type, not the module's
    thread = threading.Thread(
        target=running.run, kwargs={"installSignalHandlers": False}, daemon=True
    )
    thread.start()
    yield running
    running.callFromThread(running.stop)
    thread.join(30)


def crawl(reactor: Any, spider: type, settings: dict[str, Any], **kwargs: Any) -> Crawler:
    """Run one crawl on the reactor's thread and wait for it; returns its crawler."""
    from twisted.internet.threads import blockingCallFromThread

    def start() -> Any:
        project = Settings()
        project.setmodule("newscrawl.settings", priority="project")
        project.setdict(settings, priority="cmdline")
        runner = CrawlerRunner(project)
        crawler = runner.create_crawler(spider)
        return runner.crawl(crawler, **kwargs).addCallback(lambda _: crawler)

    return blockingCallFromThread(reactor, start)


@pytest.mark.parametrize("workers", ["0", "1"])
def test_feed_export_has_exactly_the_contract_fields(
    reactor: Any, newsroom: Newsroom, tmp_path: Path, workers: str
) -> None:
    items = tmp_path / "items.jsonl"
    crawler = crawl(
        reactor,
        NewsSpider,
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'news.db'}",
            "NEWSCRAWL_ALLOWED_PRIVATE_HOSTS": newsroom.allowed_hosts,
            "NEWSCRAWL_SOURCES_FILE": str(newsroom.sources),
            "NEWSCRAWL_LOCK_DIR": str(tmp_path / "locks"),
            "STORE_SPOOL_DIR": str(tmp_path / "spool"),
            "HTTPCACHE_ENABLED": False,
            "NEWSCRAWL_RENDER_JS": False,
            "NEWSCRAWL_EXTRACT_WORKERS": workers,
            "TELNETCONSOLE_ENABLED": False,
            "LOG_LEVEL": "WARNING",
            "FEEDS": {str(items): {"format": "jsonlines"}},
        },
        start_urls=newsroom.url("inkl"),
        max_articles="4",
    )
    stats = crawler.stats.get_stats()
    rows = [json.loads(line) for line in items.read_text().splitlines()]
    assert rows, stats
    assert stats.get("newscrawl/store/new", 0) + stats.get("newscrawl/store/merged", 0) >= 1
    for row in rows:
        assert tuple(row) == CONTRACT_FIELDS, sorted(set(row) ^ set(CONTRACT_FIELDS))
    # the state stayed on the items: aggregator copies were recognised (hints) and stored
    assert any(row["source"] == "inkl" for row in rows)
    assert stats["newscrawl/normalize/item/normalized"] == stats["item_scraped_count"]
