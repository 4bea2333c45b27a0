"""Search pages as the API sends them, kept serialized while nothing is published (per process).

A search page is a function of the validated query, the language, the record types in force and
what is published, and what is published changes only with a change-log event. The key therefore
holds the change log's latest event (one indexed query per request): the first request after any
publication or withdrawal computes afresh, and until then the same search (a popular query, a
harvester's walk repeated by another client) is answered without touching the index. Entries are
the JSON bytes, so a hit costs neither search nor serialization.

Exact, not a time-to-live cache: an answer is only kept when the index had applied that very event
(a busy index answers as it is, and that answer is not kept). Bounded by
``OPENBCH_SEARCH_CACHE_MB`` (default 64; 0 turns it off), least recently used first out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping, Sequence

from django.conf import settings

from openbch.core.jsonbytes import compact_json
from openbch.recordtypes import record_types
from openbch.search.index import latest_event_fingerprint
from openbch.search.live import ensure_current
from openbch.search.query import parse_params
from openbch.search.service import run_search, search_page

__all__ = ["DEFAULT_MB", "PageCache", "search_json"]

DEFAULT_MB = 64


class PageCache:
    """A thread-safe LRU of byte strings within a byte budget."""

    def __init__(self) -> None:
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            body = self._entries.get(key)
            if body is not None:
                self._entries.move_to_end(key)
            return body

    def put(self, key: Hashable, body: bytes, budget: int) -> None:
        if len(body) > budget // 8:  # one huge page must not empty the cache
            return
        with self._lock:
            old = self._entries.pop(key, None)
            self._bytes += len(body) - (len(old) if old is not None else 0)
            self._entries[key] = body
            while self._bytes > budget and self._entries:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= len(evicted)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)


PAGES = PageCache()


def _budget() -> int:
    return int(getattr(settings, "OPENBCH_SEARCH_CACHE_MB", DEFAULT_MB)) * 1024 * 1024


def search_json(params: Mapping[str, Sequence[str]], language: str) -> bytes:
    """The ``GET /api/v1/search`` answer for these parameters, as JSON bytes.

    Invalid parameters raise BadRequestError every time (an error is never kept)."""
    query = parse_params(params)
    budget = _budget()
    if budget <= 0:
        return compact_json(run_search(query, language))
    _, state = latest_event_fingerprint()
    # record types registered at run time change facets and pages: the registry is in the key too
    key = (state, id(record_types()), language, query)
    body = PAGES.get(key)
    if body is None:
        current = ensure_current() == state
        body = compact_json(search_page(query, language))
        if current:
            PAGES.put(key, body, budget)
    return body
