"""Issue 7, item 8: robots.txt — Disallow honoured, 404 allows, 5xx or a timeout keeps
the host uncrawled until robots.txt is fetched, Crawl-delay honoured up to a cap.

One crawl (in the test process) covers a host per robots.txt behaviour (each on its own
loopback address); the mockserver's request log says what each host was sent, and when.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from newscrawl.middlewares.robots import classify_status

from tests.crawlkit import crawl_here
from tests.mockserver import MockServer

LISTENERS = (
    "disallow,127.0.0.1,disallow",
    "r404,127.0.0.2,404",
    "r500,127.0.0.3,500",
    "r500x2,127.0.0.4,500x2",
    "timeout1,127.0.0.5,timeoutx1",
    "delay,127.0.0.6,delay0.8",
    "delaycap,127.0.0.7,delay30",
)
PAGES = ["/article/1", "/article/2", "/private/1"]


def test_status_classes_follow_rfc9309() -> None:
    assert classify_status(200) == "rules"
    assert classify_status(404) == "allow_all"
    assert classify_status(503) == "unreachable"
    assert classify_status(429) == "unreachable"


def _by_listener(log: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for record in sorted(log, key=lambda r: r["start"]):
        out.setdefault(record["listener"], []).append(record)
    return out


@pytest.mark.slow
def test_robots_policy_end_to_end(reactor: Any) -> None:
    with MockServer(*LISTENERS) as server:
        names = [spec.split(",")[0] for spec in LISTENERS]
        delayed = [f"/article/{n}" for n in range(3, 5)]
        starts = [server.url(p, name) for name in names for p in PAGES]
        starts += [server.url(p, name) for name in ("delay", "delaycap") for p in delayed]
        result = crawl_here(
            reactor,
            starts,
            settings={
                "NEWSCRAWL_ALLOWED_PRIVATE_HOSTS": [server.hostport(n) for n in names],
                "DOWNLOAD_TIMEOUT": 2,
                "NEWSCRAWL_ROBOTS_RETRY_DELAY": 0.5,
                "NEWSCRAWL_ROBOTS_MAX_ATTEMPTS": 3,
                "NEWSCRAWL_ROBOTS_CRAWL_DELAY_MAX": 1.2,
            },
            timeout=180,
        )
        log = _by_listener(server.log())
    fetched = {name: [r["path"] for r in log.get(name, [])] for name in names}

    # Disallow honoured: the private page is never requested, the others are.
    assert "/private/1" not in fetched["disallow"]
    assert {"/article/1", "/article/2"} <= set(fetched["disallow"])
    assert result.stat("robotstxt/forbidden") >= 3  # disallow + the two recovered hosts

    # 404: no rules, everything fetched (the private page too).
    assert set(PAGES) <= set(fetched["r404"])

    # 5xx for good: robots.txt retried, no page ever requested, requests dropped.
    assert fetched["r500"] == ["/robots.txt"] * 3
    assert result.stat("newscrawl/robots/dropped_unreachable") == len(PAGES)

    # 5xx twice then rules / a timeout then rules: no page before robots.txt succeeded.
    for name, failures in (("r500x2", 2), ("timeout1", 1)):
        records = log[name]
        robots = [r for r in records if r["path"] == "/robots.txt"]
        pages = [r for r in records if r["path"] != "/robots.txt"]
        assert len(robots) == failures + 1, name
        assert {r["path"] for r in pages} == {"/article/1", "/article/2"}, name
        assert min(r["start"] for r in pages) > robots[-1]["start"], name

    # Crawl-delay: 0.8 s honoured; 30 s capped at 1.2 s. The crawler spaces its sends
    # exactly; the server sees each request a little later, by a varying lag on a loaded
    # machine (one gap of 1.07 s for 1.2 s seen in a parallel run), so the mean gap is held
    # to the delay and each single gap only to most of it.
    # upper bound: generous for loaded CI machines, far below the uncapped 30 s
    for name, (low, high) in {"delay": (0.8, 10.0), "delaycap": (1.2, 10.0)}.items():
        starts_at = [r["start"] for r in log[name] if r["path"] != "/robots.txt"]
        gaps = [b - a for a, b in itertools.pairwise(starts_at)]
        assert len(gaps) == 3, (name, gaps)
        assert sum(gaps) / len(gaps) >= low - 0.05, (name, gaps)
        assert min(gaps) >= low - 0.3, (name, gaps)
        assert max(gaps) < high, (name, gaps)
        print(name, "gaps", [round(g, 2) for g in gaps])
    assert "Traceback" not in result.log
