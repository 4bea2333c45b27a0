"""Validate a record body against its type, collecting every issue at once.

Two levels, as the BCH works: ``draft`` is lenient (a missing mandatory field, a field not allowed
in this context, an unknown term or reference are warnings, so work in progress can be saved);
``publish`` is strict (they are errors). Malformed values (a number where text belongs, a broken
date) are errors at both levels: they would be garbage in storage.

References are checked in a second step (:func:`check_references`) against a lookup the caller
provides, so a bulk load resolves thousands of references with one query instead of one each.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from openbch.core.errors import Issue
from openbch.core.multilingual import LANGUAGE_CODE
from openbch.identifiers.oecd import check as check_oecd_uid
from openbch.recordtypes.conditions import Predicate
from openbch.recordtypes.definition import FieldDef, RecordType
from openbch.vocabularies import get_vocabulary

__all__ = ["ReferenceUse", "ValidationResult", "check_references", "parse_reference", "validate"]

GUID = re.compile(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DNA = re.compile(r"^[ACGTURYSWKMBDHVN]+$")
DEFAULT_MAX_LENGTH = 20_000
STRAND_TYPES = frozenset({"sense", "antisense"})


@dataclass(frozen=True)
class ReferenceUse:
    path: str
    identifier: str
    revision: int | None
    targets: tuple[str, ...]


@dataclass
class ValidationResult:
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    references: list[ReferenceUse] = field(default_factory=list)
    languages: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_reference(text: str) -> tuple[str, int | None] | None:
    """``GUID`` or ``GUID@revision`` → (upper-case GUID, revision); None if malformed."""
    if type(text) is str:
        return _parse_reference_text(text)
    return _parse_reference(text)


# the same few thousand records are referenced again and again (organisms, genes, LMOs), by
# validation and by the links a publication derives: a bulk load or a pull parses each text once
@functools.lru_cache(maxsize=1 << 16)
def _parse_reference_text(text: str) -> tuple[str, int | None] | None:
    return _parse_reference(text)


def _parse_reference(text: str) -> tuple[str, int | None] | None:
    identifier, _, revision = text.partition("@")
    if not GUID.match(identifier):
        return None
    if revision:
        if not revision.isdigit() or int(revision) < 1:
            return None
        return identifier.upper(), int(revision)
    return identifier.upper(), None


class _Checker:
    def __init__(self, record_type: RecordType, level: str) -> None:
        self.record_type = record_type
        self.strict = level == "publish"
        self.result = ValidationResult()

    def error(self, path: str, code: str, message: str) -> None:
        self.result.errors.append(Issue(path, code, message))

    def soft(self, path: str, code: str, message: str) -> None:
        """An error at publish, a warning in a draft."""
        if self.strict:
            self.result.errors.append(Issue(path, code, message))
        else:
            self.result.warnings.append(Issue(path, code, message, severity="warning"))

    def warn(self, path: str, code: str, message: str) -> None:
        self.result.warnings.append(Issue(path, code, message, severity="warning"))

    # -- values by kind ---------------------------------------------------------------------

    def text(self, f: FieldDef, value: Any, path: str) -> None:
        if not isinstance(value, str):
            self.error(path, "invalid_type", f"{f.name} must be text")
            return
        self._string_content(f, value, path)

    def _string_content(self, f: FieldDef, value: str, path: str) -> None:
        if "\x00" in value:
            self.error(path, "invalid_character", f"{f.name} contains a NUL character")
        limit = f.max_length or DEFAULT_MAX_LENGTH
        if len(value) > limit:
            self.error(path, "too_long", f"{f.name} is {len(value)} characters; at most {limit}")

    def mltext(self, f: FieldDef, value: Any, path: str) -> None:
        if not isinstance(value, dict) or not value:
            self.error(path, "invalid_type", f'{f.name} must be an object of language → text, e.g. {{"en": "…"}}')
            return
        for language, text in value.items():
            if not LANGUAGE_CODE.match(language):
                self.error(f"{path}/{language}", "invalid_language", f"{language!r} is not an ISO 639 language code")
            elif not isinstance(text, str):
                self.error(f"{path}/{language}", "invalid_type", f"{f.name} in {language} must be text")
            else:
                self._string_content(f, text, f"{path}/{language}")
                if text.strip():
                    self.result.languages.add(language)

    def term(self, f: FieldDef, value: Any, path: str) -> None:
        if not isinstance(value, dict) or not isinstance(value.get("identifier"), str):
            self.error(path, "invalid_type", f'{f.name} must be a term {{"identifier": "…"}}')
            return
        if len(value) > 1:
            unknown_keys = set(value) - {"identifier", "customValue"}
            if unknown_keys:
                self.error(path, "unknown_field", f"a term has no {sorted(unknown_keys)}")
        term_id = value["identifier"]
        if term_id == "other":
            if not f.allow_other:
                self.soft(f"{path}/identifier", "unknown_term", f"{f.name} does not accept 'other'")
            custom = value.get("customValue")
            if not isinstance(custom, dict) or not any(isinstance(v, str) and v.strip() for v in custom.values()):
                self.soft(f"{path}/customValue", "required", "'other' needs its text in customValue")
            else:
                self.mltext(f, custom, f"{path}/customValue")
            return
        assert f.vocabulary is not None
        if term_id not in get_vocabulary(f.vocabulary).terms:
            self.soft(f"{path}/identifier", "unknown_term", f"{term_id!r} is not a term of vocabulary {f.vocabulary}")

    def reference(self, f: FieldDef, value: Any, path: str) -> None:
        if not isinstance(value, dict) or not isinstance(value.get("identifier"), str):
            self.error(path, "invalid_type", f'{f.name} must be a reference {{"identifier": "<GUID>[@revision]"}}')
            return
        parsed = parse_reference(value["identifier"])
        if parsed is None:
            self.error(
                f"{path}/identifier", "invalid_reference", f"{value['identifier'][:80]!r} is not GUID or GUID@revision"
            )
            return
        self.result.references.append(ReferenceUse(f"{path}/identifier", parsed[0], parsed[1], f.targets))

    def link(self, f: FieldDef, value: Any, path: str) -> None:
        if not isinstance(value, dict) or not isinstance(value.get("url"), str):
            self.error(path, "invalid_type", f'{f.name} must be a link {{"url": "https://…"}}')
            return
        unknown_keys = set(value) - {"url", "name", "language", "tags"}
        if unknown_keys:
            self.error(path, "unknown_field", f"a link has no {sorted(unknown_keys)}")
        url = value["url"]
        try:
            parts = urlsplit(url)
        except ValueError:
            parts = None
        if (
            parts is None
            or parts.scheme not in ("http", "https")
            or not parts.netloc
            or any(c in url for c in "\x00 \n")
        ):
            self.error(f"{path}/url", "invalid_url", f"{url[:80]!r} is not an http(s) address")
        name = value.get("name")
        if name is not None and not isinstance(name, str):
            self.error(f"{path}/name", "invalid_type", "a link's name must be text")

    def date(self, f: FieldDef, value: Any, path: str) -> None:
        if not isinstance(value, str) or not _DATE.match(value):
            self.error(path, "invalid_date", f"{f.name} must be a date YYYY-MM-DD")
            return
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            self.error(path, "invalid_date", f"{value!r} is not a calendar date")

    def integer(self, f: FieldDef, value: Any, path: str) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            self.error(path, "invalid_type", f"{f.name} must be a whole number")
            return
        self._bounds(f, value, path)

    def number(self, f: FieldDef, value: Any, path: str) -> None:
        if not isinstance(value, int | float) or isinstance(value, bool) or value != value:
            self.error(path, "invalid_type", f"{f.name} must be a number")
            return
        self._bounds(f, value, path)

    def _bounds(self, f: FieldDef, value: float, path: str) -> None:
        if f.minimum is not None and value < f.minimum:
            self.error(path, "out_of_range", f"{f.name} must be at least {f.minimum}")
        if f.maximum is not None and value > f.maximum:
            self.error(path, "out_of_range", f"{f.name} must be at most {f.maximum}")

    def boolean(self, f: FieldDef, value: Any, path: str) -> None:
        if not isinstance(value, bool):
            self.error(path, "invalid_type", f"{f.name} must be true or false")

    def email(self, f: FieldDef, value: Any, path: str) -> None:
        if not isinstance(value, str) or not _EMAIL.match(value) or len(value) > 254:
            self.error(path, "invalid_email", f"{str(value)[:80]!r} is not an email address")

    def oecd_uid(self, f: FieldDef, value: Any, path: str) -> None:
        if not isinstance(value, str):
            self.error(path, "invalid_type", f"{f.name} must be text")
            return
        self._string_content(f, value, path)
        verdict = check_oecd_uid(value)
        if not verdict.compact:
            self.soft(path, "invalid_identifier", f"{value[:80]!r} is not an identifier (no letters or digits)")
        elif verdict.check_digit_ok is None:
            # the BCH has registered a few identifiers of another length (DP-32138-1): keep, but say so
            self.warn(path, "identifier_format", f"{value[:80]!r} is not of the OECD form AAA-EEEEE-V")
        elif not verdict.check_digit_ok:
            # a warning, never a rejection: registered identifiers such as SYN-ØØØJG-2 fail the check
            self.warn(path, "check_digit", f"{value}: " + "; ".join(verdict.warnings or ("check digit mismatch",)))

    def dna_sequence(self, f: FieldDef, value: Any, path: str) -> None:
        if not isinstance(value, str) or not _DNA.match(value):
            self.error(path, "invalid_sequence", f"{f.name} must be upper-case IUPAC nucleotide letters (ACGTN…)")
        elif len(value) > (f.max_length or 100_000):
            self.error(path, "too_long", f"{f.name} is {len(value)} bases; at most {f.max_length or 100_000}")

    def construct(self, f: FieldDef, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            self.error(path, "invalid_type", 'a construct element is {"identifier": …, "type": "sense"}')
            return
        unknown_keys = set(value) - {"identifier", "type", "size"}
        if unknown_keys:
            self.error(path, "unknown_field", f"a construct element has no {sorted(unknown_keys)}")
        self.reference(f, {"identifier": value.get("identifier")}, path)
        if value.get("type", "sense") not in STRAND_TYPES:
            self.error(f"{path}/type", "invalid_value", f"type must be one of {sorted(STRAND_TYPES)}")
        size = value.get("size")
        if size is not None and (not isinstance(size, int | float) or isinstance(size, bool) or size <= 0):
            self.error(f"{path}/size", "invalid_value", "size is a positive number of kilobases")


Check = Callable[[_Checker, FieldDef, Any, str], None]

_CHECKS: dict[str, Check] = {
    kind: getattr(_Checker, kind)
    for kind in (
        "text", "mltext", "term", "reference", "link", "date", "integer", "number", "boolean",
        "email", "oecd_uid", "dna_sequence", "construct",
    )
}  # fmt: skip


def _present(value: Any) -> bool:
    kind = type(value)
    # the JSON types first, by identity (a body is parsed JSON): the hot path of every field
    if kind is str:
        return bool(value.strip())
    if kind is list or kind is dict:
        return bool(value)
    if value is None:
        return False
    if isinstance(value, str | list | dict):
        return bool(value.strip() if isinstance(value, str) else value)
    return True


@dataclass(frozen=True)
class _Requirement:
    """A field that is, or may become, mandatory or recommended, with its messages written once."""

    name: str
    path: str
    required: bool
    required_when: Predicate | None
    recommended: bool
    recommended_when: Predicate | None
    required_message: str
    recommended_message: str


@dataclass(frozen=True)
class _Plan:
    """What ``validate`` needs of a record type, worked out once per type instead of once per body."""

    #: field name → (definition, check of one value, JSON pointer, whether a list, its context condition)
    fields: dict[str, tuple[FieldDef, Check, str, bool, Predicate | None]]
    requirements: tuple[_Requirement, ...]


_PLANS: dict[int, tuple[RecordType, _Plan]] = {}


def _plan(record_type: RecordType) -> _Plan:
    # keyed by identity: a record type is immutable, and one registered again is a new object (the
    # entry keeps the old one alive, so its id cannot be reused by another type)
    cached = _PLANS.get(id(record_type))
    if cached is not None and cached[0] is record_type:
        return cached[1]
    plan = _Plan(
        fields={
            name: (f, _CHECKS[f.kind], f"/{name}", f.many, f.allowed_when) for name, f in record_type.fields.items()
        },
        requirements=tuple(
            _Requirement(
                name=f.name,
                path=f"/{f.name}",
                required=f.required,
                required_when=f.required_when,
                recommended=f.recommended,
                recommended_when=f.recommended_when,
                required_message=f"{f.label_in('en')} ({f.name}) is mandatory",
                recommended_message=f"{f.label_in('en')} ({f.name}) should be given",
            )
            for f in record_type.requirement_fields
        ),
    )
    _PLANS[id(record_type)] = (record_type, plan)
    return plan


def validate(
    record_type: RecordType,
    body: Any,
    *,
    level: str = "publish",
    owner: str | None = None,
) -> ValidationResult:
    """Check ``body`` against ``record_type``; references are only collected (see check_references)."""
    checker = _Checker(record_type, level)
    if not isinstance(body, dict):
        checker.error("", "invalid_type", "a record body is a JSON object")
        return checker.result
    plan = _plan(record_type)
    fields = plan.fields
    for name, value in body.items():
        known = fields.get(name)
        if known is None:
            checker.error(f"/{name}", "unknown_field", f"{record_type.code} has no field {name!r}")
            continue
        if not _present(value):
            continue
        f, check, path, many, allowed_when = known
        if allowed_when is not None and not allowed_when(body):
            checker.soft(path, "not_allowed", f"{f.name} does not apply in this context")
        if not many:
            check(checker, f, value, path)
        elif not isinstance(value, list):
            checker.error(path, "invalid_type", f"{f.name} must be a list")
        else:
            for i, item in enumerate(value):
                check(checker, f, item, f"{path}/{i}")
    for need in plan.requirements:
        value = body.get(need.name)
        if value is not None and _present(value):
            continue
        if need.required or (need.required_when is not None and need.required_when(body)):
            checker.soft(need.path, "required", need.required_message)
        elif need.recommended or (need.recommended_when is not None and need.recommended_when(body)):
            checker.warn(need.path, "recommended", need.recommended_message)
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


def check_references(
    result: ValidationResult,
    types_of: Mapping[str, str],
    *,
    level: str = "publish",
) -> None:
    """Add issues for references to unknown records or to records of a type the field excludes.

    ``types_of`` maps record identifiers (GUIDs, upper case) to their type code; the caller builds
    it from storage (and, in a load, from the records being loaded).
    """
    strict = level == "publish"
    for use in result.references:
        found = types_of.get(use.identifier)
        if found is None:
            issue = Issue(use.path, "unknown_reference", f"no record {use.identifier}")
        elif found not in use.targets:
            issue = Issue(
                use.path, "wrong_reference_type", f"{use.identifier} is a {found}; expected {'/'.join(use.targets)}"
            )
        else:
            continue
        if strict or issue.code == "wrong_reference_type":
            result.errors.append(issue)
        else:
            result.warnings.append(Issue(issue.path, issue.code, issue.message, severity="warning"))
