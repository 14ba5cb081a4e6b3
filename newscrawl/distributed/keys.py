"""Redis key names and tunables of a distributed crawl, read once from Scrapy settings.

All keys of one crawl share one prefix (``NEWSCRAWL_REDIS_PREFIX``), wrapped in a
Redis Cluster hash tag (``{prefix}``) so that the Lua scripts touching several keys
stay valid when the data moves to a cluster. Tests use a unique prefix each and delete
``{prefix}:*`` afterwards; ``newscrawl seed --reset`` does the same for operators.
"""

from __future__ import annotations

import os
import re
import socket
import uuid
from dataclasses import dataclass

from scrapy.settings import BaseSettings

DEFAULT_PREFIX = "newscrawl"
_PREFIX_RE = re.compile(r"^[A-Za-z0-9_.:-]+$")


def as_text(reply: bytes | str) -> str:
    """A Redis reply as text: our clients return bytes (a decode_responses client, str)."""
    return reply.decode() if isinstance(reply, bytes) else reply


def as_bytes(reply: bytes | str) -> bytes:
    """A Redis reply as bytes, whichever way the client was built."""
    return reply if isinstance(reply, bytes) else reply.encode()


def check_prefix(prefix: str) -> str:
    """Refuse prefixes that would break key formatting or hash tags.

    >>> check_prefix("newscrawl-test")
    'newscrawl-test'
    >>> check_prefix("a%b")
    Traceback (most recent call last):
    ...
    ValueError: invalid Redis key prefix 'a%b': use letters, digits, '_', '.', ':' or '-'
    """
    if not _PREFIX_RE.match(prefix):
        raise ValueError(
            f"invalid Redis key prefix {prefix!r}: use letters, digits, '_', '.', ':' or '-'"
        )
    return prefix


@dataclass(frozen=True, slots=True)
class RedisKeys:
    """The keys one crawl uses.

    >>> keys = RedisKeys("t1")
    >>> keys.queue, keys.dupefilter, keys.start_urls
    ('{t1}:requests', '{t1}:dupefilter', '{t1}:start_urls')
    >>> keys.leases("w1"), keys.heartbeat("w1"), keys.workers, keys.idle
    ('{t1}:leases:w1', '{t1}:worker:w1', '{t1}:workers', '{t1}:idle')
    """

    prefix: str = DEFAULT_PREFIX

    @property
    def tag(self) -> str:
        return "{" + check_prefix(self.prefix) + "}"

    @property
    def queue(self) -> str:
        """The scrapy-redis request queue (sorted set of serialized requests)."""
        return f"{self.tag}:requests"

    @property
    def dupefilter(self) -> str:
        """The scrapy-redis duplicate filter (set of request fingerprints)."""
        return f"{self.tag}:dupefilter"

    @property
    def start_urls(self) -> str:
        """The list ``newscrawl seed`` pushes to and workers read seeds from."""
        return f"{self.tag}:start_urls"

    @property
    def workers(self) -> str:
        """Set of registered worker ids (live or dead-but-not-yet-reaped)."""
        return f"{self.tag}:workers"

    @property
    def idle(self) -> str:
        """Set of worker ids whose engine is idle: their leases only wait for storage."""
        return f"{self.tag}:idle"

    def leases(self, worker: str) -> str:
        """Hash of the requests a worker has popped and not yet finished."""
        return f"{self.tag}:leases:{worker}"

    def heartbeat(self, worker: str) -> str:
        """A key with a TTL that a live worker keeps refreshing."""
        return f"{self.tag}:worker:{worker}"

    @property
    def pattern(self) -> str:
        """Glob matching every key of this crawl (for cleanup)."""
        return f"{self.tag}:*"


@dataclass(frozen=True, slots=True)
class DistributedConfig:
    """Settings of the distributed scheduler, read once in ``from_crawler``."""

    keys: RedisKeys
    worker_id: str
    worker_ttl: float
    max_idle: float

    @property
    def tick(self) -> float:
        """How often heartbeats, acknowledgements (in batches) and reaping run."""
        return max(0.2, min(1.0, self.worker_ttl / 3))

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> DistributedConfig:
        return cls(
            keys=RedisKeys(settings.get("NEWSCRAWL_REDIS_PREFIX") or DEFAULT_PREFIX),
            worker_id=settings.get("NEWSCRAWL_WORKER_ID") or new_worker_id(),
            worker_ttl=settings.getfloat("NEWSCRAWL_WORKER_TTL", 30.0),
            max_idle=settings.getfloat("MAX_IDLE_TIME_BEFORE_CLOSE", 0.0),
        )


def new_worker_id() -> str:
    """Host, pid and a random suffix: unique across machines and restarts."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
