"""scrapy-playwright's download handler, made to survive a browser that dies mid-crawl.

scrapy-playwright (0.0.48) relaunches chromium after a disconnect and retries the requests
whose page died (``TargetClosedError``). But a request that was *waiting for a free page*
in a context when it closed waits on that context's semaphore, which nothing releases any
more: the crawl never finishes (seen in 3 of 7 crawls where chromium was killed twice in 40
pages). Here a closed context's semaphore is released for every waiter, so their
``new_page()`` fails with ``TargetClosedError`` and is retried in a new context.

The same holds one level up: a context of a browser that died may never report "close",
so its slot in the context semaphore (``PLAYWRIGHT_MAX_CONTEXTS``) is never given back;
after as many crashes as there are slots, the next request waits for a context forever,
holding the launch lock, and the whole crawl stalls (seen in CI after two kills). On
disconnect, the context semaphore is therefore replaced by a fresh one and the old one's
waiters are woken, as are those of every page semaphore of the dead browser.

Playwright itself (a Node.js driver process per handler, and scrapy-playwright makes one
handler for http and one for https: ~95 MB of PSS and start-up CPU each) is started on the
first request that needs the browser, not when the engine starts, so a crawl that renders
nothing never starts it (unless ``PLAYWRIGHT_CONTEXTS`` asks for startup contexts).

Even so, one double crash in a few dozen CI runs still left a request waiting. As a last
line, no browser request may take longer than ``NEWSCRAWL_BROWSER_REQUEST_DEADLINE`` seconds
(default: twice the navigation timeout): it is cancelled — which also frees any lock or slot
it was waiting on — and fails with a timeout that Scrapy's RetryMiddleware retries.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler
from twisted.internet.error import TimeoutError as DownloadTimeoutError


def _wake_all(semaphore: asyncio.Semaphore, extra: int) -> int:
    """Release ``semaphore`` for each of its waiters plus ``extra``; the number of waiters."""
    waiters = len(getattr(semaphore, "_waiters", None) or ())
    for _ in range(waiters + extra):
        semaphore.release()
    return waiters


class RestartingPlaywrightDownloadHandler(ScrapyPlaywrightDownloadHandler):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        navigation_s = crawler.settings.getfloat("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT", 30_000)
        self.request_deadline = crawler.settings.getfloat(
            "NEWSCRAWL_BROWSER_REQUEST_DEADLINE", 2 * navigation_s / 1000
        )
        self.playwright_lock = asyncio.Lock()
        self.launched = False  # set once Playwright has started, not when it begins to

    def _engine_started(self) -> Any:  # Scrapy < 2.14 signal handler
        if not self.config.startup_context_kwargs:
            return None
        self.launched = True  # the returned Deferred is awaited before the first request
        return super()._engine_started()

    async def _maybe_launch_in_thread(self) -> None:
        if self.config.startup_context_kwargs:  # they must exist before the first request
            await super()._maybe_launch_in_thread()
            self.launched = True

    async def _launch_once(self) -> None:
        async with self.playwright_lock:
            if not self.launched:
                await self._launch()
                self.launched = True

    async def _download_request(self, request: Request, spider: Any = None) -> Response:
        try:
            download = self._launched_download(request, spider)
            return await asyncio.wait_for(download, self.request_deadline)
        except TimeoutError:
            self.stats.inc_value("newscrawl/browser/request_deadline")
            raise DownloadTimeoutError(
                f"browser request over {self.request_deadline:.0f} s: {request.url}"
            ) from None

    async def _launched_download(self, request: Request, spider: Any) -> Response:
        if not self.launched:
            await self._launch_once()
        return await super()._download_request(request, spider)

    async def _browser_disconnected_callback(self) -> None:
        wrappers = list(self.context_wrappers.values())
        await super()._browser_disconnected_callback()
        old_contexts = getattr(self, "context_semaphore", None)
        if old_contexts is not None:
            self.context_semaphore = asyncio.Semaphore(value=self.config.max_contexts)
        woken = sum(_wake_all(w.semaphore, self.config.max_pages_per_context) for w in wrappers)
        if old_contexts is not None:
            woken += _wake_all(old_contexts, self.config.max_contexts)
        self.stats.inc_value("newscrawl/browser/disconnected")
        if woken:
            self.stats.inc_value("newscrawl/browser/page_waiters_released", woken)

    def _make_close_browser_context_callback(
        self, name: str, *args: Any, **kwargs: Any
    ) -> Callable[[], None]:
        close = super()._make_close_browser_context_callback(name, *args, **kwargs)

        def closed() -> None:
            wrapper = self.context_wrappers.get(name)
            close()
            if wrapper is None:
                return
            # plus those that picked this context but have not reached acquire() yet
            waiters = _wake_all(wrapper.semaphore, self.config.max_pages_per_context)
            if waiters:
                self.stats.inc_value("newscrawl/browser/page_waiters_released", waiters)

        return closed
