"""What a browser fetches while it renders a page for the crawl.

Rendering only needs the document, its scripts, styles and data requests: images, fonts and
media are aborted (memory and bandwidth), and every other request still goes through the SSRF
policy (:func:`newscrawl.netguard.playwright_abort_request`).
"""

from __future__ import annotations

from typing import Any

from newscrawl import netguard

#: Playwright resource types a rendering never needs.
BLOCKED_RESOURCE_TYPES = frozenset({"image", "media", "font", "imageset", "texttrack"})


def is_blocked_resource(resource_type: str) -> bool:
    """Images, fonts and media are not needed to read a page.

    >>> is_blocked_resource("font"), is_blocked_resource("xhr")
    (True, False)
    """
    return resource_type in BLOCKED_RESOURCE_TYPES


async def abort_request(request: Any) -> bool:
    """``PLAYWRIGHT_ABORT_REQUEST`` predicate: True aborts the browser's request."""
    if is_blocked_resource(getattr(request, "resource_type", "")):
        return True
    return await netguard.playwright_abort_request(request)
