"""The validator as it was before it was compiled per type: the oracle of test_compiled_validation.

Kept verbatim (apart from names) so that the compiled ``validate`` and the precomputed ``in``
conditions can be checked against it on any body: same issues, same order, same references.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openbch.recordtypes.definition import RecordType
from openbch.recordtypes.validate import _CHECKS, ValidationResult, _Checker, _present
from openbch.vocabularies import Vocabulary


def old_term_ids(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [item["identifier"] for item in items if isinstance(item, dict) and isinstance(item.get("identifier"), str)]


def old_in_condition(vocabulary: Vocabulary, name: str, ids: frozenset[str], body: Mapping[str, Any]) -> bool:
    return any(vocabulary.with_ancestors(t) & ids for t in old_term_ids(body.get(name)))


def reference_validate(
    record_type: RecordType, body: Any, *, level: str = "publish", owner: str | None = None
) -> ValidationResult:
    checker = _Checker(record_type, level)
    if not isinstance(body, dict):
        checker.error("", "invalid_type", "a record body is a JSON object")
        return checker.result
    fields = record_type.fields
    for name, value in body.items():
        f = fields.get(name)
        if f is None:
            checker.error(f"/{name}", "unknown_field", f"{record_type.code} has no field {name!r}")
            continue
        if not _present(value):
            continue
        path = f"/{name}"
        if f.allowed_when is not None and not f.allowed_when(body):
            checker.soft(path, "not_allowed", f"{f.name} does not apply in this context")
        check = _CHECKS[f.kind]
        if not f.many:
            check(checker, f, value, path)
        elif not isinstance(value, list):
            checker.error(path, "invalid_type", f"{f.name} must be a list")
        else:
            for i, item in enumerate(value):
                check(checker, f, item, f"{path}/{i}")
    for f in record_type.requirement_fields:
        if _present(body.get(f.name)):
            continue
        if f.required or (f.required_when is not None and f.required_when(body)):
            checker.soft(f"/{f.name}", "required", f"{f.label_in('en')} ({f.name}) is mandatory")
        elif f.recommended or (f.recommended_when is not None and f.recommended_when(body)):
            checker.warn(f"/{f.name}", "recommended", f"{f.label_in('en')} ({f.name}) should be given")
    for rule in record_type.rules:
        if not rule.when(body):
            continue
        if rule.require_one_of and not any(_present(body.get(n)) for n in rule.require_one_of):
            message = rule.message.get("en") or f"one of {', '.join(rule.require_one_of)} is mandatory"
            checker.soft(f"/{rule.require_one_of[0]}", "require_one_of", message)
        if rule.forbid_all_of and all(_present(body.get(n)) for n in rule.forbid_all_of):
            message = rule.message.get("en") or f"{', '.join(rule.forbid_all_of)} exclude each other"
            checker.soft(f"/{rule.forbid_all_of[0]}", "forbidden_combination", message)
    if record_type.is_national and owner is not None:
        government = body.get("government")
        declared = government.get("identifier") if isinstance(government, dict) else None
        if isinstance(declared, str) and declared.upper() != owner.upper():
            checker.error("/government", "owner_mismatch", f"government must be the owner country {owner.lower()!r}")
    return checker.result
