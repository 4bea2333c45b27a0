"""Our records in the central BCH's document shape, and BCH documents as our records.

One table drives both directions and the documentation: ``bch_mapping.json`` lists, per record type
the BCH documents (country decision, LMO, competent authority, law, independent risk assessment),
every BCH field of SCBD's schema documentation with our field, whether it ``maps``, maps ``partly``
or does ``not``, and why. ``docs/bch-exchange.md`` is rendered from it (:func:`render_mapping_doc`).

The BCH shape (``bch-platform.md`` §1.2): ``{"header": {"identifier", "schema", "languages"}, …}``;
text in ``lstring`` maps ``{"en": …}``; controlled values as terms ``{"identifier": GUID|code,
"customValue"?}`` (the term ``5B6177DD-…`` is "Other", its text in ``customValue``); references
``{"identifier": "GUID[@revision]"}``; links ``{"url", "name"?, "language"?, "tags"?}``.

* :func:`to_bch` writes any record type. Types outside the table are written field by field
  under their own names (our names follow the BCH's) and said to be unchecked in ``_openbch``.
* :func:`from_bch` reads the five tabled types; every problem is an :class:`Issue` with the BCH
  field's path and a ``bch_*`` code, all raised together in one ValidationFailedError. The
  ``_openbch.unmapped`` of our own export is read back, so openbch → BCH shape → openbch loses nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, NamedTuple

from openbch.core.errors import Issue, ValidationFailedError
from openbch.recordtypes import RecordType, get_record_type
from openbch.recordtypes.definition import FieldDef
from openbch.vocabularies import get_vocabulary

__all__ = [
    "OTHER_TERM",
    "SCHEMAS",
    "FieldMap",
    "FromBch",
    "TypeMap",
    "from_bch",
    "mapping",
    "render_mapping_doc",
    "to_bch",
]

#: the BCH thesaurus term "Other (please specify)"; its text travels in ``customValue``
OTHER_TERM = "5B6177DD-5E5E-434E-8CB7-D63D67D5EBED"

#: our record-type code → the BCH schema name (``bch-platform.md`` §2.1); DM has no BCH schema
SCHEMAS: dict[str, str | None] = {
    "DEC": "biosafetyDecision",
    "LMO": "modifiedOrganism",
    "CNA": "authority",
    "LAW": "biosafetyLaw",
    "IRA": "independentRiskAssessment",
    "RA": "nationalRiskAssessment",
    "GENE": "dnaSequence",
    "ORGA": "organism",
    "LAB": "laboratoryDetection",
    "ORG": "organization",
    "CON": "contact",
    "NFP": "focalPoint",
    "DM": None,
}

STATUSES = ("maps", "partly", "not")


@dataclass(frozen=True)
class FieldMap:
    """One row of the table: a BCH field (``""``: ours only) and our field (``""``: the BCH's only)."""

    bch: str
    ours: str
    status: str
    type: str = ""
    mandatory: bool = False
    note: str = ""

    @property
    def carried(self) -> bool:
        """Whether values travel between the two fields (both exist and the status is not ``not``)."""
        return bool(self.bch and self.ours and self.bch != "header" and self.status != "not")


@dataclass(frozen=True)
class TypeMap:
    code: str
    schema: str
    doc: str
    fields: tuple[FieldMap, ...]

    def by_bch(self) -> dict[str, FieldMap]:
        return {f.bch: f for f in self.fields if f.bch}

    def by_ours(self) -> dict[str, FieldMap]:
        return {f.ours: f for f in self.fields if f.ours}


@cache
def mapping() -> dict[str, TypeMap]:
    """The field mapping table, by our record-type code."""
    text = (resources.files("openbch.interop") / "bch_mapping.json").read_text(encoding="utf-8")
    data = json.loads(text)
    tables: dict[str, TypeMap] = {}
    for raw in data["types"]:
        rows = tuple(
            FieldMap(
                bch=row["bch"],
                ours=row["ours"],
                status=row["status"],
                type=row.get("type", ""),
                mandatory=bool(row.get("mandatory")),
                note=row.get("note", ""),
            )
            for row in raw["fields"]
        )
        for row in rows:
            if row.status not in STATUSES:
                raise ValueError(f"bch_mapping.json {raw['code']}.{row.bch or row.ours}: status {row.status!r}")
        tables[raw["code"]] = TypeMap(raw["code"], raw["schema"], raw["doc"], rows)
    return tables


@cache
def _bch_terms(vocabulary: str) -> dict[str, str]:
    """BCH term GUID (upper case) → our term id, for the terms that carry a ``bch_id``."""
    return {
        str(term.extra["bch_id"]).upper(): term.id for term in get_vocabulary(vocabulary) if term.extra.get("bch_id")
    }


def _languages_of(body: Mapping[str, Any], record_type: RecordType) -> list[str]:
    found: set[str] = set()
    for name, spec in record_type.fields.items():
        value = body.get(name)
        if spec.kind == "mltext" and isinstance(value, Mapping):
            found |= {k for k, v in value.items() if v}
    return sorted(found) or ["en"]


# -- ours → BCH ---------------------------------------------------------------------------------


def _term_out(value: Any, spec: FieldDef) -> Any:
    if not isinstance(value, Mapping):
        return value
    identifier = str(value.get("identifier", ""))
    if identifier == "other":
        return {"identifier": OTHER_TERM, "customValue": dict(value.get("customValue") or {})}
    if spec.vocabulary == "countries":
        return {"identifier": identifier.lower()}
    term = get_vocabulary(spec.vocabulary or "").terms.get(identifier)
    if term is not None and term.extra.get("bch_id"):
        return {"identifier": str(term.extra["bch_id"])}
    # no BCH GUID known for our term: the BCH's own way to say something its thesaurus lacks
    label = dict(term.label) if term is not None else {"en": identifier}
    return {"identifier": OTHER_TERM, "customValue": label}


def _construct_out(value: Any) -> Any:
    if not isinstance(value, list):
        return value
    cassette = []
    for element in value:
        if isinstance(element, Mapping):
            item: dict[str, Any] = {"type": element.get("type", "sense"), "identifier": element.get("identifier")}
            if element.get("size") is not None:
                item["size"] = element["size"]
            cassette.append(item)
    return [cassette] if cassette else []


def _value_out(value: Any, spec: FieldDef) -> Any:
    def one(item: Any) -> Any:
        if spec.kind == "term":
            return _term_out(item, spec)
        if spec.kind == "link" and isinstance(item, Mapping):
            return {k: item[k] for k in ("url", "name", "language") if item.get(k)}
        if spec.kind == "reference" and isinstance(item, Mapping):
            return {"identifier": item.get("identifier")}
        return item

    if spec.kind == "construct":
        return _construct_out(value)
    if spec.many and isinstance(value, list):
        return [one(v) for v in value]
    return one(value)


def to_bch(
    record_type: str,
    body: Mapping[str, Any],
    *,
    identifier: str,
    languages: Iterable[str] | None = None,
) -> dict[str, Any]:
    """A record body in the BCH's document shape.

    Fields that do not map are left out of the document and listed, with their values, under
    ``_openbch.unmapped``; for types outside the table, ``_openbch.unchecked`` lists the fields
    written under their own names without a check against SCBD's documentation.
    """
    rt = get_record_type(record_type)
    table = mapping().get(rt.code)
    schema = SCHEMAS.get(rt.code)
    document: dict[str, Any] = {
        "header": {
            "identifier": identifier,
            "schema": schema,
            "languages": sorted(languages) if languages else _languages_of(body, rt),
        }
    }
    unmapped: dict[str, Any] = {}
    unchecked: list[str] = []
    rows = table.by_ours() if table else {}
    for name, spec in rt.fields.items():
        if name not in body:
            continue
        row = rows.get(name)
        if table is None:
            if schema is None:
                unmapped[name] = body[name]
                continue
            unchecked.append(name)
            document[name] = _value_out(body[name], spec)
        elif row is None or not row.carried:
            unmapped[name] = body[name]
        else:
            document[row.bch] = _value_out(body[name], spec)
    extra: dict[str, Any] = {"type": rt.code, "mapping": "table" if table else "same-name"}
    if unmapped:
        extra["unmapped"] = unmapped
    if unchecked:
        extra["unchecked"] = unchecked
    document["_openbch"] = extra
    return document


# -- BCH → ours ---------------------------------------------------------------------------------


class FromBch(NamedTuple):
    record_type: str
    owner: str
    body: dict[str, Any]
    warnings: list[Issue]


#: resolves a BCH reference GUID to one of our record identifiers (None: unknown)
Resolve = Callable[[str], str | None]


@cache
def _types_by_schema() -> dict[str, str]:
    return {table.schema: code for code, table in mapping().items()}


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


class _Reader:
    """Converts one BCH document's values, collecting issues instead of stopping at the first."""

    def __init__(self, resolve: Resolve | None) -> None:
        self.resolve = resolve
        self.errors: list[Issue] = []
        self.warnings: list[Issue] = []

    def fail(self, path: str, code: str, message: str) -> None:
        self.errors.append(Issue(path, code, message))

    def lstring(self, value: Any, path: str) -> dict[str, str] | None:
        if isinstance(value, Mapping) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            return {k: v for k, v in value.items() if v.strip()}
        self.fail(path, "bch_invalid_value", "an lstring is a map of language codes to text")
        return None

    def text(self, value: Any, path: str) -> str | None:
        if isinstance(value, str):
            return value
        if isinstance(value, Mapping):  # an lstring where we keep one text
            shown = self.lstring(value, path)
            return (shown.get("en") or next(iter(shown.values()), "")) if shown else None
        self.fail(path, "bch_invalid_value", "a string")
        return None

    def term(self, value: Any, spec: FieldDef, path: str) -> dict[str, Any] | None:
        if not isinstance(value, Mapping) or not isinstance(value.get("identifier"), str):
            self.fail(path, "bch_invalid_value", 'a term is {"identifier": …}')
            return None
        identifier = value["identifier"].strip()
        vocabulary = get_vocabulary(spec.vocabulary or "")
        if spec.vocabulary == "countries" and identifier.lower() in vocabulary:
            return {"identifier": identifier.lower()}
        known = _bch_terms(vocabulary.name).get(identifier.upper())
        if known:
            return {"identifier": known}
        if identifier.upper() == OTHER_TERM:
            custom = self.lstring(value.get("customValue") or {}, f"{path}/customValue")
            if custom:
                text = custom.get("en") or next(iter(custom.values()))
                term = vocabulary.lookup(text)
                if term is not None:
                    return {"identifier": term.id}
                if spec.allow_other:
                    return {"identifier": "other", "customValue": custom}
            self.fail(
                path,
                "bch_unknown_term",
                f"an 'Other' term whose text is not a term of {vocabulary.name}"
                + ("" if spec.allow_other else ", and the field allows no other value"),
            )
            return None
        self.fail(path, "bch_unknown_term", f"{identifier[:80]!r} is not a BCH term of {vocabulary.name} known here")
        return None

    def reference(self, value: Any, path: str) -> dict[str, str] | None:
        if not isinstance(value, Mapping) or not isinstance(value.get("identifier"), str) or not value["identifier"]:
            self.fail(path, "bch_invalid_value", 'a reference is {"identifier": "GUID[@revision]"}')
            return None
        guid, _, revision = value["identifier"].partition("@")
        if self.resolve is None:
            return {"identifier": value["identifier"]}
        ours = self.resolve(guid)
        if ours is None:
            self.fail(path, "bch_unresolved_reference", f"no record here is the BCH's {guid[:80]!r}")
            return None
        # the BCH's revision number pins a BCH revision: it holds only for the very same record
        pinned = revision if ours.upper() == guid.upper() and revision.isdigit() else ""
        return {"identifier": f"{ours}@{pinned}" if pinned else ours}

    def date(self, value: Any, path: str) -> str | None:
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value[:10]).isoformat()
            except ValueError:
                pass
        self.fail(path, "bch_invalid_value", "a date (ISO 8601, YYYY-MM-DD[THH:MM…])")
        return None

    def link(self, value: Any, path: str) -> dict[str, str] | None:
        if isinstance(value, Mapping) and isinstance(value.get("url"), str) and value["url"]:
            return {k: str(value[k]) for k in ("url", "name", "language") if isinstance(value.get(k), str) and value[k]}
        self.fail(path, "bch_invalid_value", 'a link is {"url": …, "name"?, "language"?}')
        return None

    def construct(self, value: Any, path: str) -> list[dict[str, Any]] | None:
        if not isinstance(value, list):
            self.fail(path, "bch_invalid_value", "a list of cassettes (lists of elements)")
            return None
        elements: list[dict[str, Any]] = []
        for c, cassette in enumerate(value):
            for e, element in enumerate(cassette if isinstance(cassette, list) else [cassette]):
                where = f"{path}/{c}/{e}"
                if not isinstance(element, Mapping):
                    self.fail(where, "bch_invalid_value", "an element {type, identifier, size}")
                    continue
                reference = self.reference({"identifier": element.get("identifier")}, f"{where}/identifier")
                if reference is None:
                    continue
                kind = str(element.get("type", "sense"))
                item: dict[str, Any] = {
                    **reference,
                    "type": "antisense" if kind.startswith("antisense") else "sense",
                }
                if isinstance(element.get("size"), int | float) and not isinstance(element.get("size"), bool):
                    item["size"] = element["size"]
                elements.append(item)
        return elements

    def one(self, value: Any, spec: FieldDef, path: str) -> Any:
        kind = spec.kind
        if kind == "mltext":
            return self.lstring(value, path)
        if kind in ("text", "oecd_uid", "email", "dna_sequence"):
            return self.text(value, path)
        if kind == "term":
            return self.term(value, spec, path)
        if kind == "reference":
            return self.reference(value, path)
        if kind == "date":
            return self.date(value, path)
        if kind == "link":
            return self.link(value, path)
        if kind == "boolean":
            if isinstance(value, bool):
                return value
            self.fail(path, "bch_invalid_value", "true or false")
            return None
        if kind == "integer":
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            self.fail(path, "bch_invalid_value", "an integer")
            return None
        self.fail(path, "bch_invalid_value", f"no reading of a {kind} field")
        return None

    def value(self, value: Any, spec: FieldDef, path: str) -> Any:
        if spec.kind == "construct":
            return self.construct(value, path)
        if spec.many:
            if not isinstance(value, list):
                self.fail(path, "bch_invalid_value", "a list")
                return None
            read = [self.one(v, spec, f"{path}/{i}") for i, v in enumerate(value)]
            return [v for v in read if v is not None]
        return self.one(value, spec, path)


