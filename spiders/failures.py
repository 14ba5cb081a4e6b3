"""Failed requests of the discovery spiders: counted, logged once, and a run failed when every
start URL failed (Scrapy glue).

Stats: ``newscrawl/discover/start/failed``, ``newscrawl/discover/page/failed``, and
``newscrawl/run/failed`` (:data:`newscrawl.run.outcome.FAILED_KEY`) when no start URL could be
fetched, which makes ``scrapy crawl`` exit non-zero.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from newscrawl.middlewares.unreachable import HostUnreachable
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from newscrawl.run.outcome import FAILED_KEY

logger = logging.getLogger(__name__)


class FailureAccounting:
    """Counts and logs the failures of one crawl."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler  # its stats exist once the crawl starts, after the spider
        self.start_failures = 0

    def start_failed(self, failure: Failure, starts: int | None) -> None:
        """A start URL (``starts`` of them; None: seeds keep coming, no verdict) failed."""
        self.start_failures += 1
        stats = self.crawler.stats
        stats.inc_value("newscrawl/discover/start/failed")
        what = "start URL" if starts is not None else "seed"
        url = failed_request(failure).url
        logger.error("%s failed: %s: %s", what, url, describe_failure(failure))
        if starts is not None and self.start_failures == starts:
            stats.set_value(FAILED_KEY, "every start URL failed")

    def page_failed(self, failure: Failure) -> None:
        self.crawler.stats.inc_value("newscrawl/discover/page/failed")
        url = failed_request(failure).url
        if failure.check(HostUnreachable):  # its host was given up, in one WARNING
            logger.debug("page dropped: %s: %s", url, failure.getErrorMessage())
        else:
            logger.warning("page failed: %s: %s", url, describe_failure(failure))


def failed_request(failure: Failure) -> Request:
    """The request an errback's failure is about (Scrapy sets it on the failure)."""
    request: Request = failure.request  # type: ignore[attr-defined]
    return request


def describe_failure(failure: Failure) -> str:
    """What went wrong with a request, for the log: the HTTP status of a non-2xx answer
    (Scrapy's own message, "Ignoring non-200 response", does not say which)."""
    if isinstance(failure.value, HttpError):
        status = failure.value.response.status
        try:
            return f"HTTP {status} {HTTPStatus(status).phrase}"
        except ValueError:
            return f"HTTP {status}"
    return failure.getErrorMessage()
