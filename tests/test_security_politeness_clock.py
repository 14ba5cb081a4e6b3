"""Politeness rules on a fake clock: Retry-After and error streaks pause a host for exactly
as long as they say, and the scheduler holds that host's requests back until then while the
other hosts go on.

The project's downloader middleware (:class:`PolitenessMiddleware`) and scheduler
(:class:`PausingScheduler`) share one :class:`HostPauses` per crawler, whose clock is
replaced here; test_security_politeness.py checks the same rules once in real time, as the
server sees them.
"""

from __future__ import annotations

from typing import Any

import pytest
from newscrawl.engine.scheduler import PausingScheduler, host_pauses
from newscrawl.middlewares.politeness import PolitenessMiddleware
from scrapy import Request, Spider
from scrapy.http import Response
from scrapy.utils.test import get_crawler

SLOW, OTHER = "http://slow.example", "http://other.example"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _crawl(**settings: Any) -> tuple[PolitenessMiddleware, PausingScheduler, Clock, Any]:
    crawler = get_crawler(
        Spider,
        settings_dict={
            "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.ScrapyPriorityQueue",
            "NEWSCRAWL_HOST_ERROR_THRESHOLD": 3,
            "NEWSCRAWL_HOST_ERROR_PAUSE": 10,
            "NEWSCRAWL_HOST_ERROR_PAUSE_MAX": 25,
            **settings,
        },
    )
    crawler.spider = crawler._create_spider("s")
    crawler.stats.open_spider()
    clock = Clock()
    host_pauses(crawler).clock = clock
    scheduler = PausingScheduler.from_crawler(crawler)
    scheduler.open(crawler.spider)
    return PolitenessMiddleware.from_crawler(crawler), scheduler, clock, crawler.stats


def _answer(mw: PolitenessMiddleware, url: str, status: int, **headers: str) -> None:
    request = Request(url)
    mw.process_response(request, Response(url, status=status, headers=headers, request=request))


def _released(scheduler: PausingScheduler) -> list[str]:
    urls = []
    while (request := scheduler.next_request()) is not None:
        urls.append(request.url)
    return urls


@pytest.mark.parametrize(
    ("status", "retry_after", "pause"),
    [(429, "2", 2.0), (503, "7", 7.0), (429, "86400", 600.0)],  # capped at RETRY_AFTER_MAX
    ids=["429", "503", "capped"],
)
def test_retry_after_holds_the_host_back_exactly_that_long(
    status: int, retry_after: str, pause: float
) -> None:
    mw, scheduler, clock, stats = _crawl()
    _answer(mw, f"{SLOW}/a", status, **{"Retry-After": retry_after})
    for url in (f"{SLOW}/a", f"{SLOW}/b", f"{OTHER}/a"):
        scheduler.enqueue_request(Request(url))
    assert _released(scheduler) == [f"{OTHER}/a"]  # the other host goes on
    clock.now += pause - 0.01
    assert _released(scheduler) == []
    assert scheduler.has_pending_requests()
    clock.now += 0.01
    assert sorted(_released(scheduler)) == [f"{SLOW}/a", f"{SLOW}/b"]
    assert stats.get_value("newscrawl/politeness/retry_after") == 1
    assert stats.get_value("newscrawl/politeness/host_paused/retry_after") == 1


def test_retry_after_as_an_http_date() -> None:
    mw, scheduler, clock, _ = _crawl()
    from email.utils import formatdate
    from time import time

    _answer(mw, f"{SLOW}/a", 503, **{"Retry-After": formatdate(time() + 30, usegmt=True)})
    scheduler.enqueue_request(Request(f"{SLOW}/a"))
    clock.now += 25
    assert _released(scheduler) == []
    clock.now += 6
    assert _released(scheduler) == [f"{SLOW}/a"]


def test_a_retry_after_without_a_pause_status_or_value_pauses_nothing() -> None:
    mw, scheduler, _, stats = _crawl()
    _answer(mw, f"{SLOW}/a", 200, **{"Retry-After": "30"})
    _answer(mw, f"{SLOW}/b", 429, **{"Retry-After": "soon"})
    scheduler.enqueue_request(Request(f"{SLOW}/c"))
    assert _released(scheduler) == [f"{SLOW}/c"]
    assert stats.get_value("newscrawl/politeness/host_paused") is None


def test_an_error_streak_pauses_the_host_doubling_up_to_the_cap() -> None:
    mw, scheduler, clock, stats = _crawl()
    pauses = []
    for n in range(5):
        _answer(mw, f"{SLOW}/{n}", 500)
        scheduler.enqueue_request(Request(f"{SLOW}/next{n}", dont_filter=True))
        waited = 0.0
        while not _released(scheduler):
            clock.now += 0.5
            waited += 0.5
        pauses.append(waited)
    # threshold 3: no pause for the first two errors, then 10, 20, 25 (the cap) seconds
    assert pauses == [0.0, 0.0, 10.0, 20.0, 25.0]
    assert stats.get_value("newscrawl/politeness/host_paused/errors") == 3


def test_an_answer_ends_the_streak_and_other_hosts_have_their_own() -> None:
    mw, scheduler, _, _ = _crawl()
    for n in range(2):
        _answer(mw, f"{SLOW}/{n}", 500)
    _answer(mw, f"{SLOW}/ok", 200)  # the streak starts again
    _answer(mw, f"{OTHER}/x", 500)
    for n in range(2):
        _answer(mw, f"{SLOW}/again{n}", 500)
    scheduler.enqueue_request(Request(f"{SLOW}/c"))
    scheduler.enqueue_request(Request(f"{OTHER}/c"))
    assert sorted(_released(scheduler)) == [f"{OTHER}/c", f"{SLOW}/c"]


def test_a_request_already_past_the_scheduler_is_sent_back_while_its_host_waits() -> None:
    mw, _, clock, stats = _crawl()
    _answer(mw, f"{SLOW}/a", 429, **{"Retry-After": "5"})
    again = mw.process_request(Request(f"{SLOW}/b"))
    assert again is not None and again.url == f"{SLOW}/b" and again.dont_filter
    assert mw.process_request(Request(f"{OTHER}/b")) is None
    clock.now += 5
    assert mw.process_request(Request(f"{SLOW}/b")) is None
    assert stats.get_value("newscrawl/politeness/requeued") == 1
