"""Compile a record-type definition (JSON, see docs/record-format.md §2) into a RecordType.

Compilation checks the definition itself (kinds, vocabularies, targets, conditions, form) and
fails loudly with the offending key, so a broken definition never reaches run time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from openbch.core.errors import NotFoundError
from openbch.core.multilingual import localize
from openbch.recordtypes.conditions import ConditionError, Predicate, compile_condition, condition_fields
from openbch.vocabularies import get_vocabulary

__all__ = ["KINDS", "DefinitionError", "FieldDef", "RecordType", "Rule", "compile_definition"]

KINDS = frozenset(
    {
        "text", "mltext", "term", "reference", "link", "date", "integer", "number", "boolean",
        "email", "oecd_uid", "dna_sequence", "construct",
    }
)  # fmt: skip
FAMILIES = frozenset({"national", "reference"})
SEARCH_MODES = frozenset({"text", "keyword", "identifier"})
#: kinds a search hit can show as text without reading other records (a reference would need its
#: target's title, a link or a sequence is no identifying text)
HIT_KINDS = frozenset({"text", "mltext", "term", "date", "integer", "number", "boolean", "email", "oecd_uid"})
_CODE = re.compile(r"^[A-Z]{2,5}$")
_SLUG = re.compile(r"^[a-z][a-z0-9-]*$")
_FIELD = re.compile(r"^[a-zA-Z][a-zA-Z0-9]*$")


class DefinitionError(ValueError):
    """A record-type definition is malformed; the message names the type and the key."""


@dataclass(frozen=True)
class FieldDef:
    name: str
    kind: str
    label: Mapping[str, str]
    many: bool = False
    help: Mapping[str, str] = field(default_factory=dict)
    required: bool = False
    required_when: Predicate | None = None
    recommended: bool = False
    recommended_when: Predicate | None = None
    allowed_when: Predicate | None = None
    vocabulary: str | None = None
    allow_other: bool = False
    targets: tuple[str, ...] = ()
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    search: str | None = None
    facet: bool = False
    #: the definition as written (conditions included), served to clients building forms
    raw: Mapping[str, Any] = field(default_factory=dict)

    def label_in(self, language: str) -> str:
        shown = localize(self.label, language)
        return shown.text if shown else self.name


@dataclass(frozen=True)
class Rule:
    when: Predicate
    require_one_of: tuple[str, ...] = ()
    forbid_all_of: tuple[str, ...] = ()
    message: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordType:
    code: str
    slug: str
    family: str
    version: int
    label: Mapping[str, str]
    label_plural: Mapping[str, str]
    title_fields: tuple[str, ...]
    fields: dict[str, FieldDef]
    rules: tuple[Rule, ...]
    export: tuple[str, ...]
    form: tuple[Mapping[str, Any], ...]
    raw: Mapping[str, Any]
    #: the record's own date (a decision's date, a law's entry into force); None: the type has none
    date_field: str | None = None
    #: the identifying fields a search hit carries beside its title, in this order
    hit_fields: tuple[str, ...] = ()

    @cached_property
    def requirement_fields(self) -> tuple[FieldDef, ...]:
        """Fields that are, or may become, mandatory or recommended (checked even when absent)."""
        return tuple(
            f
            for f in self.fields.values()
            if f.required or f.required_when is not None or f.recommended or f.recommended_when is not None
        )

    @property
    def is_national(self) -> bool:
        return self.family == "national"

    @property
    def search_fields(self) -> list[FieldDef]:
        return [f for f in self.fields.values() if f.search]

    @property
    def facets(self) -> list[FieldDef]:
        return [f for f in self.fields.values() if f.facet]

    @property
    def reference_fields(self) -> list[FieldDef]:
        return list(self._reference_fields)

    @cached_property
    def _reference_fields(self) -> tuple[FieldDef, ...]:
        return tuple(f for f in self.fields.values() if f.kind in ("reference", "construct"))

    @cached_property
    def reference_field_names(self) -> tuple[str, ...]:
        """Fields that hold references (the links a publication derives), computed once per type."""
        return tuple(f.name for f in self._reference_fields)

    @cached_property
    def oecd_uid_field_names(self) -> tuple[str, ...]:
        """Fields that hold OECD unique identifiers (the keys a publication derives)."""
        return tuple(f.name for f in self.fields.values() if f.kind == "oecd_uid")

    def label_in(self, language: str) -> str:
        shown = localize(self.label, language)
        return shown.text if shown else self.code

    def title(self, body: Mapping[str, Any], language: str = "en") -> str:
        """The display title: the first title field with a value."""
        for name in self.title_fields:
            value = body.get(name)
            if isinstance(value, str) and value.strip():
                return value
            if isinstance(value, dict):
                shown = localize(value, language)
                if shown:
                    return shown.text
        return ""


def _ml(value: Any, where: str) -> Mapping[str, str]:
    if not isinstance(value, dict) or not isinstance(value.get("en"), str):
        raise DefinitionError(f"{where}: needs a multilingual object with at least 'en'")
    return value


def _field(spec: Mapping[str, Any], where: str, vocabulary_of: Mapping[str, str | None]) -> FieldDef:
    name = spec.get("name")
    if not isinstance(name, str) or not _FIELD.match(name):
        raise DefinitionError(f"{where}: field name {name!r} is not a valid identifier")
    where = f"{where}.{name}"
    kind = spec.get("kind")
    if kind not in KINDS:
        raise DefinitionError(f"{where}: unknown kind {kind!r} (one of {sorted(KINDS)})")
    vocabulary = spec.get("vocabulary")
    if kind == "term":
        if not isinstance(vocabulary, str):
            raise DefinitionError(f"{where}: a term field names its vocabulary")
        try:
            get_vocabulary(vocabulary)
        except NotFoundError:
            raise DefinitionError(f"{where}: unknown vocabulary {vocabulary!r}") from None
    targets = tuple(spec.get("targets", ()))
    if kind in ("reference", "construct") and not targets:
        raise DefinitionError(f"{where}: a reference field names its target types")
    search = spec.get("search")
    if search is not None and search not in SEARCH_MODES:
        raise DefinitionError(f"{where}: search must be one of {sorted(SEARCH_MODES)}")

    def condition(key: str) -> Predicate | None:
        if key not in spec:
            return None
        try:
            return compile_condition(spec[key], vocabulary_of)
        except ConditionError as exc:
            raise DefinitionError(f"{where}.{key}: {exc}") from None

    return FieldDef(
        name=name,
        kind=kind,
        label=_ml(spec.get("label"), f"{where}.label"),
        many=bool(spec.get("many", False)) or kind == "construct",
        help=spec.get("help", {}),
        required=bool(spec.get("required", False)),
        required_when=condition("required_when"),
        recommended=bool(spec.get("recommended", False)),
        recommended_when=condition("recommended_when"),
        allowed_when=condition("allowed_when"),
        vocabulary=vocabulary if kind == "term" else None,
        allow_other=bool(spec.get("allow_other", False)),
        targets=targets,
        max_length=spec.get("max_length"),
        minimum=spec.get("min"),
        maximum=spec.get("max"),
        search=search,
        facet=bool(spec.get("facet", False)),
        raw=dict(spec),
    )


def compile_definition(data: Mapping[str, Any], known_codes: frozenset[str] | None = None) -> RecordType:
    """Compile one definition. ``known_codes`` are the type codes references may target."""
    code = data.get("code")
    if not isinstance(code, str) or not _CODE.match(code):
        raise DefinitionError(f"record type code {code!r} must be 2-5 upper-case letters")
    where = f"record type {code}"
    slug = data.get("slug")
    if not isinstance(slug, str) or not _SLUG.match(slug):
        raise DefinitionError(f"{where}: slug {slug!r} must be kebab-case")
    family = data.get("family")
    if family not in FAMILIES:
        raise DefinitionError(f"{where}: family must be one of {sorted(FAMILIES)}")
    specs = data.get("fields")
    if not isinstance(specs, list) or not specs:
        raise DefinitionError(f"{where}: needs a non-empty list of fields")
    vocabulary_of: dict[str, str | None] = {}
    for spec in specs:
        if isinstance(spec, dict) and isinstance(spec.get("name"), str):
            if spec["name"] in vocabulary_of:
                raise DefinitionError(f"{where}: field {spec['name']!r} is defined twice")
            vocabulary_of[spec["name"]] = spec.get("vocabulary") if spec.get("kind") == "term" else None
    fields = {f.name: f for f in (_field(s, where, vocabulary_of) for s in specs)}

    codes = (known_codes or frozenset()) | {code}
    for f in fields.values():
        unknown = [t for t in f.targets if t not in codes]
        if known_codes is not None and unknown:
            raise DefinitionError(f"{where}.{f.name}: unknown target types {unknown}")
    if family == "national":
        government = fields.get("government")
        if not government or government.kind != "term" or government.vocabulary != "countries":
            raise DefinitionError(f"{where}: a national type needs a 'government' term field (countries)")
        if not government.required:
            raise DefinitionError(f"{where}: 'government' must be required")

    rules = []
    for i, spec in enumerate(data.get("rules", ())):
        try:
            when = compile_condition(spec["when"], vocabulary_of)
        except (ConditionError, KeyError) as exc:
            raise DefinitionError(f"{where}.rules[{i}]: {exc}") from None
        named = [*spec.get("require_one_of", ()), *spec.get("forbid_all_of", ())]
        if not named or any(n not in fields for n in named):
            raise DefinitionError(f"{where}.rules[{i}]: names no field or an unknown field")
        rules.append(
            Rule(
                when=when,
                require_one_of=tuple(spec.get("require_one_of", ())),
                forbid_all_of=tuple(spec.get("forbid_all_of", ())),
                message=spec.get("message", {}),
            )
        )

    title_fields = tuple(data.get("title_fields", ()))
    export = tuple(data.get("export", ()))
    form = tuple(data.get("form", ()))
    for name in (*title_fields, *export):
        if name not in fields:
            raise DefinitionError(f"{where}: title/export names unknown field {name!r}")
    in_form = [n for section in form for n in section.get("fields", ())]
    if form and sorted(in_form) != sorted(fields):
        missing = sorted(set(fields) - set(in_form))
        extra = sorted(set(in_form) - set(fields))
        twice = sorted({n for n in in_form if in_form.count(n) > 1})
        raise DefinitionError(
            f"{where}: the form must show every field once (missing {missing}, unknown {extra}, twice {twice})"
        )
    for f in fields.values():
        for key in ("required_when", "allowed_when", "recommended_when"):
            if key in f.raw and not condition_fields(f.raw[key]) <= set(fields):
                raise DefinitionError(f"{where}.{f.name}.{key}: names an unknown field")

    date_field = data.get("date_field", next((f.name for f in fields.values() if f.kind == "date"), None))
    if date_field is not None and (date_field not in fields or fields[date_field].kind != "date"):
        raise DefinitionError(f"{where}: date_field {date_field!r} is not a date field of the type")
    hit_fields = _hit_fields(data, fields, family, date_field, where)

    return RecordType(
        code=code,
        slug=slug,
        family=family,
        version=int(data.get("version", 1)),
        label=_ml(data.get("label"), f"{where}.label"),
        label_plural=data.get("label_plural") or data["label"],
        title_fields=title_fields,
        fields=fields,
        rules=tuple(rules),
        export=export or tuple(fields),
        form=form or ({"label": data["label"], "fields": list(fields)},),
        raw=dict(data),
        date_field=date_field,
        hit_fields=hit_fields,
    )


def _hit_fields(
    data: Mapping[str, Any], fields: Mapping[str, FieldDef], family: str, date_field: str | None, where: str
) -> tuple[str, ...]:
    """``hit_fields`` as declared, else what identifies any record: its country (national types),
    its own date and its OECD unique identifiers."""
    declared = data.get("hit_fields")
    if declared is None:
        names = ["government"] if family == "national" else []
        names += [date_field] if date_field else []
        names += [f.name for f in fields.values() if f.kind == "oecd_uid"]
        return tuple(names)
    if not isinstance(declared, list) or not all(isinstance(n, str) for n in declared):
        raise DefinitionError(f"{where}: hit_fields is a list of field names")
    for name in declared:
        if name not in fields:
            raise DefinitionError(f"{where}: hit_fields names unknown field {name!r}")
        if fields[name].kind not in HIT_KINDS:
            raise DefinitionError(
                f"{where}: hit_fields.{name} is a {fields[name].kind} field; a hit shows {sorted(HIT_KINDS)}"
            )
    if len(set(declared)) != len(declared):
        raise DefinitionError(f"{where}: hit_fields names a field twice")
    return tuple(declared)
