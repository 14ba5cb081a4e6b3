"""JavaScript rendering for the discovery spiders: which requests go to chromium (Scrapy glue).

Pages of a ``needs_js`` source are rendered from the start; a page that arrives as an empty
app shell (:func:`newscrawl.discover.pages.is_app_shell`) is rendered once, answered from the
body already fetched and checked (:func:`newscrawl.middlewares.browser_prefetch.browser_request`:
no second download). Rendering needs ``NEWSCRAWL_RENDER_JS`` (default on) and the chromium of
``PLAYWRIGHT_LAUNCH_OPTIONS["executable_path"]``; without them an app shell is counted under
``newscrawl/discover/render/unavailable``. Stats: ``newscrawl/discover/render/requests``,
``newscrawl/discover/page/app_shell``.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from newscrawl.middlewares.browser_prefetch import browser_request
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import TextResponse

logger = logging.getLogger(__name__)


def chromium_available(crawler: Crawler) -> bool:
    """Rendering is on and the configured chromium exists."""
    settings = crawler.settings
    chromium = (settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS") or {}).get("executable_path")
    return settings.getbool("NEWSCRAWL_RENDER_JS", True) and bool(
        chromium and (Path(chromium).exists() or shutil.which(chromium))
    )


class Rendering:
    """Browser meta for the requests to render, and the render request of an app shell."""

    def __init__(self, crawler: Crawler, available: bool) -> None:
        self.crawler = crawler
        self.available = available

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Rendering:
        return cls(crawler, chromium_available(crawler))

    def _inc(self, key: str) -> None:
        self.crawler.stats.inc_value(f"newscrawl/discover/{key}")

    def meta(self) -> dict[str, Any]:
        """Request meta that has a page rendered in chromium (counted)."""
        self._inc("render/requests")
        return {
            "playwright": True,
            "nc_rendered": True,
            "playwright_page_goto_kwargs": {"wait_until": "networkidle"},
        }

    def app_shell(
        self, response: TextResponse, request: Callable[[dict[str, Any]], Request]
    ) -> Iterator[Request]:
        """An app shell: render it from this body, or count that it cannot be.

        ``request(meta)`` builds the page request with that meta (same callbacks, priority).
        """
        self._inc("page/app_shell")
        if not self.available:
            logger.warning("app shell but JavaScript rendering is off: %s", response.url)
            self._inc("render/unavailable")
            return
        meta = {
            "nc_role": response.meta.get("nc_role", "page"),
            "nc_depth": response.meta.get("nc_depth", 0),
            "dont_cache": True,
            **self.meta(),
        }
        # the browser is answered from this already-checked body: no second fetch
        yield browser_request(request(meta), response)
