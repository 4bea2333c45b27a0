"""A record's history: its published revisions and a field-level diff between two of them."""

from __future__ import annotations

from typing import Any

from openbch.core.errors import NotFoundError
from openbch.records.models import Revision
from openbch.records.queries import get_published

__all__ = ["diff_bodies", "revision_diff", "revisions_of"]


def revisions_of(reference: str) -> dict[str, Any]:
    """The list of published revisions of a record (newest last), without their bodies."""
    record = get_published(reference).record
    rows = Revision.objects.filter(record=record).order_by("revision")
    return {
        "identifier": record.identifier,
        "uid": f"BCH-{record.type}-{record.owner}-{record.number}",
        "state": record.state,
        "latest_revision": record.revision,
        "revisions": [
            {
                "revision": r.revision,
                "uid": f"BCH-{record.type}-{record.owner}-{record.number}-{r.revision}",
                "published_at": r.published_at.isoformat(),
                "published_by": r.published_by,
                "content_hash": r.content_hash,
            }
            for r in rows
        ],
    }


def _flatten(value: Any, path: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            _flatten(item, f"{path}/{key}", out)
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            _flatten(item, f"{path}/{index}", out)
    else:
        out[path or "/"] = value


def diff_bodies(old: Any, new: Any) -> list[dict[str, Any]]:
    """Changes from ``old`` to ``new`` as ``{op, path, old, new}`` on JSON pointers of leaf values."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    _flatten(old, "", before)
    _flatten(new, "", after)
    changes = []
    for path in sorted(set(before) | set(after)):
        if path not in after:
            changes.append({"op": "remove", "path": path, "old": before[path]})
        elif path not in before:
            changes.append({"op": "add", "path": path, "new": after[path]})
        elif before[path] != after[path]:
            changes.append({"op": "replace", "path": path, "old": before[path], "new": after[path]})
    return changes


def revision_diff(reference: str, old: int, new: int) -> dict[str, Any]:
    record = get_published(reference).record
    found = {r.revision: r for r in Revision.objects.filter(record=record, revision__in=[old, new])}
    missing = [n for n in (old, new) if n not in found]
    if missing:
        raise NotFoundError(f"{reference[:80]} has no revision {missing[0]} (latest is {record.revision})")
    return {
        "uid": f"BCH-{record.type}-{record.owner}-{record.number}",
        "from": old,
        "to": new,
        "changes": diff_bodies(found[old].body, found[new].body),
    }
