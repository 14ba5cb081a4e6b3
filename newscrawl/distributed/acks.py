"""When a leased request is done: what it produced must be safe before its lease goes.

A worker deletes (acknowledges) a lease only once a SIGKILL of the worker could no longer
lose anything the request produced:

- its callback's (or errback's) output has been read to the end;
- every request it yielded has been pushed to the shared queue (or refused by the
  duplicate filter as already seen);
- every item it yielded is durable — committed, rejected for good, or fsync'ed to the
  spool (``newscrawl.run.signals.items_durable``) — or was dropped or failed in a pipeline.

Until then the lease stays in Redis and a dead worker's request is fetched again by a
survivor. :class:`LeaseWork` keeps the counts per lease; a :class:`LeaseMark` travels in
an article's ``hints`` (normalization copies them; they are never stored or spooled) so
that the store's report of durable items names each item's lease.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

#: Key of the :class:`LeaseMark` in an item's ``hints``.
LEASE_HINT = "newscrawl_lease"


@dataclass(slots=True, eq=False)
class LeaseMark:
    """The lease an item belongs to; ``settled`` once its fate has been counted.

    One object shared by the item and any copy a pipeline makes of it (hints are copied
    shallowly), so an item is counted once, whichever copy is reported.
    """

    lease: str
    settled: bool = False


def mark_item(item: Any, lease: str) -> bool:
    """Tag an item that has ``hints`` (an Article) with its lease; False if it has none.

    >>> from newscrawl.article import Article
    >>> article = Article(url="https://example.com/a")
    >>> mark_item(article, "l1"), mark_item({"url": "x"}, "l1")
    (True, False)
    >>> take_mark(article), take_mark(article)
    ('l1', None)
    """
    hints = getattr(item, "hints", None)
    if not isinstance(hints, dict):
        return False
    hints[LEASE_HINT] = LeaseMark(lease)
    return True


def is_marked(item: Any) -> bool:
    hints = getattr(item, "hints", None)
    return isinstance(hints, dict) and isinstance(hints.get(LEASE_HINT), LeaseMark)


def take_mark(item: Any) -> str | None:
    """The lease of a marked item not counted yet (then counted); else None."""
    hints = getattr(item, "hints", None)
    found = hints.get(LEASE_HINT) if isinstance(hints, dict) else None
    if not isinstance(found, LeaseMark) or found.settled:
        return None
    found.settled = True
    return found.lease


class LeaseWork:
    """Per lease: callback outputs being read, and outputs handed on but not yet safe.

    >>> work = LeaseWork()
    >>> work.opened("l1"); work.handed("l1"); work.busy("l1")
    True
    >>> work.closed("l1")  # output read to the end, one item not durable yet
    False
    >>> work.settled("l1")  # the item is durable: nothing holds the lease any more
    True
    >>> work.busy("l1"), work.settled("l1"), work.closed("unknown")
    (False, False, False)
    """

    def __init__(self) -> None:
        self._reading: Counter[str] = Counter()
        self._pending: Counter[str] = Counter()

    def opened(self, lease: str) -> None:
        """A callback's output for this lease is being read."""
        self._reading[lease] += 1

    def handed(self, lease: str) -> None:
        """An item or request of this lease was handed on and is not safe yet."""
        self._pending[lease] += 1

    def closed(self, lease: str) -> bool:
        """The output was read to the end; True if nothing holds the lease any more."""
        return self._drop(self._reading, lease)

    def settled(self, lease: str) -> bool:
        """One handed-on output is safe; True if nothing holds the lease any more."""
        return self._drop(self._pending, lease)

    def _drop(self, counter: Counter[str], lease: str) -> bool:
        if counter[lease] <= 0:
            del counter[lease]
            return False
        counter[lease] -= 1
        if counter[lease] == 0:
            del counter[lease]
        return not self.busy(lease)

    def reading(self, lease: str) -> bool:
        return lease in self._reading

    def busy(self, lease: str) -> bool:
        return lease in self._reading or lease in self._pending

    def waiting(self, lease: str) -> int:
        """Outputs of this lease handed on and not yet safe."""
        return self._pending.get(lease, 0)

    def forget(self, lease: str) -> None:
        """The lease went back on the queue: whatever it still waited for is moot."""
        self._reading.pop(lease, None)
        self._pending.pop(lease, None)