def from_bch(
    document: Any,
    *,
    country: str | None = None,
    resolve: Resolve | None = None,
) -> FromBch:
    """A BCH document of a tabled schema as ``(record_type, owner, body, warnings)``.

    ``country``: the government the document must be of (national records). ``resolve``: turns
    BCH reference GUIDs into our identifiers (None keeps references as they are). Raises
    ValidationFailedError with every problem, each with the BCH field path and a ``bch_*`` code.
    """
    if not isinstance(document, Mapping):
        raise ValidationFailedError("a BCH document is a JSON object", issues=[Issue("", "bch_invalid_value", "")])
    header = document.get("header")
    schema = header.get("schema") if isinstance(header, Mapping) else None
    code = _types_by_schema().get(schema) if isinstance(schema, str) else None
    if code is None:
        importable = ", ".join(sorted(_types_by_schema()))
        raise ValidationFailedError(
            "the BCH document is not valid; nothing was written",
            issues=[Issue("/header/schema", "bch_unknown_schema", f"{str(schema)[:60]!r} is not one of {importable}")],
        )
    table = mapping()[code]
    rt = get_record_type(code)
    reader = _Reader(resolve)
    rows = table.by_bch()
    body: dict[str, Any] = {}
    for row in table.fields:
        if not row.bch or row.bch == "header":
            continue
        present = not _empty(document.get(row.bch))
        if row.mandatory and row.carried and not present:
            message = f"{row.bch} is mandatory in the BCH's {table.schema}"
            if rt.fields[row.ours].required:
                reader.fail(f"/{row.bch}", "bch_missing_field", message)
            else:  # we would take the record without it, as from any other source
                reader.warnings.append(Issue(f"/{row.bch}", "bch_missing_field", message, "warning"))
            continue
        if not present:
            continue
        if not row.carried:
            reader.warnings.append(
                Issue(f"/{row.bch}", "bch_not_mapped", f"not kept: {row.note}".strip(), severity="warning")
            )
            continue
        converted = reader.value(document[row.bch], rt.fields[row.ours], f"/{row.bch}")
        if not _empty(converted):
            body[row.ours] = converted
    # our own export carries what the BCH shape has no place for: an openbch node reads it back
    extra = document.get("_openbch")
    unmapped = extra.get("unmapped") if isinstance(extra, Mapping) else None
    if isinstance(unmapped, Mapping):
        carried_here = {r.ours for r in table.fields if r.carried}
        for name, value in unmapped.items():
            if name in rt.fields and name not in carried_here and not _empty(value):
                body[name] = value
    for name in sorted(set(document) - set(rows) - {"header", "_openbch"}):
        reader.warnings.append(
            Issue(f"/{name}", "bch_unknown_field", "not a field of the BCH schema documentation; ignored", "warning")
        )
    owner = "SCBD"
    if rt.is_national:
        government = (
            body.get("government", {}).get("identifier", "") if isinstance(body.get("government"), dict) else ""
        )
        owner = government.upper()
        if country and government and government != country.strip().lower():
            reader.fail(
                "/government",
                "bch_wrong_government",
                f"the document is {government.upper()}'s, not {country.strip().upper()}'s",
            )
    if reader.errors:
        raise ValidationFailedError("the BCH document is not valid; nothing was written", issues=reader.errors)
    return FromBch(code, owner, body, reader.warnings)


