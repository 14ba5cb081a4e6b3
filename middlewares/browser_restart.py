"""scrapy-playwright's download handler, made to survive a browser that dies mid-crawl.

scrapy-playwright (0.0.48) relaunches chromium after a disconnect and retries the requests
whose page died (``TargetClosedError``). But a request that was *waiting for a free page*
in a context when it closed waits on that context's semaphore, which nothing releases any
more: the crawl never finishes (seen in 3 of 7 crawls where chromium was killed twice in 40
pages). Here a closed context's semaphore is released for every waiter, so their
``new_page()`` fails with ``TargetClosedError`` and is retried in a new context.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler


class RestartingPlaywrightDownloadHandler(ScrapyPlaywrightDownloadHandler):
    def _make_close_browser_context_callback(
        self, name: str, *args: Any, **kwargs: Any
    ) -> Callable[[], None]:
        close = super()._make_close_browser_context_callback(name, *args, **kwargs)

        def closed() -> None:
            wrapper = self.context_wrappers.get(name)
            close()
            if wrapper is None:
                return
            semaphore = wrapper.semaphore
            waiters = len(getattr(semaphore, "_waiters", None) or ())
            # plus those that picked this context but have not reached acquire() yet
            for _ in range(waiters + self.config.max_pages_per_context):
                semaphore.release()
            if waiters:
                self.stats.inc_value("newscrawl/browser/page_waiters_released", waiters)

        return closed
