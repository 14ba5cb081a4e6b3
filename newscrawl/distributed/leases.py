"""Leases: a popped request stays in Redis until its worker has finished with it.

scrapy-redis pops a request off the shared queue and forgets it: if the worker dies
with SIGKILL, every request it was downloading or processing is gone, and because the
duplicate filter has already seen those URLs, nobody will ever fetch them. Here the pop
and the lease are one atomic Lua script: the serialized request moves from the queue
into the worker's lease hash (``{prefix}:leases:<worker>``, field = SHA-1 of the
serialized request). The worker deletes the field once the request is finished *and*
what it produced is safe (see :mod:`newscrawl.distributed.acks`: child requests queued,
articles committed or spooled). Each worker also refreshes a heartbeat key with a TTL.
Any worker that finds a registered worker without a heartbeat adopts that worker's
leases (again one Lua script, so only one survivor wins) and pushes the requests back on
the queue.

A worker whose engine is idle is listed in ``{prefix}:idle`` (until its next pop): its
leases can only be waiting for the database, not produce more requests, so the others
do not wait for them before closing.

A re-pushed request may already have been fetched and stored by the dead worker; it
is then fetched again and the store's idempotent upsert keeps one row. Requests are
therefore processed at least once, never lost while a worker survives.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from redis import Redis

from newscrawl.distributed.keys import RedisKeys, as_bytes, as_text

# KEYS: queue (zset), my lease hash, idle set. ARGV: my worker id. Same order as
# scrapy-redis' PriorityQueue.pop: lowest score (= highest priority) first. A worker that
# takes a request is no longer idle.
_POP = """
local items = redis.call('ZRANGE', KEYS[1], 0, 0)
if #items == 0 then return false end
redis.call('ZREM', KEYS[1], items[1])
redis.call('HSET', KEYS[2], redis.sha1hex(items[1]), items[1])
redis.call('SREM', KEYS[3], ARGV[1])
return items[1]
"""

# KEYS: dead worker's heartbeat, its lease hash, my lease hash, worker registry, idle set.
# ARGV: dead worker id. Returns -1 if the worker is alive, else its leases (flat list).
_ADOPT = """
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
local items = redis.call('HGETALL', KEYS[2])
for i = 1, #items, 2 do redis.call('HSET', KEYS[3], items[i], items[i + 1]) end
redis.call('DEL', KEYS[2])
redis.call('SREM', KEYS[4], ARGV[1])
redis.call('SREM', KEYS[5], ARGV[1])
return items
"""


def lease_id(data: bytes) -> str:
    """The hash field of a leased request: the same SHA-1 the Lua script computes."""
    return hashlib.sha1(data).hexdigest()


class LeaseBook:
    """One worker's view of the leases, heartbeats and worker registry in Redis."""

    def __init__(self, server: Redis, keys: RedisKeys, worker_id: str, ttl: float) -> None:
        self.server = server
        self.keys = keys
        self.worker_id = worker_id
        self.ttl_ms = max(1, int(ttl * 1000))
        self.my_leases = keys.leases(worker_id)
        self._pop = server.register_script(_POP)
        self._adopt = server.register_script(_ADOPT)

    def register(self) -> None:
        """Announce this worker: registry entry plus a fresh heartbeat."""
        with self.server.pipeline() as pipe:
            pipe.sadd(self.keys.workers, self.worker_id)
            pipe.set(self.keys.heartbeat(self.worker_id), b"1", px=self.ttl_ms)
            pipe.execute()

    def heartbeat(self) -> None:
        self.server.set(self.keys.heartbeat(self.worker_id), b"1", px=self.ttl_ms)

    def unregister(self) -> None:
        """Leave the cluster cleanly: no heartbeat, no registry entry, no leases."""
        with self.server.pipeline() as pipe:
            pipe.delete(self.my_leases, self.keys.heartbeat(self.worker_id))
            pipe.srem(self.keys.workers, self.worker_id)
            pipe.srem(self.keys.idle, self.worker_id)
            pipe.execute()

    def mark_idle(self) -> None:
        """This worker's engine is idle: its leases only wait for its store (until a pop)."""
        self.server.sadd(self.keys.idle, self.worker_id)

    def pop(self) -> bytes | None:
        """Atomically move the next request from the queue into this worker's leases."""
        data = self._pop(keys=[self.keys.queue, self.my_leases, self.keys.idle],
                         args=[self.worker_id])  # fmt: skip
        return data or None

    def ack(self, ids: Iterable[str]) -> int:
        ids = list(ids)
        return int(self.server.hdel(self.my_leases, *ids)) if ids else 0

    def held(self) -> dict[str, bytes]:
        """This worker's leases: lease id -> serialized request."""
        return {as_text(k): as_bytes(v) for k, v in self.server.hgetall(self.my_leases).items()}

    def others_hold_leases(self) -> bool:
        """Whether any other registered worker, not idle, still has requests in flight.

        An idle worker's leases wait only for its store (the database may be down); it
        produces no more requests, so waiting for it could keep two idle workers waiting
        for each other. A dead one's leases are adopted once its heartbeat expires.
        """
        with self.server.pipeline(transaction=False) as pipe:
            pipe.smembers(self.keys.workers)
            pipe.smembers(self.keys.idle)
            registered, idle = pipe.execute()
        others = [w.decode() for w in registered - idle]
        others = [w for w in others if w != self.worker_id]
        return self._any_leases(others)

    def idle_others_hold_leases(self) -> bool:
        """Whether another worker marked idle still holds leases.

        Those leases usually wait for its store; but a worker killed while idle looks the
        same until its heartbeat expires, so a worker about to close waits that long.
        """
        idle = [as_text(w) for w in self.server.smembers(self.keys.idle)]
        return self._any_leases([w for w in idle if w != self.worker_id])

    def _any_leases(self, workers: list[str]) -> bool:
        if not workers:
            return False
        with self.server.pipeline(transaction=False) as pipe:
            for worker in workers:
                pipe.hlen(self.keys.leases(worker))
            return any(pipe.execute())

    def adopt_dead(self) -> list[tuple[str, bytes]]:
        """Take over the leases of every registered worker whose heartbeat expired.

        The adopted leases are in *this* worker's hash when this returns, so if this
        worker dies before re-queueing them, the next survivor adopts them in turn.
        """
        adopted: list[tuple[str, bytes]] = []
        for raw in self.server.smembers(self.keys.workers):
            worker = as_text(raw)
            if worker == self.worker_id:
                continue
            keys = [
                self.keys.heartbeat(worker),
                self.keys.leases(worker),
                self.my_leases,
                self.keys.workers,
                self.keys.idle,
            ]
            items = self._adopt(keys=keys, args=[worker])
            if items == -1:
                continue
            adopted += [(items[i].decode(), items[i + 1]) for i in range(0, len(items), 2)]
        return adopted
