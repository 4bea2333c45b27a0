"""Django's cache as the hot paths need it: a Redis backend without per-call set-up, and rate counters.

Every API request counts itself against its rate limits, so this is on the hottest path there is.
Django's ``RedisCache`` builds a new ``redis.Redis`` client object for every call (a few hundred
dictionary insertions each) and its ``incr`` costs two round trips (EXISTS, then INCRBY); with the
``add`` before it, one rate-limit check cost three round trips and three clients, more than
answering a record. :class:`RedisCache` keeps one client per connection pool (``redis.Redis`` is
thread-safe), and :func:`take` counts against a limit with one round trip per *lease* of several
requests rather than one per request (see :class:`RedisCache.take`).

Redis being down is not an outage. Every call goes through a circuit breaker shared by the
process (:class:`_Breaker`): a connection error or timeout marks Redis down — logged once, not per
request — and calls are answered from a process-local memory cache instead, as they would be without
``OPENBCH_CACHE_URL`` (rate limits then count per process, never not at all). One call per
:data:`RETRY_SECONDS` tries Redis again; the first that succeeds brings every caller back to it.
Short socket timeouts keep a Redis that no longer answers (a dropped route) from holding requests.
:func:`cache_health` tells ``/healthz`` which state the cache is in.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar
from urllib.parse import urlsplit

import redis
from django.core.cache import cache
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient

__all__ = ["MAX_LEASE", "RETRY_SECONDS", "RedisCache", "cache_health", "take"]

logger = logging.getLogger(__name__)
T = TypeVar("T")

#: the most uses one process reserves at once; a lease is also at most 1/LEASE_SHARE of what is left
MAX_LEASE = 64
LEASE_SHARE = 16

#: seconds between tries of a Redis that failed (one call tries; the others meanwhile use memory)
RETRY_SECONDS = 5.0
#: socket timeouts (s) unless OPTIONS set them: Redis answers in a millisecond, and a request must
#: not wait long on one that no longer answers
CONNECT_TIMEOUT = 0.5
READ_TIMEOUT = 0.5
#: what "Redis is down" is: the server cannot be reached or does not answer in time (a bad command
#: or a wrong type is a bug, and raises)
DOWN_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def _where(location: str) -> str:
    """``host:port/db`` of each server, without the credentials a URL may carry (for logs)."""
    shown = []
    for server in location.replace(";", ",").split(","):
        parts = urlsplit(server.strip())
        host = f"{parts.hostname or ''}:{parts.port}" if parts.port else (parts.hostname or "")
        shown.append(f"{host}{parts.path}" if host else parts.path)
    return ", ".join(shown)


class _Breaker:
    """Whether one Redis (a LOCATION) answers, shared by every thread of the process.

    Django makes one cache backend per thread, so the state lives here, not on the backend: the
    failure is logged once per outage, and one caller per back-off tries Redis again.
    """

    def __init__(self, location: str, retry_seconds: float) -> None:
        self.where = _where(location)
        self.retry_seconds = retry_seconds
        self.down_since: datetime | None = None
        self.error = ""
        self._retry_at = 0.0  # monotonic
        self._lock = threading.Lock()

    def try_redis(self) -> bool:
        """Whether this call should go to Redis: always while it is up; while it is down, one call
        per back-off (the others keep to memory meanwhile, so a dead Redis costs one wait per try)."""
        if self.down_since is None:
            return True
        now = time.monotonic()
        with self._lock:
            if now < self._retry_at:
                return False
            self._retry_at = now + self.retry_seconds
            return True

    def failed(self, exc: BaseException) -> None:
        with self._lock:
            self._retry_at = time.monotonic() + self.retry_seconds
            first = self.down_since is None
            if first:
                self.down_since = datetime.now(UTC)
                self.error = type(exc).__name__
        if first:
            logger.warning(
                "cache: Redis at %s is unavailable (%s: %s); rate limits and caches are per process "
                "until it is back (tried every %g s)",
                self.where,
                type(exc).__name__,
                exc,
                self.retry_seconds,
            )

    def succeeded(self, local: BaseCache) -> None:
        if self.down_since is None:  # the common case: no lock
            return
        with self._lock:
            since, self.down_since = self.down_since, None
        if since is not None:
            # what was kept in memory meanwhile is dropped, so that a later outage cannot bring
            # back entries Redis has since replaced or deleted
            local.clear()
            seconds = (datetime.now(UTC) - since).total_seconds()
            logger.warning(
                "cache: Redis at %s answers again after %.0f s; back to the shared cache", self.where, seconds
            )

    def report(self) -> dict[str, str]:
        since = self.down_since
        if since is None:
            return {"status": "ok", "backend": "redis"}
        return {
            "status": "unavailable",
            "backend": "redis",
            "since": since.isoformat(timespec="seconds"),
            # the class only: the message names the server's address, and /healthz is public
            "error": self.error,
            "fallback": "per-process memory",
        }


_breakers: dict[str, _Breaker] = {}
_breakers_lock = threading.Lock()


def _breaker(location: str, retry_seconds: float) -> _Breaker:
    with _breakers_lock:
        found = _breakers.get(location)
        if found is None:
            found = _breakers[location] = _Breaker(location, retry_seconds)
        found.retry_seconds = retry_seconds
        return found


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
    """Django's Redis cache backend, reusing its Redis clients, with leased counters for rate limits,
    answering from process memory while Redis is down (see the module's documentation).

    ``OPTIONS`` may set ``down_retry_seconds`` (default :data:`RETRY_SECONDS`) and redis-py's
    ``socket_connect_timeout`` / ``socket_timeout`` (default :data:`CONNECT_TIMEOUT`, :data:`READ_TIMEOUT`).
    """

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        retry_seconds = float(options.pop("down_retry_seconds", RETRY_SECONDS))
        options.setdefault("socket_connect_timeout", CONNECT_TIMEOUT)
        options.setdefault("socket_timeout", READ_TIMEOUT)
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = _ReusingClient
        self._leases: dict[str, _Lease] = {}
        self._lock = threading.Lock()
        location = server if isinstance(server, str) else ",".join(server)
        self._breaker = _breaker(location, retry_seconds)
        # LocMemCache instances of one name share their store: one per process, for every thread
        kept: dict[str, Any] = {
            name: params[name] for name in ("TIMEOUT", "KEY_PREFIX", "VERSION", "KEY_FUNCTION") if name in params
        }
        self._local = LocMemCache(f"openbch-redis-fallback:{location}", kept)

    def _guarded(self, on_redis: Callable[[], T], on_memory: Callable[[], T]) -> T:
        """``on_redis()``, or ``on_memory()`` while Redis is down (marking it down if it fails now)."""
        if self._breaker.try_redis():
            try:
                result = on_redis()
            except DOWN_ERRORS as exc:
                self._breaker.failed(exc)
            else:
                self._breaker.succeeded(self._local)
                return result
        return on_memory()

    def add(self, key: Any, value: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._guarded(
            partial(super().add, key, value, timeout, version), partial(self._local.add, key, value, timeout, version)
        )

    def get(self, key: Any, default: Any | None = None, version: int | None = None) -> Any:
        return self._guarded(
            partial(super().get, key, default, version), partial(self._local.get, key, default, version)
        )

    def set(self, key: Any, value: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        self._guarded(
            partial(super().set, key, value, timeout, version), partial(self._local.set, key, value, timeout, version)
        )

    def touch(self, key: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._guarded(
            partial(super().touch, key, timeout, version), partial(self._local.touch, key, timeout, version)
        )

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._guarded(partial(super().delete, key, version), partial(self._local.delete, key, version))

    def get_many(self, keys: Iterable[Any], version: int | None = None) -> dict[Any, Any]:
        keys = list(keys)  # an iterator would be used up by a Redis call that then fails
        return self._guarded(partial(super().get_many, keys, version), partial(self._local.get_many, keys, version))

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._guarded(partial(super().has_key, key, version), partial(self._local.has_key, key, version))

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        # decr, get_or_set and the async methods of BaseCache go through these
        return self._guarded(partial(super().incr, key, delta, version), partial(self._local.incr, key, delta, version))

    def set_many(
        self, data: dict[Any, Any], timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        return self._guarded(
            partial(super().set_many, data, timeout, version), partial(self._local.set_many, data, timeout, version)
        )

    def delete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        keys = list(keys)
        self._guarded(partial(super().delete_many, keys, version), partial(self._local.delete_many, keys, version))

    def clear(self) -> None:
        self._guarded(super().clear, self._local.clear)

    def health(self) -> dict[str, str]:
        """Whether Redis answers (a PING, unless it failed less than the back-off ago), and since when not."""
        self._guarded(lambda: bool(self._cache.get_client(write=True).ping()), lambda: False)
        return self._breaker.report()

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

        While Redis is down, a lease already held is used up, then the process counts in its own
        memory against the same limit (each process allows up to ``limit`` until Redis is back).
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
        reserved = self._guarded(partial(self._reserve, full_key, size, timeout), lambda: None)
        if reserved is None:
            return _count_in(self._local, key, limit, timeout)
        total, ttl = reserved
        first = total - size + 1
        with self._lock:
            if len(self._leases) > 4096:  # one per client IP and window: drop the windows that ended
                self._leases = {k: v for k, v in self._leases.items() if v.expires > now}
            # two threads may both have reserved: the later lease replaces the earlier, whose unused
            # counts are lost (refusing early, never late; near the limit leases are of one)
            self._leases[full_key] = _Lease(next=first + 1, last=min(total, limit), seen=total, expires=now + ttl)
        return first <= limit, first


def _count_in(store: BaseCache, key: str, limit: int, timeout: int) -> tuple[bool, int]:
    """Count one use of ``key`` in a cache without leases: add-then-incr (an entry that expires in
    between starts again at 1)."""
    store.add(key, 0, timeout=timeout)
    try:
        count = int(store.incr(key))
    except ValueError:  # expired between add and incr: start the window again
        store.set(key, 1, timeout=timeout)
        count = 1
    return count <= limit, count


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
    return _count_in(cache, key, limit, timeout)


def cache_health() -> dict[str, str]:
    """The default cache's state for ``/healthz``: ``{"status": "ok" | "unavailable", ...}``.

    A Redis cache is pinged (at most once per back-off while it is down); memory is always there.
    """
    check = getattr(cache, "health", None)
    if check is None:
        return {"status": "ok", "backend": "memory"}
    return dict(check())
