"""``openbch load``: publish the records of JSON Lines load files (docs/record-format.md §4).

All files of one load are checked together — JSON syntax, envelope, every body against its type,
every reference by key — and published in one transaction: either everything is written, or the
database is left exactly as it was and every problem is reported as ``file:line path code message``.
Loading the same files again changes nothing (records are matched by their ``key``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openbch.core.actors import Actor
from openbch.core.errors import Issue, LoadFailedError, ValidationFailedError
from openbch.core.gcpause import batch_collection
from openbch.records.models import Record
from openbch.records.publishing import new_identifier
from openbch.records.services import PublishReport, RecordInput, publish_records

__all__ = ["LoadLine", "LoadResult", "format_issue", "load_files", "read_manifest"]

ENVELOPE_KEYS = frozenset({"key", "type", "owner", "body", "source"})
MAX_LINE_BYTES = 4_000_000


@dataclass(frozen=True)
class LoadLine:
    file: str
    line: int
    key: str
    type: str
    owner: str
    body: Mapping[str, Any]


@dataclass
class LoadResult:
    report: PublishReport
    lines: int
    by_type: dict[str, int] = field(default_factory=dict)


def format_issue(issue: Issue) -> str:
    where = f"{issue.location.get('file', '?')}:{issue.location.get('line', '?')}"
    return f"{where} {issue.path or '/'} {issue.code} {issue.message}"


def read_manifest(folder: Path) -> list[Path]:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return [folder / name for name in manifest["files"]]


def _parse_lines(paths: Iterable[Path]) -> tuple[list[LoadLine], list[Issue]]:
    lines: list[LoadLine] = []
    issues: list[Issue] = []
    for path in paths:
        try:
            handle = path.open("rb")
        except OSError as exc:
            issues.append(Issue("", "unreadable_file", str(exc), location={"file": str(path), "line": 0}))
            continue
        with handle:
            for number, raw in enumerate(handle, start=1):
                where = {"file": path.name, "line": number}
                if not raw.strip():
                    continue
                if len(raw) > MAX_LINE_BYTES:
                    issues.append(
                        Issue("", "line_too_long", f"a line is at most {MAX_LINE_BYTES} bytes", location=where)
                    )
                    continue
                try:
                    data = json.loads(raw.decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                    issues.append(Issue("", "invalid_json", str(exc), location=where))
                    continue
                if not isinstance(data, dict):
                    issues.append(Issue("", "invalid_type", "a line is a JSON object", location=where))
                    continue
                problems = [
                    Issue(f"/{name}", "required", f"{name} is mandatory", location=where)
                    for name in ("key", "type", "owner")
                    if not isinstance(data.get(name), str) or not data[name]
                ]
                if not isinstance(data.get("body"), dict):
                    problems.append(Issue("/body", "required", "body is a JSON object", location=where))
                unknown = sorted(set(data) - ENVELOPE_KEYS)
                if unknown:
                    problems.append(Issue("/", "unknown_field", f"unknown envelope keys {unknown}", location=where))
                if problems:
                    issues.extend(problems)
                    continue
                lines.append(LoadLine(path.name, number, data["key"], data["type"], data["owner"], data["body"]))
    return lines, issues


def _is_key_reference(value: Any) -> bool:
    return isinstance(value, dict) and "key" in value and set(value) <= {"key", "revision"}


def _referenced_keys(value: Any, found: set[str]) -> None:
    """Add the keys ``{"key": …}`` references name throughout a body to ``found``."""
    if isinstance(value, list):
        for item in value:
            _referenced_keys(item, found)
    elif _is_key_reference(value):
        if isinstance(value["key"], str):
            found.add(value["key"])
    elif isinstance(value, dict):
        for item in value.values():
            _referenced_keys(item, found)


def _resolve_keys(value: Any, identifiers: Mapping[str, str], path: str, problems: list[Issue]) -> Any:
    """Replace ``{"key": …}`` references by ``{"identifier": …}`` throughout a body."""
    if isinstance(value, list):
        return [_resolve_keys(v, identifiers, f"{path}/{i}", problems) for i, v in enumerate(value)]
    if isinstance(value, dict):
        if _is_key_reference(value):
            key = value["key"]
            identifier = identifiers.get(key) if isinstance(key, str) else None
            if identifier is None:
                problems.append(Issue(path, "unknown_key", f"no record with key {key!r} in this load or the database"))
                return value
            revision = value.get("revision")
            return {"identifier": f"{identifier}@{revision}" if revision else identifier}
        return {k: _resolve_keys(v, identifiers, f"{path}/{k}", problems) for k, v in value.items()}
    return value


def load_files(actor: Actor, paths: Iterable[Path]) -> LoadResult:
    """Load ``paths`` (in order) in one transaction; raises LoadFailedError listing every problem."""
    # one batch of up to hundreds of thousands of records, all in memory at once (core.gcpause)
    with batch_collection():
        return _load(actor, paths)


def _load(actor: Actor, paths: Iterable[Path]) -> LoadResult:
    lines, issues = _parse_lines(paths)
    seen: dict[str, LoadLine] = {}
    for line in lines:
        if line.key in seen:
            first = seen[line.key]
            issues.append(
                Issue(
                    "/key",
                    "duplicate_key",
                    f"key {line.key!r} also at {first.file}:{first.line}",
                    location={"file": line.file, "line": line.line},
                )
            )
        seen[line.key] = line
    if issues:
        raise LoadFailedError(f"{len(issues)} problem(s) in the load files; nothing was written", issues=issues)

    keys = [line.key for line in lines]
    # the records of this load, and those its lines refer to that earlier loads stored
    referenced: set[str] = set()
    for line in lines:
        _referenced_keys(line.body, referenced)
    wanted = [*keys, *sorted(referenced.difference(keys))]
    identifiers: dict[str, str] = {}
    for start in range(0, len(wanted), 900):
        rows = Record.objects.filter(source_key__in=wanted[start : start + 900]).values_list("source_key", "identifier")
        identifiers.update((str(key), identifier) for key, identifier in rows)
    for key in keys:
        identifiers.setdefault(key, new_identifier())

    inputs: list[RecordInput] = []
    for line in lines:
        problems: list[Issue] = []
        body = _resolve_keys(dict(line.body), identifiers, "", problems)
        for problem in problems:
            issues.append(
                Issue(problem.path, problem.code, problem.message, location={"file": line.file, "line": line.line})
            )
        inputs.append(RecordInput(line.type, line.owner, body, identifier=identifiers[line.key], source_key=line.key))
    if issues:
        raise LoadFailedError(f"{len(issues)} problem(s) in the load files; nothing was written", issues=issues)

    def locate(index: int) -> dict[str, Any]:
        return {"file": lines[index].file, "line": lines[index].line, "key": lines[index].key}

    try:
        report = publish_records(actor, inputs, location_of=locate)
    except ValidationFailedError as exc:
        raise LoadFailedError(
            f"{len(exc.issues)} problem(s) in the load files; nothing was written", issues=exc.issues
        ) from None
    by_type: dict[str, int] = {}
    for line in lines:
        by_type[line.type] = by_type.get(line.type, 0) + 1
    return LoadResult(report=report, lines=len(lines), by_type=by_type)
