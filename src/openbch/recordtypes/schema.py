"""JSON Schema (2020-12) of a record type's body, derived from its definition.

Served to API clients (OpenAPI components, ``/record-types``) so they can validate and build forms
without reading our code. Conditional rules stay in the definition (``x-openbch-*`` keys): JSON
Schema can express them only clumsily, and our validator is the authority anyway.
"""

from __future__ import annotations

from typing import Any

from openbch.recordtypes.definition import FieldDef, RecordType
from openbch.vocabularies import get_vocabulary

__all__ = ["json_schema"]

_MLTEXT = {
    "type": "object",
    "propertyNames": {"pattern": "^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"},
    "additionalProperties": {"type": "string"},
    "minProperties": 1,
}
_REFERENCE = {
    "type": "object",
    "properties": {"identifier": {"type": "string", "pattern": "^[0-9A-Fa-f-]{36}(@[1-9][0-9]*)?$"}},
    "required": ["identifier"],
    "additionalProperties": False,
}


def _value_schema(f: FieldDef) -> dict[str, Any]:
    if f.kind in ("text", "oecd_uid"):
        schema: dict[str, Any] = {"type": "string"}
        if f.max_length:
            schema["maxLength"] = f.max_length
        return schema
    if f.kind == "mltext":
        return dict(_MLTEXT)
    if f.kind == "term":
        assert f.vocabulary is not None
        ids = [t.id for t in get_vocabulary(f.vocabulary)] + (["other"] if f.allow_other else [])
        return {
            "type": "object",
            "properties": {"identifier": {"type": "string", "enum": ids}, "customValue": dict(_MLTEXT)},
            "required": ["identifier"],
            "additionalProperties": False,
            "x-openbch-vocabulary": f.vocabulary,
        }
    if f.kind == "reference":
        return {**_REFERENCE, "x-openbch-targets": list(f.targets)}
    if f.kind == "construct":
        return {
            "type": "object",
            "properties": {
                "identifier": _REFERENCE["properties"]["identifier"],  # type: ignore[index]
                "type": {"enum": ["sense", "antisense"]},
                "size": {"type": "number", "exclusiveMinimum": 0},
            },
            "required": ["identifier"],
            "additionalProperties": False,
            "x-openbch-targets": list(f.targets),
        }
    if f.kind == "link":
        return {
            "type": "object",
            "properties": {
                "url": {"type": "string", "format": "uri", "pattern": "^https?://"},
                "name": {"type": "string"},
                "language": {"type": "string"},
                "tags": {"type": "array", "items": {"type": "string"}},
            },
            "required": ["url"],
            "additionalProperties": False,
        }
    if f.kind == "date":
        return {"type": "string", "format": "date"}
    if f.kind in ("integer", "number"):
        schema = {"type": f.kind}
        if f.minimum is not None:
            schema["minimum"] = f.minimum
        if f.maximum is not None:
            schema["maximum"] = f.maximum
        return schema
    if f.kind == "boolean":
        return {"type": "boolean"}
    if f.kind == "email":
        return {"type": "string", "format": "email"}
    if f.kind == "dna_sequence":
        return {"type": "string", "pattern": "^[ACGTURYSWKMBDHVN]+$"}
    raise ValueError(f"no schema for kind {f.kind}")


def json_schema(record_type: RecordType) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for f in record_type.fields.values():
        value = _value_schema(f)
        schema = {"type": "array", "items": value} if f.many else value
        schema["title"] = f.label.get("en", f.name)
        for key in ("required_when", "allowed_when", "recommended_when"):
            if key in f.raw:
                schema[f"x-openbch-{key.replace('_', '-')}"] = f.raw[key]
        properties[f.name] = schema
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": record_type.label.get("en", record_type.code),
        "type": "object",
        "properties": properties,
        "required": [f.name for f in record_type.fields.values() if f.required],
        "additionalProperties": False,
        "x-openbch-type": record_type.code,
        "x-openbch-rules": list(record_type.raw.get("rules", [])),
    }
