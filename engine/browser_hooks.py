"""What a browser fetches while it renders a page for the crawl.

Rendering only needs the document, its scripts, styles and data requests: images, fonts and
media are aborted (memory and bandwidth), and every other request still goes through the SSRF
policy (:func:`newscrawl.fetch.netguard.playwright_abort_request`).

scrapy-playwright's downloads bypass ``DOWNLOAD_MAXSIZE``, and chromium holds a script or
stylesheet whole (a 300 MB script took the browser from about 500 MB to 1.4 GB PSS). So
:func:`limit_subresources` pauses each script, stylesheet, XHR/fetch and "other" response
at its headers (CDP ``Fetch`` at the response stage, alongside Playwright's own routing at
the request stage): a ``Content-Length`` above the limit fails the request at once; a body
of unknown length is read by us up to the limit and handed to chromium, or failed once it
exceeds it. Each refused response is reported to ``on_exceed``. Not covered: gzip/br-encoded
bodies are checked by their compressed size only (CDP gives their body only after chromium
inflated all of it, so a gzip bomb loaded by a script still costs the browser its size).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from newscrawl.fetch import netguard

logger = logging.getLogger(__name__)

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


# --- subresource size ---------------------------------------------------------------------
# The page init callback has no crawler: BrowserPrefetchMiddleware installs the crawl's limit.
ExceedCallback = Callable[[str, str], None]
#: CDP resource types whose responses are size-checked (images, fonts, media are aborted;
#: documents are fetched and checked by Scrapy).
SIZE_CHECKED_TYPES = ("Script", "Stylesheet", "XHR", "Fetch", "Other")
_READ_CHUNK = 1 << 20
SETUP_TIMEOUT = 10.0  # seconds
_REFUSED = "BlockedByClient"
_DROP_ON_FULFIL = {"content-length", "content-encoding", "transfer-encoding"}


@dataclass
class SubresourceLimit:
    maxsize: int = 16 * 1024 * 1024  # bytes per response, decoded; 0: no limit
    on_exceed: ExceedCallback | None = None


_limit = SubresourceLimit()


def install_subresource_limit(maxsize: int, on_exceed: ExceedCallback | None = None) -> None:
    """Use this crawl's limit; ``on_exceed(url, reason)`` is called for each refusal."""
    _limit.maxsize, _limit.on_exceed = maxsize, on_exceed


def _refuse(url: str, reason: str) -> None:
    logger.warning("browser: refused %s: %s (limit %d bytes)", url, reason, _limit.maxsize)
    if _limit.on_exceed is not None:
        _limit.on_exceed(url, reason)


async def _read_capped(cdp: Any, request_id: str, maxsize: int) -> bytes | None:
    """The decoded body, or None once it is longer than ``maxsize``."""
    taken = await cdp.send("Fetch.takeResponseBodyAsStream", {"requestId": request_id})
    stream = taken["stream"]
    chunks: list[bytes] = []
    total = 0
    try:
        while True:
            part = await cdp.send("IO.read", {"handle": stream, "size": _READ_CHUNK})
            data = part.get("data", "")
            chunk = base64.b64decode(data) if part.get("base64Encoded") else data.encode()
            total += len(chunk)
            if total > maxsize:
                return None
            chunks.append(chunk)
            if part.get("eof"):
                return b"".join(chunks)
    finally:
        await cdp.send("IO.close", {"handle": stream})


async def _check_response(cdp: Any, event: dict[str, Any], maxsize: int) -> None:
    request_id, url = event["requestId"], event.get("request", {}).get("url", "")
    headers = event.get("responseHeaders") or []
    named = {h["name"].lower(): h["value"] for h in headers}
    declared = named.get("content-length", "")
    size = int(declared) if declared.isdigit() else None
    if size is not None and size > maxsize:
        _refuse(url, f"Content-Length {size}")
        await cdp.send("Fetch.failRequest", {"requestId": request_id, "errorReason": _REFUSED})
        return
    if event.get("responseErrorReason") or size is not None or "content-encoding" in named:
        # Encoded bodies: CDP hands them over only once chromium has inflated all of them,
        # so reading them would not bound anything; only their compressed size is checked.
        await cdp.send("Fetch.continueRequest", {"requestId": request_id})
        return
    body = await _read_capped(cdp, request_id, maxsize)  # no Content-Length: read, capped
    if body is None:
        _refuse(url, f"body over {maxsize} bytes")
        await cdp.send("Fetch.failRequest", {"requestId": request_id, "errorReason": _REFUSED})
        return
    kept = [h for h in headers if h["name"].lower() not in _DROP_ON_FULFIL]
    await cdp.send(
        "Fetch.fulfillRequest",
        {
            "requestId": request_id,
            "responseCode": event.get("responseStatusCode", 200),
            "responseHeaders": kept,
            "body": base64.b64encode(body).decode("ascii"),
        },
    )


async def limit_subresources(page: Any) -> None:
    """Refuse ``page``'s subresource responses larger than the installed limit."""
    if _limit.maxsize <= 0:
        return
    try:  # a browser that died meanwhile can leave CDP calls unanswered
        await asyncio.wait_for(_install(page, _limit.maxsize), SETUP_TIMEOUT)
    except Exception as exc:
        logger.warning("browser: no subresource size limit for %s: %r", page.url, exc)


async def _install(page: Any, maxsize: int) -> None:
    cdp = await page.context.new_cdp_session(page)

    async def paused(event: dict[str, Any]) -> None:
        try:
            await _check_response(cdp, event, maxsize)
        except Exception as exc:  # mostly: the page closed meanwhile
            logger.debug("browser: size check of %s failed: %r", event.get("requestId"), exc)
            with contextlib.suppress(Exception):  # never leave a request paused
                await cdp.send("Fetch.failRequest", {"requestId": event["requestId"],
                                                     "errorReason": "Failed"})  # fmt: skip

    cdp.on("Fetch.requestPaused", paused)
    patterns = [{"urlPattern": "*", "requestStage": "Response", "resourceType": t}
                for t in SIZE_CHECKED_TYPES]  # fmt: skip
    await cdp.send("Fetch.enable", {"patterns": patterns})
