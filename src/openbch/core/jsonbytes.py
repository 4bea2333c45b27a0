"""JSON as the API sends it: compact, UTF-8, serialized once."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["compact_json"]


def compact_json(data: Mapping[str, Any]) -> bytes:
    # no cycle check: the data comes from our own services, built fresh for each answer
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), check_circular=False).encode("utf-8")
