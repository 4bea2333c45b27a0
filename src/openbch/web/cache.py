"""A short-lived cache of search answers for the pages, exact because it is keyed on the data's state.

A search answer depends only on its parameters, the language and what is published — and what is
published changes only with a change-log event. The key therefore holds the latest event's
fingerprint (one indexed query): the first request after any publication or withdrawal misses and
computes afresh; until then, the same search (the home page's, a popular one) is answered from the
cache. Entries also expire after ``OPENBCH_WEB_CACHE_SECONDS`` (default 60; 0 turns the cache off).

The cache is Django's default one: per process by default, shared with ``OPENBCH_CACHE_URL``.
Kept: search answers, and the rendered article of record pages (what every visitor sees alike) —
never a whole page, which holds the visitor's CSRF token and name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache

from openbch.recordtypes import record_types
from openbch.search.index import latest_event_fingerprint
from openbch.search.service import search

__all__ = ["cached", "cached_search", "data_state"]

DEFAULT_SECONDS = 60
T = TypeVar("T")


def data_state() -> str:
    """What has been published, as a short token: the change log's latest event."""
    return latest_event_fingerprint()[1]


def _seconds() -> int:
    return int(getattr(settings, "OPENBCH_WEB_CACHE_SECONDS", DEFAULT_SECONDS))


def _key(kind: str, parts: Any) -> str:
    # record types registered at run time change facets and pages: their registry is in the key too
    canonical = json.dumps([parts, data_state(), id(record_types())], default=str)
    return f"openbch:web:{kind}:" + hashlib.sha256(canonical.encode()).hexdigest()


def cached(kind: str, parts: Any, build: Callable[[], T]) -> T:
    """``build()``, or its value for the same ``parts`` while nothing was published."""
    seconds = _seconds()
    if seconds <= 0:
        return build()
    key = _key(kind, parts)
    found: T | None = cache.get(key)
    if found is None:
        found = build()
        cache.set(key, found, seconds)
    return found


def cached_search(params: Mapping[str, Sequence[str]], language: str) -> dict[str, Any]:
    """:func:`openbch.search.service.search`, answered from the cache while nothing was published.

    Errors (BadRequestError) are raised each time, never cached."""
    ordered = sorted((name, list(values)) for name, values in params.items())
    return cached("search", [ordered, language], lambda: search(params, language))
