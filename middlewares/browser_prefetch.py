"""Fetch a page with Scrapy before the browser renders it, and hand the browser that body.

scrapy-playwright lets chromium download the main document itself: no
``DOWNLOAD_MAXSIZE``, no gzip-bomb cap, no binary check, no charset fix, and a browser
that happily holds gigabytes. With this middleware a ``meta={"playwright": True}``
request is first downloaded as a plain Scrapy request, through every other
middleware (SSRF guard, robots.txt, size limits, hostile-response drops, encoding);
only a response that passed is rescheduled for the browser, whose navigation is then
answered from that body (``route.fulfill``) instead of the network. A hostile main
document therefore never reaches chromium, and is counted like any other drop.

Subresources (scripts, XHR, CSS) are still fetched by the browser: they go through
``PLAYWRIGHT_ABORT_REQUEST`` (the SSRF policy), and each response larger than
``NEWSCRAWL_BROWSER_SUBRESOURCE_MAXSIZE`` (default ``DOWNLOAD_MAXSIZE``) is refused
(:func:`newscrawl.engine.browser_hooks.limit_subresources`) and counted under
``newscrawl/browser/subresource_too_big``. With this middleware off there is no such limit.

Turn it off with ``NEWSCRAWL_BROWSER_PREFETCH = False``. A spider that already holds a
checked response can build the browser request itself with :func:`browser_request`.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from newscrawl.engine import browser_hooks
from playwright._impl._errors import TargetClosedError  # what scrapy-playwright retries
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse
from scrapy.utils.misc import load_object

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

#: meta flag of the plain download made for a browser request
PREFETCH = "newscrawl_browser_prefetch"
#: meta key of a browser request carrying its checked main document
PREFETCHED = "newscrawl_prefetched"
_INIT = "playwright_page_init_callback"
_SPIDER_INIT = "newscrawl_spider_page_init_callback"
ROUTE_TIMEOUT = 10.0  # seconds
_DROP_HEADERS = {"content-encoding", "content-length", "transfer-encoding", "content-type"}


def browser_request(request: Request, response: Response) -> Request:
    """The browser request for ``request``, answered from ``response``'s checked body."""
    meta = {k: v for k, v in request.meta.items() if k != PREFETCH}
    headers = {
        k.decode("latin-1"): b", ".join(v).decode("latin-1")
        for k, v in response.headers.items()
        if k.decode("latin-1").lower() not in _DROP_HEADERS
    }
    if isinstance(response, HtmlResponse):
        body = response.text.encode("utf-8")  # as decoded by EncodingMiddleware
        headers["Content-Type"] = "text/html; charset=utf-8"
    else:
        body = response.body
        ctype = response.headers.get(b"Content-Type")
        if ctype:
            headers["Content-Type"] = ctype.decode("latin-1")
    if meta.get(_INIT) and meta[_INIT] != __name__ + ".serve_prefetched":
        meta[_SPIDER_INIT] = meta[_INIT]
    meta.update(
        {
            "playwright": True,
            PREFETCHED: {"status": response.status, "headers": headers, "body": body},
            _INIT: __name__ + ".serve_prefetched",
        }
    )
    return request.replace(url=response.url, meta=meta, dont_filter=True)


async def serve_prefetched(page: Any, request: Request) -> None:
    """``playwright_page_init_callback``: answer the page's first main-frame navigation
    from the prefetched body; everything else falls back to scrapy-playwright's route
    (and so to ``PLAYWRIGHT_ABORT_REQUEST``)."""
    prefetched = request.meta.get(PREFETCHED)
    served = False

    async def handler(route: Any, pw_request: Any) -> None:
        nonlocal served
        if (
            not served
            and prefetched
            and pw_request.is_navigation_request()
            and pw_request.frame == page.main_frame
        ):
            served = True
            await route.fulfill(
                status=prefetched["status"],
                headers=prefetched["headers"],
                body=prefetched["body"],
            )
            return
        await route.fallback()

    try:  # a call to a browser that just died can stay unanswered: retry in a new one
        await asyncio.wait_for(page.route("**", handler), ROUTE_TIMEOUT)
    except TimeoutError:
        raise TargetClosedError(f"no answer from the browser in {ROUTE_TIMEOUT} s") from None
    await browser_hooks.limit_subresources(page)
    spider_callback = request.meta.get(_SPIDER_INIT)
    if spider_callback:
        await load_object(spider_callback)(page, request)


class BrowserPrefetchMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getbool("NEWSCRAWL_BROWSER_PREFETCH", True):
            raise NotConfigured
        self.stats = crawler.stats
        settings = crawler.settings
        maxsize = settings.getint(
            "NEWSCRAWL_BROWSER_SUBRESOURCE_MAXSIZE", settings.getint("DOWNLOAD_MAXSIZE")
        )
        browser_hooks.install_subresource_limit(maxsize, self._subresource_too_big)

    def _subresource_too_big(self, url: str, reason: str) -> None:
        self.stats.inc_value("newscrawl/browser/subresource_too_big")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrowserPrefetchMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> Request | None:
        meta = request.meta
        if not meta.get("playwright") or PREFETCHED in meta or PREFETCH in meta:
            return None
        if request.method != "GET" or meta.get("playwright_page") is not None:
            return None  # forms and reused pages stay the browser's business
        self.stats.inc_value("newscrawl/browser/prefetch")
        return request.replace(meta={**meta, "playwright": False, PREFETCH: True}, dont_filter=True)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if not request.meta.get(PREFETCH) or not 200 <= response.status < 300:
            return response  # not ours, or an error page: the spider sees it as is
        return browser_request(request, response)
