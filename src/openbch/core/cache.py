"""Django's cache as the hot paths need it: a Redis backend without per-call set-up, and rate counters.

Every API request counts itself against its rate limits, so this is on the hottest path there is.
Django's ``RedisCache`` builds a new ``redis.Redis`` client object for every call (a few hundred
dictionary insertions each) and its ``incr`` costs two round trips (EXISTS, then INCRBY); with the
``add`` before it, one rate-limit check cost three round trips and three clients, more than
answering a record. :class:`RedisCache` keeps one client per connection pool (``redis.Redis`` is
thread-safe), and :func:`take` counts against a limit with one round trip per *lease* of several
requests rather than one per request (see :class:`RedisCache.take`).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient

__all__ = ["MAX_LEASE", "RedisCache", "take"]

#: the most uses one process reserves at once; a lease is also at most 1/LEASE_SHARE of what is left
MAX_LEASE = 64
LEASE_SHARE = 16


class _ReusingClient(DjangoRedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            # a race here builds two clients on one pool: harmless, one of them is kept
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


@dataclass
class _Lease:
    next: int  # the count the next use from this lease has
    last: int  # the last count this lease may hand out (never above the limit)
    seen: int  # the shared counter's total when the lease was taken
    expires: float  # monotonic time at which the shared counter (and so the lease) is gone


class RedisCache(DjangoRedisCache):
    """Django's Redis cache backend, reusing its Redis clients, with leased counters for rate limits."""

    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ReusingClient
        self._leases: dict[str, _Lease] = {}
        self._lock = threading.Lock()

    def _reserve(self, full_key: str, size: int, timeout: int) -> tuple[int, float]:
        """Add ``size`` to the shared counter (created to expire in ``timeout`` s): (new total, s to live)."""
        pipeline = self._cache.get_client(full_key, write=True).pipeline(transaction=False)
        pipeline.set(full_key, 0, ex=max(1, int(timeout)), nx=True)
        pipeline.incrby(full_key, size)
        pipeline.pttl(full_key)
        _, total, ttl_ms = pipeline.execute()
        return int(total), max(0.0, int(ttl_ms) / 1000)

    def take(self, key: str, limit: int, timeout: int) -> tuple[bool, int]:
        """Count one use of ``key`` against ``limit``: (allowed, its count in the window).

        The counter lives in Redis, shared by every server process. Rather than one round trip per
        use, a process reserves a *lease* of consecutive counts at once (INCRBY) and hands them out
        locally. A lease is at most :data:`MAX_LEASE` and at most 1/:data:`LEASE_SHARE` of what was
        left, so near the limit leases shrink to one and the limit holds exactly: no process ever
        allows a count above ``limit``. The price is that counts leased by one process and not used
        before the window ends are lost, so a client spreading its requests over several processes
        may be refused a little early, never late.
        """
        full_key = self.make_and_validate_key(key)
        now = time.monotonic()
        with self._lock:
            lease = self._leases.get(full_key)
            if lease is not None and lease.expires <= now:
                lease = None
            if lease is not None and lease.next <= lease.last:
                count = lease.next
                lease.next += 1
                return True, count
        seen = lease.seen if lease is not None else 0
        size = max(1, min(MAX_LEASE, (limit - seen) // LEASE_SHARE))
        total, ttl = self._reserve(full_key, size, timeout)
        first = total - size + 1
        with self._lock:
            if len(self._leases) > 4096:  # one per client IP and window: drop the windows that ended
                self._leases = {k: v for k, v in self._leases.items() if v.expires > now}
            # two threads may both have reserved: the later lease replaces the earlier, whose unused
            # counts are lost (refusing early, never late; near the limit leases are of one)
            self._leases[full_key] = _Lease(next=first + 1, last=min(total, limit), seen=total, expires=now + ttl)
        return first <= limit, first


def take(key: str, limit: int, timeout: int) -> tuple[bool, int]:
    """Count one use of ``key`` against ``limit`` in the default cache: (allowed, its count).

    The counter starts at the first use and expires ``timeout`` s later, however often it is used,
    so a fixed window ends on time. On Redis, see :meth:`RedisCache.take`; on the per-process
    memory cache, add-then-incr (an entry that expires in between starts again at 1).
    """
    taker = getattr(cache, "take", None)  # ``cache`` is Django's proxy to the configured backend
    if taker is not None:
        allowed, count = taker(key, limit, timeout)
        return bool(allowed), int(count)
    cache.add(key, 0, timeout=timeout)
    try:
        count = int(cache.incr(key))
    except ValueError:  # expired between add and incr: start the window again
        cache.set(key, 1, timeout=timeout)
        count = 1
    return count <= limit, count
