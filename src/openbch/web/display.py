"""What the pages show of a record, prepared in Python so that templates only lay it out.

Everything comes from the record-type definitions (sections from ``form``, labels in the page's
language) and the vocabularies; multilingual text follows the fallback rule (requested → English →
first present) and says when it fell back. References are resolved in one query per page.
Templates escape everything; nothing here returns HTML.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy

from openbch.core.multilingual import localize
from openbch.identifiers.oecd import check as check_oecd_uid
from openbch.identifiers.oecd import verifier_digit
from openbch.records.models import Record, RecordState
from openbch.records.queries import PUBLIC_STATES, PublishedRecord, latest_revisions
from openbch.recordtypes import FieldDef, RecordType, get_record_type, record_types
from openbch.recordtypes.validate import GUID, parse_reference
from openbch.vocabularies import get_vocabulary

__all__ = [
    "RTL_LANGUAGES",
    "SCOPES",
    "FieldView",
    "RecordView",
    "References",
    "SectionView",
    "Text",
    "country_name",
    "country_url",
    "decision_scopes",
    "language_name",
    "localized",
    "page_language",
    "page_url",
    "record_url",
    "record_view",
    "section_views",
    "term_text",
    "title_of",
    "type_label",
    "uid_check",
]

RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur"})


def page_language() -> str:
    return translation.get_language() or "en"


@dataclass(frozen=True)
class Text:
    """Text to show, with its language when it is record content, and whether it fell back."""

    text: str
    lang: str | None = None
    fallback: bool = False

    def __str__(self) -> str:
        return self.text

    @property
    def rtl(self) -> bool:
        return (self.lang or "").split("-")[0] in RTL_LANGUAGES


def localized(value: Any, language: str) -> Text | None:
    """Multilingual text (``{"en": …}``) or plain text, in ``language`` by the fallback rule."""
    if isinstance(value, str):
        return Text(value) if value.strip() else None
    if isinstance(value, Mapping):
        shown = localize(value, language)
        if shown is None:
            return None
        return Text(shown.text, shown.language, shown.fallback)
    return None


def language_name(code: str, language: str | None = None) -> str:
    """A language's name in the page language (the six UN languages; others by their code)."""
    vocabulary = get_vocabulary("languages")
    term = vocabulary.terms.get(code.split("-")[0])
    return term.label_in(language or page_language()) if term else code


def country_name(code: str, language: str | None = None) -> str:
    """A country's (or the EU's) name from the countries vocabulary; ``SCBD`` is the Secretariat."""
    if code.upper() == "SCBD":
        return gettext("Secretariat (reference records)")
    term = get_vocabulary("countries").terms.get(code.lower())
    return term.label_in(language or page_language()) if term else code


def type_label(record_type: RecordType, language: str | None = None, *, plural: bool = False) -> str:
    """The type's label from its definition; for languages the definition lacks, the interface's
    translation of the English label (the ``web/labels.py`` catalogue), else English."""
    language = language or page_language()
    labels = record_type.label_plural if plural else record_type.label
    shown = localize(labels, language)
    if shown is not None and not shown.fallback:
        return shown.text
    english = labels.get("en", record_type.code)
    return gettext(english) if english else record_type.code


def term_text(vocabulary_name: str | None, item: Any, language: str) -> Text | None:
    """A term value (``{"identifier": …}`` or ``other`` with its custom value) as its label."""
    if not isinstance(item, Mapping):
        return None
    term_id = str(item.get("identifier", ""))
    if term_id == "other":
        custom = localized(item.get("customValue"), language)
        return custom or Text(gettext("Other"))
    vocabulary = get_vocabulary(vocabulary_name) if vocabulary_name else None
    term = vocabulary.terms.get(term_id) if vocabulary is not None else None
    if term is None:
        return Text(term_id) if term_id else None
    shown = localize(term.label, language)
    if shown is None:
        return Text(term_id)
    return Text(shown.text, shown.language, shown.fallback)


