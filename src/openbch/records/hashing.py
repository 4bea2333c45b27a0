"""Canonical JSON and content hashes: the same body always hashes the same, on any database."""

from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = ["canonical_json", "content_hash"]


# one encoder for every call: ``json.dumps`` with options builds a new one each time, which was a
# fifth of the cost of serializing a small value (audit entries, warnings) in a bulk load
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value: Any) -> str:
    """Sorted keys, no blanks, UTF-8 text as is: the same value always gives the same text."""
    return _ENCODER.encode(value)


def content_hash(value: Any) -> str:
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()