# -- the documentation --------------------------------------------------------------------------

_TITLES = {
    "DEC": "Country's decision (DEC) — BCH `biosafetyDecision`",
    "LMO": "Living modified organism (LMO) — BCH `modifiedOrganism`",
    "CNA": "Competent national authority (CNA) — BCH `authority`",
    "LAW": "Law, regulation or guideline (LAW) — BCH `biosafetyLaw`",
    "IRA": "Independent risk assessment (IRA) — BCH `independentRiskAssessment`",
}

_INTRO = """# Exchange with the central BCH: documents in the BCH's shape

<!-- Generated from src/openbch/interop/bch_mapping.json by
     `.venv/bin/python -m openbch.interop.bchshape > docs/bch-exchange.md`; a test checks it is current. -->

openbch reads and writes records in the document shape of the central Biosafety Clearing-House
(SCBD's `api.cbd.int`, see `bch-platform.md` §1.2): a `header` `{identifier, schema, languages}`,
text as `lstring` maps `{"en": …}`, controlled values as thesaurus terms `{"identifier": …}`,
references as `{"identifier": "GUID[@revision]"}`, links as `{url, name, language}`.

* **Export**: `GET /api/v1/records/{uid}/bch` answers any published record in that shape. Our fields
  with no BCH counterpart are not put in the document: they are listed with their values under
  `_openbch.unmapped` (an import reads them back from there, so a document exported by one openbch
  and imported by another loses nothing). Record types the tables below do not cover are written
  field by field under their own names (our names follow the BCH's) and listed under
  `_openbch.unchecked`; the detection method (DM) has no BCH schema (`header.schema` is `null`,
  every field is in `_openbch.unmapped`).
* **Import**: `openbch bch import FILE.json --country XX` publishes (or, with `--draft`, saves as
  drafts) BCH documents of the country — decisions, competent authorities, laws — through the
  normal services, all or nothing; `openbch bch import --harvested --country XX` does the same with
  the `biosafetyDecision` and `authority` documents the `bch-api` harvest recorded; over the API,
  `POST /api/v1/bch/import {country, documents, draft?}` with a `write` token of the country's
  publishing authority (drafts: also its authorized users; another country's token gets 403).
  A record keeps the BCH document's GUID as its identifier and `bch:<GUID>` as its source key, so importing again
  changes nothing and a new BCH revision becomes a new revision here. References resolve to our
  record with that identifier, to a document of the same import, or to the record a `bch-api`
  harvest matched the BCH record to (LMOs by unique identifier); an authority of the import whose
  name is that of one of the country's published authorities is that authority (warning
  `bch_matched_existing`), and so is a harvested BCH authority a decision names.
* **Errors** name the BCH field path and a code, all at once, and nothing is written:
  `bch_missing_field` (a field the BCH's documentation marks mandatory and our record type requires
  too; one we do not require is a warning of the same code), `bch_unknown_term`,
  `bch_wrong_government`, `bch_unresolved_reference`, `bch_invalid_value`, `bch_unknown_schema`.
  Warnings: `bch_not_mapped` (a BCH value with no field here, dropped), `bch_unknown_field`.
* **Terms**: a term of ours with a BCH thesaurus GUID (`bch_id` in `src/openbch/vocabularies/data`)
  is written as that GUID. The others are written as the BCH's "Other" term
  (`5B6177DD-5E5E-434E-8CB7-D63D67D5EBED`) with our label as `customValue`, and an import reads an
  "Other" term back by its label. Countries are ISO 3166-1 alpha-2 codes in lower case (`eu`).
* **Dates** are written as ISO 8601 dates (`1998-04-22`); SCBD's documentation types them
  `DateTime` without saying how the server writes them, so an import reads the date part of either.

The field lists are SCBD's schema documentation (`scbd/clearing-house-documentation` at `c046d43`,
`components/{dec,lmo,cna,law,ira}/request-body.md`), as `shared/data/bch-schema-thesaurus-reference`
extracted them; a test checks every field of that list is in the table. *maps*: same meaning, carried
both ways. *partly*: carried with the loss said. *not*: not carried, and why. Fields marked † are
mandatory in the BCH.
"""


