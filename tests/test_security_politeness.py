"""Issue 7, item 9: politeness, measured by the server.

One short real-time crawl (in the test process) against five loopback hosts; the rules
themselves (Retry-After, error streaks, their pauses) are tested with a fake clock in
test_security_politeness_clock.py. The mockserver records when each request
started and ended on each host, and the test checks:

* ``concurrent``: never more than CONCURRENT_REQUESTS_PER_DOMAIN requests at once;
* ``spaced``: DOWNLOAD_DELAY between request starts (AutoThrottle on, as in production);
* ``limited``: after a 429/503 with Retry-After, nothing is sent to that host before
  the Retry-After has passed;
* ``bad``: after repeated 500s the host is paused while ``good`` keeps being crawled.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from tests.crawlkit import crawl_here
from tests.mockserver import MockServer

LISTENERS = (
    "concurrent,127.0.0.1",
    "spaced,127.0.0.2",
    "limited,127.0.0.3",
    "bad,127.0.0.4",
    "good,127.0.0.5",
)
PER_DOMAIN = 2
DELAY = 0.4
ERROR_PAUSE = 2.0
GOOD = 12  # at DELAY apart: the good host is still being crawled while the bad one waits


def _max_overlap(records: list[dict]) -> int:
    events = sorted([(r["start"], 1) for r in records] + [(r["end"], -1) for r in records])
    level = peak = 0
    for _, step in events:
        level += step
        peak = max(peak, level)
    return peak


@pytest.mark.slow
def test_politeness_per_host(reactor: Any) -> None:
    with MockServer(*LISTENERS) as server:
        names = [spec.split(",")[0] for spec in LISTENERS]
        limited = [
            "/flaky/429?retry_after=1&times=1&id=a",
            "/flaky/503?retry_after=2&times=1&id=b",
        ]
        starts = (
            [server.url(f"/delay?s=1&n={i}", "concurrent") for i in range(4)]
            + [server.url(f"/article/{i}", "spaced") for i in range(4)]
            + [server.url(p, "limited") for p in limited]
            + [server.url(f"/status/500?n={i}", "bad") for i in range(2)]
            + [server.url(f"/delay?s=0.2&n={i}", "good") for i in range(GOOD)]
        )
        result = crawl_here(
            reactor,
            starts,
            settings={
                "NEWSCRAWL_ALLOWED_PRIVATE_HOSTS": [server.hostport(n) for n in names],
                "CONCURRENT_REQUESTS_PER_DOMAIN": PER_DOMAIN,
                "DOWNLOAD_DELAY": DELAY,
                "DOWNLOAD_DELAY_JITTER": 0,
                "RETRY_TIMES": 1,
                "NEWSCRAWL_HOST_ERROR_THRESHOLD": 3,
                "NEWSCRAWL_HOST_ERROR_PAUSE": ERROR_PAUSE,
                "NEWSCRAWL_HOST_ERROR_PAUSE_MAX": ERROR_PAUSE,
            },
            timeout=300,
        )
        log: dict[str, list[dict]] = {}
        for record in sorted(server.log(), key=lambda r: r["start"]):
            if record["path"] != "/robots.txt":
                log.setdefault(record["listener"], []).append(record)

    # Concurrency per host: the cap is reached and never exceeded.
    overlap = _max_overlap(log["concurrent"])
    print("max concurrent requests on one host:", overlap)
    assert overlap == PER_DOMAIN

    # Delay: consecutive request starts on one host are DOWNLOAD_DELAY apart.
    starts_at = [r["start"] for r in log["spaced"]]
    gaps = [b - a for a, b in itertools.pairwise(starts_at)]
    print("spaced gaps:", [round(g, 2) for g in gaps])
    assert len(starts_at) == 4 and min(gaps) >= DELAY - 0.05

    # Retry-After: after each 429/503, the host is left alone for that long.
    limited_log = log["limited"]
    waits = []
    for i, record in enumerate(limited_log):
        if record["status"] in (429, 503):
            retry_after = 1.0 if record["status"] == 429 else 2.0
            later = [r["start"] for r in limited_log[i + 1 :]]
            assert later, "the refused URL was retried"
            waits.append(round(min(later) - record["end"], 2))
            assert min(later) - record["end"] >= retry_after - 0.05, (record, later)
    print("waits after Retry-After:", waits)
    assert len(waits) == 2  # one 429, one 503
    assert result.stat("newscrawl/politeness/retry_after") == 2
    assert {i["url"] for i in result.items} >= {server.url(p, "limited") for p in limited}

    # Error streak: after the 3rd consecutive 500 the bad host is paused; good goes on.
    bad = log["bad"]
    assert len(bad) == 4  # 2 URLs x (1 + RETRY_TIMES): the 4th waits for the pause
    third_error_end = bad[2]["end"]
    window = (third_error_end + 0.5, third_error_end + ERROR_PAUSE - 0.2)
    in_window = [r for r in bad if window[0] <= r["start"] <= window[1]]
    good_in_window = [r for r in log["good"] if window[0] <= r["start"] <= window[1]]
    print(f"in the pause window: bad {len(in_window)}, good {len(good_in_window)}")
    assert in_window == []
    assert bad[3]["start"] - third_error_end >= ERROR_PAUSE - 0.05
    assert len(good_in_window) >= 2
    assert result.stat("newscrawl/politeness/host_paused/errors") >= 1
    assert len([i for i in result.items if "127.0.0.5" in i["url"]]) == GOOD
    assert "Traceback" not in result.log
