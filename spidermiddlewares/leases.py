"""Tell the leasing scheduler what a leased response's callback produced (Scrapy glue).

The spider middleware nearest the engine sees the final output of every leased response's
callback (or errback, for a response refused by a spider middleware): each item and request
as it is handed on, and the end of the output, async callbacks (pages parsed in extraction
worker processes) included. A lease is acknowledged once its request is done and what it
produced is safe (:mod:`newscrawl.distributed.acks`); failures without a response are
reported by :class:`newscrawl.middlewares.leases.LeaseFinishMiddleware`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from newscrawl.engine.leasing_scheduler import (
    lease_of,
    lease_output,
    lease_output_closed,
    lease_output_opened,
)
from scrapy.crawler import Crawler
from scrapy.http import Response


class LeaseOutputMiddleware:
    """Spider middleware nearest the engine (order 0): report a leased callback's output."""

    def __init__(self, crawler: Crawler) -> None:
        self.signals = crawler.signals

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeaseOutputMiddleware:
        return cls(crawler)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        lease = lease_of(response)
        if lease is None:
            yield from result
            return
        send = self.signals.send_catch_log
        send(lease_output_opened, lease=lease)
        try:
            for output in result:
                send(lease_output, lease=lease, output=output)
                yield output
        finally:  # read to the end, or the callback raised: either way nothing more comes
            send(lease_output_closed, lease=lease)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        lease = lease_of(response)
        if lease is None:
            async for output in result:
                yield output
            return
        send = self.signals.send_catch_log
        send(lease_output_opened, lease=lease)
        try:
            async for output in result:
                send(lease_output, lease=lease, output=output)
                yield output
        finally:
            send(lease_output_closed, lease=lease)