def _coverage(code: str, row: FieldMap) -> str:
    rt = get_record_type(code)
    spec = rt.fields.get(row.ours)
    if spec is None or spec.kind != "term" or spec.vocabulary in (None, "countries"):
        return ""
    terms = list(get_vocabulary(spec.vocabulary))
    with_guid = sum(1 for t in terms if t.extra.get("bch_id"))
    return f" ({with_guid} of {len(terms)} terms of `{spec.vocabulary}` carry a BCH GUID.)"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_mapping_doc() -> str:
    """``docs/bch-exchange.md``: the introduction and one table per tabled record type."""
    parts = [_INTRO]
    for code, table in mapping().items():
        parts.append(f"\n## {_TITLES.get(code, code)}\n")
        parts.append("| BCH field | BCH type | our field | maps? | why / how |")
        parts.append("|---|---|---|---|---|")
        for row in table.fields:
            bch = f"`{row.bch}`{' †' if row.mandatory else ''}" if row.bch else "—"
            ours = f"`{row.ours}`" if row.ours else "—"
            note = row.note + (_coverage(code, row) if row.carried else "")
            parts.append(f"| {bch} | {row.type or '—'} | {ours} | {row.status} | {_cell(note.strip())} |")
    return "\n".join(parts) + "\n"


if __name__ == "__main__":  # pragma: no cover - the documentation generator
    import sys

    sys.stdout.write(render_mapping_doc())
