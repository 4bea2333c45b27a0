"""The record types in force: the shipped definitions plus any registered at start-up.

Extra definitions come from the folders in the ``OPENBCH_RECORD_TYPE_DIRS`` setting (a country's
node may add its own types) or from :func:`register_record_type`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from openbch.core.errors import NotFoundError
from openbch.recordtypes.definition import DefinitionError, RecordType, compile_definition

__all__ = ["get_record_type", "record_types", "register_record_type"]

_extra: dict[str, Mapping[str, Any]] = {}


def _shipped_definitions() -> list[Mapping[str, Any]]:
    folder = resources.files("openbch.recordtypes") / "definitions"
    found = [
        json.loads(entry.read_text(encoding="utf-8"))
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".json")
    ]
    for directory in filter(None, os.environ.get("OPENBCH_RECORD_TYPE_DIRS", "").split(os.pathsep)):
        for path in sorted(Path(directory).glob("*.json")):
            found.append(json.loads(path.read_text(encoding="utf-8")))
    return found


@cache
def _compiled() -> dict[str, RecordType]:
    definitions = [*_shipped_definitions(), *_extra.values()]
    codes = frozenset(str(d["code"]) for d in definitions if isinstance(d.get("code"), str))
    compiled: dict[str, RecordType] = {}
    for data in definitions:
        record_type = compile_definition(data, codes)
        if record_type.code in compiled:
            raise DefinitionError(f"record type {record_type.code} is defined twice")
        compiled[record_type.code] = record_type
    return compiled


def record_types() -> dict[str, RecordType]:
    """Every record type, by code (``LMO``, ``DEC``, ...)."""
    return _compiled()


def get_record_type(code_or_slug: str) -> RecordType:
    types = _compiled()
    key = code_or_slug.upper()
    if key in types:
        return types[key]
    for record_type in types.values():
        if record_type.slug == code_or_slug.lower():
            return record_type
    raise NotFoundError(f"unknown record type {code_or_slug!r}")


def register_record_type(data: Mapping[str, Any]) -> RecordType:
    """Add a record type from its definition alone (compiled and checked like the shipped ones)."""
    code = data.get("code")
    previous = _extra.get(str(code))
    _extra[str(code)] = data
    _compiled.cache_clear()
    try:
        return _compiled()[str(code)]
    except Exception:
        if previous is None:
            _extra.pop(str(code), None)
        else:
            _extra[str(code)] = previous
        _compiled.cache_clear()
        raise


def unregister_record_type(code: str) -> None:
    """Remove a type added by :func:`register_record_type` (tests, plugins unloading)."""
    _extra.pop(code, None)
    _compiled.cache_clear()