def title_of(record_type: RecordType, body: Mapping[str, Any], language: str) -> Text | None:
    """The display title: the first title field with a value, marked when it fell back."""
    for name in record_type.title_fields:
        shown = localized(body.get(name), language)
        if shown is not None:
            return shown
    return None


_MARKER = "00openbch-argument00"
_PREFIXES: dict[tuple[str, str, str, str], tuple[str, str]] = {}


def page_url(name: str, argument: str) -> str:
    """``reverse(name, args=[argument])`` for the one-argument pages, without the resolver's cost
    on every call (pages link hundreds of records): the address around the argument is reversed
    once per page language, the argument is quoted as ``reverse`` quotes it."""
    key = (name, page_language(), str(getattr(settings, "ROOT_URLCONF", "")), get_script_prefix())
    parts = _PREFIXES.get(key)
    if parts is None:
        before, _, after = reverse(name, args=[_MARKER]).partition(_MARKER)
        parts = _PREFIXES[key] = (before, after)
    return parts[0] + quote(argument, safe="!$&'()*+,;=/~:@") + parts[1]


def record_url(record: Record, body: Mapping[str, Any] | None = None) -> str:
    """The page of a record's latest revision: an LMO's by its unique identifier when it has one."""
    if record.type == "LMO" and body and isinstance(body.get("uniqueIdentification"), str):
        unique = str(body["uniqueIdentification"]).strip()
        if unique and "/" not in unique:
            return page_url("web:lmo", unique)
    return page_url("web:record", f"BCH-{record.type}-{record.owner}-{record.number}")


def country_url(code: str) -> str:
    return page_url("web:country", code.lower())


def safe_link(url: Any) -> str | None:
    """The URL if it is http(s) (the only links a record may hold), else None: shown as text."""
    if not isinstance(url, str):
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


@dataclass(frozen=True)
class UidCheck:
    canonical: str | None
    ok: bool | None
    written: str | None = None
    computed: int | None = None


def uid_check(text: str) -> UidCheck:
    """The verifier-digit check of an OECD unique identifier, for display (a warning, never an error)."""
    verdict = check_oecd_uid(text)
    if verdict.check_digit_ok is False and not verdict.is_stack and verdict.canonical:
        return UidCheck(verdict.canonical, False, verdict.compact[-1], verifier_digit(verdict.compact))
    return UidCheck(verdict.canonical, verdict.check_digit_ok)


# ---------------------------------------------------------------------------------------------
# references


@dataclass(frozen=True)
class Ref:
    identifier: str
    url: str | None
    title: Text
    type_label: str
    type: str
    owner: str
    uid: str
    withdrawn: bool = False
    pinned: int | None = None


