"""Expanding references in a record body on request (``?expand=``), one query per expansion."""

from __future__ import annotations

from typing import Any

from openbch.core.errors import BadRequestError
from openbch.records.models import Record
from openbch.records.queries import PUBLIC_STATES, latest_revisions
from openbch.recordtypes import RecordType
from openbch.recordtypes.validate import parse_reference

__all__ = ["expand_references", "parse_expand"]


def parse_expand(record_type: RecordType, expand: str | None) -> list[str]:
    """``*`` = every reference field; else a comma-separated list of reference fields of the type."""
    if not expand:
        return []
    names = [n.strip() for n in expand.split(",") if n.strip()]
    references = [f.name for f in record_type.reference_fields]
    if names == ["*"]:
        return references
    unknown = [n for n in names if n not in references]
    if unknown:
        raise BadRequestError(
            f"expand: {', '.join(n[:40] for n in unknown[:5])} not reference fields of {record_type.code} "
            f"(one of: {', '.join(references) or 'none'}, or *)"
        )
    return names


def expand_references(body: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """A copy of ``body`` whose references in ``fields`` carry the referenced record's latest revision."""
    if not fields:
        return body
    wanted: set[str] = set()
    for name in fields:
        for item in body.get(name) or []:
            parsed = parse_reference(item.get("identifier", "")) if isinstance(item, dict) else None
            if parsed:
                wanted.add(parsed[0])
    records = Record.objects.filter(identifier__in=sorted(wanted), state__in=PUBLIC_STATES)
    found = {p.record.identifier: p for p in latest_revisions(records)}
    expanded = dict(body)
    for name in fields:
        items = []
        for item in body.get(name) or []:
            parsed = parse_reference(item.get("identifier", "")) if isinstance(item, dict) else None
            target = found.get(parsed[0]) if parsed else None
            if target is None:
                items.append(item)
            else:
                items.append({**item, "record": {**target.envelope(), "body": target.body}})
        expanded[name] = items
    return expanded
