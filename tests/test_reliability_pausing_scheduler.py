"""PausingScheduler: paused hosts' requests are parked, released, and kept by JOBDIR."""

from __future__ import annotations

from pathlib import Path

from newscrawl.engine.scheduler import PausingScheduler, host_pauses
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.test import get_crawler


def _open(jobdir: Path | None = None) -> tuple[PausingScheduler, Crawler]:
    # the default DownloaderAwarePriorityQueue needs a running engine; the parking logic
    # does not depend on the queue class (the crawl tests use the default one)
    settings: dict[str, str] = {"SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.ScrapyPriorityQueue"}
    if jobdir:
        settings["JOBDIR"] = str(jobdir)
    crawler = get_crawler(Spider, settings_dict=settings)
    crawler.spider = crawler._create_spider("s")
    crawler.stats.open_spider()
    scheduler = PausingScheduler.from_crawler(crawler)
    scheduler.open(crawler.spider)
    return scheduler, crawler


def _url(request: Request | None) -> str:
    assert request is not None, "no request released"
    return request.url


def test_paused_host_is_skipped_and_released() -> None:
    scheduler, crawler = _open()
    pauses = host_pauses(crawler)
    clock = [0.0]
    pauses.clock = lambda: clock[0]
    for url in ("http://slow.example/1", "http://slow.example/2", "http://ok.example/1"):
        scheduler.enqueue_request(Request(url))
    pauses.pause("slow.example", 30, "retry_after")
    assert _url(scheduler.next_request()) == "http://ok.example/1"
    assert scheduler.next_request() is None
    assert scheduler.has_pending_requests() and len(scheduler) == 2
    clock[0] = 31.0
    released = {_url(scheduler.next_request()), _url(scheduler.next_request())}
    assert released == {"http://slow.example/1", "http://slow.example/2"}
    assert not scheduler.has_pending_requests()


def test_parked_requests_survive_a_jobdir_restart(tmp_path: Path) -> None:
    scheduler, crawler = _open(tmp_path)
    for n in range(3):
        scheduler.enqueue_request(Request(f"http://slow.example/{n}"))
    host_pauses(crawler).pause("slow.example", 3600, "robots")
    assert scheduler.next_request() is None
    assert len(scheduler) == 3
    scheduler.close("shutdown")

    again, _ = _open(tmp_path)  # a fresh crawler: no pause any more
    urls = set()
    while (request := again.next_request()) is not None:
        urls.add(request.url)
    assert urls == {f"http://slow.example/{n}" for n in range(3)}
    again.close("finished")


def test_close_counts_saved_and_memory_only_requests(tmp_path: Path) -> None:
    scheduler, crawler = _open(tmp_path)
    scheduler.enqueue_request(Request("http://a.example/1"))
    scheduler.enqueue_request(Request("http://slow.example/1"))

    # a callback that is no spider method cannot be saved: the request lives in memory only,
    # and a resumed JOBDIR would not have it (newscrawl.extensions.jobdir then refuses to resume)
    def not_a_spider_method(response: Response) -> None:
        pass

    scheduler.enqueue_request(Request("http://a.example/2", callback=not_a_spider_method))
    scheduler.close("shutdown")
    assert crawler.stats.get_value("newscrawl/jobdir/saved_requests") == 2
    assert crawler.stats.get_value("newscrawl/jobdir/unsaved_requests") == 1


def test_close_without_jobdir_counts_nothing() -> None:
    scheduler, crawler = _open()
    scheduler.enqueue_request(Request("http://a.example/1"))
    scheduler.close("shutdown")
    assert crawler.stats.get_value("newscrawl/jobdir/saved_requests") is None