class References:
    """Referenced records resolved in one query, with their titles in the page language."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.items: dict[str, PublishedRecord] = {}

    def load(self, identifiers: Iterable[str]) -> None:
        wanted = sorted({i for i in identifiers if i not in self.items})
        for start in range(0, len(wanted), 500):
            records = Record.objects.filter(identifier__in=wanted[start : start + 500], state__in=PUBLIC_STATES)
            for item in latest_revisions(records):
                self.items[item.record.identifier] = item

    def add(self, items: Iterable[PublishedRecord]) -> None:
        for item in items:
            self.items.setdefault(item.record.identifier, item)

    def ref(self, reference: str) -> Ref:
        parsed = parse_reference(reference)
        identifier, pinned = (parsed[0], parsed[1]) if parsed else (reference, None)
        item = self.items.get(identifier)
        if item is None:
            return Ref(identifier, None, Text(identifier), gettext("Unpublished record"), "", "", "", pinned=pinned)
        return self.of(item, pinned)

    def of(self, item: PublishedRecord, pinned: int | None = None) -> Ref:
        record = item.record
        record_type = get_record_type(record.type)
        title = title_of(record_type, item.body, self.language) or Text(item.uid)
        return Ref(
            identifier=record.identifier,
            url=record_url(record, item.body),
            title=title,
            type_label=type_label(record_type, self.language),
            type=record.type,
            owner=record.owner,
            uid=item.uid,
            withdrawn=record.state == RecordState.WITHDRAWN,
            pinned=pinned,
        )


def references_in(record_type: RecordType, body: Mapping[str, Any]) -> set[str]:
    found: set[str] = set()
    for f in record_type.reference_fields:
        value = body.get(f.name)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, Mapping) and (parsed := parse_reference(str(item.get("identifier", "")))):
                found.add(parsed[0])
    return found


# ---------------------------------------------------------------------------------------------
# sections and fields


@dataclass(frozen=True)
class Value:
    """One value of a field. ``kind``: text, mltext, term, ref, construct, link, email, bool, uid, dna, date, number."""

    kind: str
    text: Text | None = None
    ref: Ref | None = None
    url: str | None = None
    detail: str = ""
    check: UidCheck | None = None


@dataclass(frozen=True)
class FieldView:
    name: str
    label: str
    kind: str
    values: tuple[Value, ...]
    help: str = ""


@dataclass(frozen=True)
class SectionView:
    label: str
    slug: str
    fields: tuple[FieldView, ...]


ORIENTATION = {
    "sense": gettext_lazy("sense"),
    "antisense": gettext_lazy("antisense"),
}
YES = pgettext_lazy("boolean value", "Yes")
NO = pgettext_lazy("boolean value", "No")


def _value(f: FieldDef, item: Any, language: str, references: References) -> Value | None:
    kind = f.kind
    if item is None or item == "" or item == [] or item == {}:
        return None
    if kind == "mltext":
        shown = localized(item, language)
        return Value("mltext", shown) if shown else None
    if kind == "term":
        shown = term_text(f.vocabulary, item, language)
        return Value("term", shown) if shown else None
    if kind in ("reference", "construct"):
        if not isinstance(item, Mapping):
            return None
        ref = references.ref(str(item.get("identifier", "")))
        detail = ""
        if kind == "construct":
            parts = []
            if item.get("type") in ORIENTATION:
                parts.append(str(ORIENTATION[str(item["type"])]))
            if isinstance(item.get("size"), int | float) and not isinstance(item.get("size"), bool):
                parts.append(f"{item['size']} kb")
            detail = ", ".join(parts)
        return Value("construct" if kind == "construct" else "ref", ref=ref, detail=detail)
    if kind == "link":
        if not isinstance(item, Mapping):
            return None
        raw = str(item.get("url", ""))
        name = localized(item.get("name"), language) if item.get("name") else None
        return Value("link", name or Text(raw), url=safe_link(raw))
    if kind == "email":
        return Value("email", Text(str(item)))
    if kind == "boolean":
        return Value("bool", Text(str(YES if item is True else NO)))
    if kind == "oecd_uid":
        text = str(item).strip()
        url = page_url("web:lmo", text) if text and "/" not in text else None
        return Value("uid", Text(text), url=url, check=uid_check(text))
    if kind == "dna_sequence":
        return Value("dna", Text(str(item)))
    if kind == "date":
        return Value("date", Text(str(item)))
    if kind in ("integer", "number"):
        return Value("number", Text(str(item)))
    if isinstance(item, str):
        return Value("text", Text(item))
    return Value("text", Text(str(item)))


def field_view(f: FieldDef, value: Any, language: str, references: References) -> FieldView | None:
    items = value if isinstance(value, list) else [value]
    shown = tuple(v for v in (_value(f, item, language, references) for item in items) if v is not None)
    if not shown:
        return None
    help_text = localized(f.help, language)
    return FieldView(f.name, f.label_in(language), f.kind, shown, help_text.text if help_text else "")


def section_views(
    record_type: RecordType,
    body: Mapping[str, Any],
    language: str,
    references: References,
    *,
    skip: Sequence[str] = (),
) -> list[SectionView]:
    """The record's sections as the definition's ``form`` lays them out, without empty fields."""
    sections = []
    for index, section in enumerate(record_type.form):
        label = localized(section.get("label"), language)
        fields = tuple(
            view
            for name in section.get("fields", ())
            if name not in skip and name in record_type.fields
            for view in [field_view(record_type.fields[name], body.get(name), language, references)]
            if view is not None
        )
        if fields:
            sections.append(SectionView(label.text if label else "", f"section-{index + 1}", fields))
    return sections


# ---------------------------------------------------------------------------------------------
# a whole record


@dataclass(frozen=True)
class Backlink:
    label: str
    refs: tuple[Ref, ...]


@dataclass
class RecordView:
    item: PublishedRecord
    record_type: RecordType
    title: Text
    type_label: str
    sections: list[SectionView]
    language: str
    references: References
    backlinks: list[Backlink] = field(default_factory=list)

    @property
    def record(self) -> Record:
        return self.item.record

    @property
    def uid(self) -> str:
        return self.item.uid

    @property
    def base_uid(self) -> str:
        return self.item.uid.rsplit("-", 1)[0]

    @property
    def withdrawn(self) -> bool:
        return self.item.record.state == RecordState.WITHDRAWN

    @property
    def is_latest(self) -> bool:
        return self.item.revision.revision == self.item.record.revision

    @property
    def owner_name(self) -> str:
        return country_name(self.item.record.owner, self.language)

    @property
    def is_national(self) -> bool:
        return self.record_type.is_national

    @property
    def languages(self) -> list[str]:
        return [language_name(code, self.language) for code in self.item.revision.languages or []]

    @property
    def missing_language(self) -> bool:
        provided = {code.split("-")[0] for code in self.item.revision.languages or []}
        return bool(provided) and self.language not in provided

    @property
    def published_at(self) -> dt.datetime:
        return self.item.revision.published_at


def record_view(item: PublishedRecord, language: str, *, skip: Sequence[str] = ()) -> RecordView:
    """Sections, title and labels of one revision, with its references resolved."""
    record_type = get_record_type(item.record.type)
    references = References(language)
    references.load(references_in(record_type, item.body))
    title = title_of(record_type, item.body, language) or Text(item.uid)
    sections = section_views(record_type, item.body, language, references, skip=skip)
    return RecordView(item, record_type, title, type_label(record_type, language), sections, language, references)


def backlinks(grouped: Mapping[str, list[Record]], language: str) -> list[Backlink]:
    """What references a record (``linking_records``), as ``{type plural label}: {field label}`` groups."""
    everything = [r for records in grouped.values() for r in records]
    resolved = {p.record.identifier: p for p in latest_revisions(everything)}
    groups: dict[tuple[str, str], list[Ref]] = {}
    references = References(language)
    for field_name, records in grouped.items():
        for record in records:
            item = resolved.get(record.identifier)
            if item is None:
                continue
            record_type = get_record_type(record.type)
            f = record_type.fields.get(field_name)
            key = (record.type, f.label_in(language) if f else field_name)
            groups.setdefault(key, []).append(references.of(item))
    types = record_types()
    out = []
    for (code, label), refs in sorted(groups.items()):
        out.append(Backlink(f"{type_label(types[code], language, plural=True)} — {label}", tuple(refs)))
    return out


# ---------------------------------------------------------------------------------------------
# the scopes of a decision (the LMO page's matrix)


@dataclass(frozen=True)
class Scope:
    id: str
    label: Any


SCOPES: tuple[Scope, ...] = (
    Scope("food", gettext_lazy("Food")),
    Scope("feed", gettext_lazy("Feed")),
    Scope("processing", gettext_lazy("Processing")),
    Scope("cultivation", gettext_lazy("Cultivation / environmental release")),
    Scope("field-trial", gettext_lazy("Field trial")),
    Scope("contained-use", gettext_lazy("Contained use")),
    Scope("import", gettext_lazy("Import")),
    Scope("transit", gettext_lazy("Transit")),
)


def _term_ids(value: Any) -> set[str]:
    items = value if isinstance(value, list) else [value]
    return {str(i.get("identifier")) for i in items if isinstance(i, Mapping) and i.get("identifier")}


def decision_scopes(body: Mapping[str, Any]) -> frozenset[str]:
    """Which of :data:`SCOPES` a decision covers, from its decision types, uses and flags.

    8.1 (intentional introduction into the environment) is cultivation/environmental release; the
    uses of an 8.2 decision (LMOs-FFP) give food, feed, processing; 8.2-import, 8.1 under the AIA
    procedure and 8.3 (simplified procedure) are import decisions; 8.4 transit; 8.5 contained use.
    """
    vocabulary = get_vocabulary("decision-types")
    types: set[str] = set()
    for term in _term_ids(body.get("decisionTypes")):
        types |= vocabulary.with_ancestors(term) if term in vocabulary else {term}
    scopes: set[str] = set(_term_ids(body.get("uses")) & {"food", "feed", "processing"})
    if "8.1" in types or body.get("involvesCommercialRelease") is True:
        scopes.add("cultivation")
    if body.get("involvesFieldTrial") is True:
        scopes.add("field-trial")
    if "8.5" in types:
        scopes.add("contained-use")
    if types & {"8.2-import", "8.1-aia", "8.3"}:
        scopes.add("import")
    if "8.4" in types:
        scopes.add("transit")
    return frozenset(scopes)


def is_guid(text: str) -> bool:
    return bool(GUID.match(text))


# ---------------------------------------------------------------------------------------------
# the differences between two revisions, readable


@dataclass(frozen=True)
class DiffRow:
    op: str
    op_label: str
    field: str
    where: str
    old: Text | None
    new: Text | None


OPERATIONS = {
    "add": gettext_lazy("Added"),
    "remove": gettext_lazy("Removed"),
    "replace": gettext_lazy("Changed"),
}


def _diff_value(f: FieldDef | None, key: str, value: Any, references: References, language: str) -> Text | None:
    if value is None:
        return None
    if f is not None and key == "identifier" and isinstance(value, str):
        if f.kind == "term":
            return term_text(f.vocabulary, {"identifier": value}, language)
        if f.kind in ("reference", "construct"):
            return references.ref(value).title
    if isinstance(value, bool):
        return Text(str(YES if value else NO))
    if isinstance(value, dict | list):  # an empty object or list (leaves are never non-empty containers)
        return Text("—")
    return Text(str(value))


def diff_rows(record_type: RecordType, changes: Sequence[Mapping[str, Any]], language: str) -> list[DiffRow]:
    """``revision_diff`` changes with field labels, term labels and referenced records' titles."""
    references = References(language)
    wanted = [
        str(v)
        for change in changes
        for v in (change.get("old"), change.get("new"))
        if isinstance(v, str) and GUID.match(v.partition("@")[0])
    ]
    references.load(v.partition("@")[0].upper() for v in wanted)
    rows = []
    for change in changes:
        parts = [p for p in str(change.get("path", "")).split("/") if p]
        name = parts[0] if parts else ""
        f = record_type.fields.get(name)
        where = []
        previous = ""
        for part in parts[1:]:
            if part.isdigit():
                where.append(gettext("item %(n)s") % {"n": int(part) + 1})
            elif (f is not None and f.kind == "mltext") or previous == "customValue":
                where.append(language_name(part, language))
            elif part not in ("identifier", "customValue"):
                where.append(part)
            previous = part
        key = parts[-1] if parts else ""
        op = str(change.get("op", ""))
        rows.append(
            DiffRow(
                op=op,
                op_label=str(OPERATIONS.get(op, op)),
                field=f.label_in(language) if f is not None else name,
                where=" › ".join(where),
                old=_diff_value(f, key, change.get("old"), references, language),
                new=_diff_value(f, key, change.get("new"), references, language),
            )
        )
    return rows
