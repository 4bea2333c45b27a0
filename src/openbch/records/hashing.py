"""Canonical JSON and content hashes: the same body always hashes the same, on any database.

The canonical text is the standard library encoder's (sorted keys, no blanks, UTF-8 as is).
:func:`canonical_form` may take orjson's text instead, six times faster, where the hash the text
must have is known (a copy of another instance's revision). orjson's text is not always the
standard encoder's (it writes the float 1.5e-07 as ``1.5e-7``), so it is used only when its SHA-256
is the one expected, which proves it is the canonical text byte for byte; otherwise the standard
encoder's text is made and returned as always.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import orjson

__all__ = ["canonical_form", "canonical_json", "content_hash"]


# one encoder for every call: ``json.dumps`` with options builds a new one each time, which was a
# fifth of the cost of serializing a small value (audit entries, warnings) in a bulk load
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value: Any) -> str:
    """Sorted keys, no blanks, UTF-8 text as is: the same value always gives the same text."""
    return _ENCODER.encode(value)


def content_hash(value: Any) -> str:
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def canonical_form(value: Any, *, expected_hash: str = "") -> tuple[str, str]:
    """``value``'s canonical JSON and its SHA-256 (hex); ``expected_hash``: the hash it should have."""
    if expected_hash:
        try:
            fast = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # orjson.JSONEncodeError: a value orjson does not write (a 65-bit integer)
            fast = b""
        if fast and hashlib.sha256(fast).hexdigest() == expected_hash:
            return fast.decode("utf-8"), expected_hash
    text = canonical_json(value)
    return text, hashlib.sha256(text.encode("utf-8")).hexdigest()
