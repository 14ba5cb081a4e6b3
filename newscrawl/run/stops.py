"""Which signal stopped a Scrapy crawler process, for an honest exit code.

Scrapy handles SIGINT and SIGTERM itself (the first asks for a graceful stop, the second
stops the event loop at once) and then returns as if the crawl had ended. :class:`StopSignals`
wraps the handlers of one process object so that the caller knows afterwards that a signal
came, which one, and whether the stop was forced. Scrapy's handler names are not public: on a
Scrapy without them nothing is recorded, and a stopped run still fails on its finish reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: Scrapy's handlers: (name on the process object, whether it is the forced stop).
_HANDLERS = (
    ("_signal_shutdown", False),
    ("_signal_shutdown_reactorless", False),
    ("_signal_kill", True),
    ("_signal_kill_reactorless", True),
)


class StopSignals:
    """The first stop signal a process received (``received``) and whether a second one
    forced the stop (``forced``)."""

    def __init__(self) -> None:
        self.received: int | None = None
        self.forced = False

    @classmethod
    def watch(cls, process: Any) -> StopSignals:
        """Record the stop signals ``process`` (a Scrapy ``CrawlerProcess``) receives.

        Call before ``process.start()``, which installs the handlers.
        """
        stops = cls()
        for name, forced in _HANDLERS:
            original = getattr(process, name, None)
            if callable(original):
                setattr(process, name, stops._recording(original, forced))
        return stops

    def _recording(self, original: Callable[..., Any], forced: bool) -> Callable[..., Any]:
        def handler(signum: int, frame: Any) -> Any:
            self.received = self.received or signum
            self.forced = self.forced or forced
            return original(signum, frame)

        return handler
