"""One form for every record type, generated from its definition (its fields and ``form`` sections).

Two directions, both pure apart from reading referenced records' titles:

* :func:`parse_body` turns a POSTed form into a record body (the JSON the API takes). It does not
  judge the values: a malformed one is kept as typed so that the validator — the same one the API
  uses — names it.
* :func:`build_form` turns a body, and the issues the validator found in it, into sections of
  :class:`FieldForm` for the templates: widgets by field kind, the page's languages for
  multilingual text, vocabulary choices (narrower terms indented), and each message next to its
  field.

Conditional fields are decided here, on the server, with the definition's own predicates (the
validator's): a field whose ``allowed_when`` does not hold is marked ``hidden_by_condition``; the
stylesheet hides it only when JavaScript runs (htmx then re-renders the region when a field the
conditions read changes), so without JavaScript every field is shown and validation still applies.

HTML names: ``f.<field>`` for one value, ``f.<field>.<i>`` for item ``i`` of a repeated field, and
a suffix for the parts of a value: ``.<language>`` (multilingual text), ``.url``/``.name`` (link),
``.identifier``/``.type``/``.size`` (construct element), ``.other`` (the text of an "other" term).
Repeated terms are checkbox lists named ``f.<field>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext

from openbch.core.errors import Issue
from openbch.core.multilingual import LANGUAGE_CODE, UN_LANGUAGES
from openbch.identifiers.record_uid import parse_record_uid
from openbch.records.models import Record
from openbch.recordtypes import FieldDef, RecordType, record_types
from openbch.recordtypes.conditions import condition_fields
from openbch.recordtypes.validate import parse_reference
from openbch.vocabularies import get_vocabulary
from openbch.web.display import RTL_LANGUAGES, Ref, References, language_name, localized, type_label

__all__ = [
    "Choice",
    "FieldForm",
    "FormView",
    "Item",
    "LangInput",
    "Message",
    "SectionForm",
    "build_form",
    "form_languages",
    "issues_from",
    "parse_body",
]

#: kinds whose value is one string typed into one input
SCALAR_KINDS = frozenset({"text", "email", "oecd_uid", "dna_sequence", "date", "integer", "number"})
INPUT_TYPES = {"date": "date", "email": "email", "integer": "number", "number": "number"}
_INTEGER = re.compile(r"^[+-]?\d+$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


# ---------------------------------------------------------------------------------------------
# form → body


def _text(data: QueryDict, name: str) -> str:
    # textareas send CRLF line ends: stored text uses LF
    return data.get(name, "").replace("\r\n", "\n").strip()


def resolve_reference(text: str) -> str:
    """A GUID (``@revision`` allowed) as is; a record UID (``BCH-LMO-SCBD-12``) as its record's GUID;
    anything else unchanged, for the validator to name."""
    text = text.strip()
    if not text:
        return text
    if parse_reference(text) is not None:
        return text.upper()
    try:
        uid = parse_record_uid(text)
    except ValueError:
        return text
    identifier = (
        Record.objects.filter(type=uid.type, owner=uid.owner, number=uid.number)
        .values_list("identifier", flat=True)
        .first()
    )
    return identifier or text


def _languages_in(data: QueryDict, prefix: str) -> list[str]:
    found = []
    for key in data:
        if key.startswith(prefix + "."):
            code = key[len(prefix) + 1 :]
            if LANGUAGE_CODE.match(code):
                found.append(code)
    return found


def _mltext(data: QueryDict, prefix: str) -> dict[str, str] | None:
    value = {code: _text(data, f"{prefix}.{code}") for code in _languages_in(data, prefix)}
    value = {code: text for code, text in value.items() if text}
    return value or None


def _number(text: str, kind: str) -> Any:
    if kind == "integer" and _INTEGER.match(text):
        return int(text)
    if kind == "number" and _NUMBER.match(text):
        number = float(text)
        return int(number) if number.is_integer() and _INTEGER.match(text) else number
    return text  # not a number: kept as typed, the validator names it


def _item(f: FieldDef, data: QueryDict, prefix: str, language: str) -> Any:
    """One value of ``f`` from the inputs named ``prefix…``; None when nothing was entered."""
    kind = f.kind
    if kind in SCALAR_KINDS:
        text = _text(data, prefix)
        if not text:
            return None
        return _number(text, kind) if kind in ("integer", "number") else text
    if kind == "boolean":
        return {"true": True, "false": False}.get(data.get(prefix, ""))
    if kind == "mltext":
        return _mltext(data, prefix)
    if kind == "reference":
        text = _text(data, prefix)
        return {"identifier": resolve_reference(text)} if text else None
    if kind == "link":
        url, name = _text(data, f"{prefix}.url"), _text(data, f"{prefix}.name")
        if not url and not name:
            return None
        link: dict[str, Any] = {"url": url}
        if name:
            link["name"] = name
        return link
    if kind == "construct":
        identifier = _text(data, f"{prefix}.identifier")
        if not identifier:
            return None
        element: dict[str, Any] = {"identifier": resolve_reference(identifier)}
        strand = data.get(f"{prefix}.type", "sense")
        element["type"] = strand
        size = _text(data, f"{prefix}.size")
        if size:
            element["size"] = _number(size, "number")
        return element
    if kind == "term":
        term_id = data.get(prefix, "").strip()
        if not term_id:
            return None
        return _term(term_id, _text(data, f"{prefix}.other"), language)
    return None


def _term(term_id: str, other: str, language: str) -> dict[str, Any]:
    if term_id == "other":
        return {"identifier": "other", "customValue": {language: other}} if other else {"identifier": "other"}
    return {"identifier": term_id}


def _indices(data: QueryDict, prefix: str) -> list[int]:
    pattern = re.compile(rf"^{re.escape(prefix)}\.(\d+)(\.|$)")
    return sorted({int(m.group(1)) for key in data if (m := pattern.match(key))})


def parse_body(record_type: RecordType, data: QueryDict, language: str) -> dict[str, Any]:
    """The record body the form describes: fields left empty are absent, items left empty dropped."""
    body: dict[str, Any] = {}
    for f in record_type.fields.values():
        prefix = f"f.{f.name}"
        value: Any
        if f.many and f.kind == "term":
            value = [_term(t, _text(data, f"{prefix}.other"), language) for t in data.getlist(prefix) if t.strip()]
        elif f.many:
            items = (_item(f, data, f"{prefix}.{i}", language) for i in _indices(data, prefix))
            value = [item for item in items if item is not None]
        else:
            value = _item(f, data, prefix, language)
        if value not in (None, [], {}):
            body[f.name] = value
    return body


# ---------------------------------------------------------------------------------------------
# issues → messages next to their fields


@dataclass(frozen=True)
class Message:
    id: str
    text: str
    severity: str  # error | warning
    field: str  # the field it belongs to ("" = the whole record)
    where: str = ""
    anchor: str = ""  # the id of the input the summary links to
    label: str = ""  # the field's label


#: codes whose message the interface says in the page language (the validator's are English)
def _message_text(issue: Issue, record_type: RecordType) -> str:
    f = record_type.fields.get(issue.path.strip("/").split("/")[0])
    if issue.code == "required" and f is not None:
        return gettext("%(field)s is mandatory.") % {"field": f.label_in(_language())}
    if issue.code == "recommended" and f is not None:
        return gettext("%(field)s should be given.") % {"field": f.label_in(_language())}
    if issue.code == "not_allowed" and f is not None:
        return gettext("%(field)s does not apply to this record as filled in: clear it.") % {
            "field": f.label_in(_language())
        }
    if issue.code == "unknown_reference":
        return gettext("No published record has this identifier.")
    if issue.code == "require_one_of":
        for rule in record_type.rules:
            if rule.require_one_of and issue.path == f"/{rule.require_one_of[0]}":
                shown = localized(rule.message, _language())
                if shown:
                    return shown.text
    return issue.message


def _language() -> str:
    from openbch.web.display import page_language

    return page_language()


def issues_from(raw: Iterable[Issue | Mapping[str, Any]]) -> list[Issue]:
    """Issues as the services raise them, or as a draft keeps its warnings (dicts)."""
    found = []
    for item in raw:
        if isinstance(item, Issue):
            found.append(item)
        else:
            found.append(
                Issue(
                    str(item.get("path", "")),
                    str(item.get("code", "")),
                    str(item.get("message", "")),
                    str(item.get("severity", "error")),
                )
            )
    return found


def _where(record_type: RecordType, parts: Sequence[str], language: str) -> str:
    shown = []
    for part in parts[1:]:
        if part.isdigit():
            shown.append(gettext("item %(n)s") % {"n": int(part) + 1})
        elif LANGUAGE_CODE.match(part) and part not in ("identifier", "url", "name", "type", "size"):
            shown.append(language_name(part, language))
    return ", ".join(shown)


def _messages(record_type: RecordType, issues: Sequence[Issue], language: str) -> list[Message]:
    messages = []
    for n, issue in enumerate(issues):
        parts = [p for p in issue.path.split("/") if p]
        name = parts[0] if parts and parts[0] in record_type.fields else ""
        messages.append(
            Message(
                id=f"msg-{n + 1}",
                text=_message_text(issue, record_type),
                severity="warning" if issue.severity == "warning" else "error",
                field=name,
                where=_where(record_type, parts, language) if name else "",
            )
        )
    return messages


# ---------------------------------------------------------------------------------------------
# body → form


@dataclass(frozen=True)
class LangInput:
    code: str
    name: str
    html_name: str
    id: str
    value: str
    dir: str


@dataclass
class Item:
    """One value's inputs: ``html_name`` is the prefix of their names, ``id`` of their ids."""

    html_name: str
    id: str
    number: int = 0  # 1-based, for labels of repeated fields
    value: str = ""
    langs: list[LangInput] = field(default_factory=list)
    url: str = ""
    link_name: str = ""
    strand: str = "sense"
    size: str = ""
    other: str = ""
    ref: Ref | None = None


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    depth: int
    selected: bool
    id: str

    @property
    def indent(self) -> str:
        # a select's options cannot be styled per level everywhere: indent with no-break spaces
        return "\u00a0\u00a0" * self.depth


@dataclass
class FieldForm:
    definition: FieldDef
    label: str
    help: str
    widget: str  # input | textarea | mltext | boolean | select | checkboxes | reference | link | construct
    items: list[Item]
    choices: list[Choice] = field(default_factory=list)
    other_text: str = ""
    input_type: str = "text"
    required: bool = False
    recommended: bool = False
    conditional: bool = False
    applies: bool = True
    source: bool = False
    messages: list[Message] = field(default_factory=list)
    targets: str = ""
    target_labels: str = ""

    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def many(self) -> bool:
        return self.definition.many

    @property
    def allow_other(self) -> bool:
        return self.definition.allow_other

    @property
    def dom_id(self) -> str:
        return f"field-{self.name}"

    @property
    def anchor(self) -> str:
        """The id of the first input: where the error summary's link moves the focus."""
        if self.widget == "checkboxes" and self.choices:
            return self.choices[0].id
        if not self.items:
            return self.dom_id
        item = self.items[0]
        if self.widget == "mltext" and item.langs:
            return item.langs[0].id
        if self.widget in ("link", "construct"):
            return f"{item.id}-{'url' if self.widget == 'link' else 'identifier'}"
        return item.id

    @property
    def hidden_by_condition(self) -> bool:
        return not self.applies and not self.has_value

    @property
    def group(self) -> bool:
        """Several inputs under one legend (a fieldset) rather than one input with its label."""
        return self.many or self.widget in ("mltext", "checkboxes", "link", "construct")

    @property
    def has_value(self) -> bool:
        return any(c.selected for c in self.choices if c.value) or any(
            i.value or i.url or i.link_name or any(lang.value for lang in i.langs) for i in self.items
        )

    @property
    def invalid(self) -> bool:
        return any(m.severity == "error" for m in self.messages)

    @property
    def described_by(self) -> str:
        ids = [m.id for m in self.messages]
        if self.help:
            ids.append(f"{self.dom_id}-help")
        return " ".join(ids)


@dataclass
class SectionForm:
    label: str
    slug: str
    fields: list[FieldForm]

    @property
    def hidden_by_condition(self) -> bool:
        return all(f.hidden_by_condition for f in self.fields)


@dataclass
class FormView:
    record_type: RecordType
    sections: list[SectionForm]
    languages: list[LangInput]  # the language checkboxes (value "1" = shown)
    messages: list[Message]

    @property
    def errors(self) -> list[Message]:
        return [m for m in self.messages if m.severity == "error"]

    @property
    def warnings(self) -> list[Message]:
        return [m for m in self.messages if m.severity == "warning"]


_SOURCES: dict[int, frozenset[str]] = {}


def condition_sources(record_type: RecordType) -> frozenset[str]:
    """The fields the type's conditions read: a change to one of them re-renders the form."""
    key = id(record_type)
    if key not in _SOURCES:
        found: set[str] = set()
        for f in record_type.fields.values():
            for name in ("required_when", "allowed_when", "recommended_when"):
                if name in f.raw:
                    found |= condition_fields(f.raw[name])
        for rule in record_type.raw.get("rules", ()):
            found |= condition_fields(rule.get("when", {}))
        _SOURCES[key] = frozenset(found)
    return _SOURCES[key]


def form_languages(body: Mapping[str, Any], chosen: Iterable[str], language: str) -> list[str]:
    """The languages multilingual fields offer: the page's, those chosen, and every one with text."""
    present: set[str] = set()
    for value in body.values():
        for item in value if isinstance(value, list) else [value]:
            # a multilingual text: an object whose keys are all language codes ("url" looks like one)
            if (
                isinstance(item, dict)
                and item
                and "url" not in item
                and all(isinstance(k, str) and LANGUAGE_CODE.match(k) for k in item)
            ):
                present.update(k for k, v in item.items() if isinstance(v, str) and v.strip())
    wanted = {language, *chosen, *present} - {""}
    ordered = [language, *(c for c in UN_LANGUAGES if c != language)]
    return [c for c in ordered if c in wanted] + sorted(wanted - set(ordered))


def _lang_inputs(prefix: str, id_prefix: str, value: Any, languages: Sequence[str], page: str) -> list[LangInput]:
    texts = value if isinstance(value, dict) else {}
    return [
        LangInput(
            code=code,
            name=language_name(code, page),
            html_name=f"{prefix}.{code}",
            id=f"{id_prefix}-{code}",
            value=str(texts.get(code, "")) if texts.get(code) is not None else "",
            dir="rtl" if code.split("-")[0] in RTL_LANGUAGES else "ltr",
        )
        for code in languages
    ]


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return ""
    return str(value)


def _custom_text(value: Any, language: str) -> str:
    if isinstance(value, dict) and value.get("identifier") == "other":
        shown = localized(value.get("customValue"), language)
        return shown.text if shown else ""
    return ""


def _make_item(f: FieldDef, value: Any, prefix: str, dom: str, number: int, ctx: _Context) -> Item:
    item = Item(html_name=prefix, id=dom, number=number)
    if f.kind == "mltext":
        item.langs = _lang_inputs(prefix, dom, value, ctx.languages, ctx.language)
    elif f.kind == "reference":
        identifier = value.get("identifier", "") if isinstance(value, dict) else ""
        item.value = str(identifier)
        item.ref = ctx.references.ref(item.value) if parse_reference(item.value) else None
    elif f.kind == "link":
        if isinstance(value, dict):
            item.url = _scalar(value.get("url"))
            item.link_name = _scalar(value.get("name"))
    elif f.kind == "construct":
        if isinstance(value, dict):
            item.value = _scalar(value.get("identifier"))
            item.strand = _scalar(value.get("type")) or "sense"
            item.size = _scalar(value.get("size"))
            item.ref = ctx.references.ref(item.value) if parse_reference(item.value) else None
    elif f.kind == "term":
        item.value = _scalar(value.get("identifier")) if isinstance(value, dict) else ""
        item.other = _custom_text(value, ctx.language)
    else:
        item.value = _scalar(value)
    return item


@dataclass
class _Context:
    language: str
    languages: list[str]
    references: References
    extra: frozenset[str]  # repeated fields given one more empty item ("Add another")


def _choices(f: FieldDef, selected: set[str], language: str) -> list[Choice]:
    assert f.vocabulary is not None
    vocabulary = get_vocabulary(f.vocabulary)
    children: dict[str | None, list[str]] = {}
    for term in vocabulary:
        parent = term.broader if term.broader in vocabulary else None
        children.setdefault(parent, []).append(term.id)
    out: list[Choice] = []

    def walk(parent: str | None, depth: int) -> None:
        for term_id in children.get(parent, []):
            term = vocabulary.terms[term_id]
            out.append(Choice(term_id, term.label_in(language), depth, term_id in selected, f"f-{f.name}-{term_id}"))
            walk(term_id, depth + 1)

    walk(None, 0)
    if f.allow_other:
        out.append(Choice("other", gettext("Other"), 0, "other" in selected, f"f-{f.name}-other"))
    return out


def _widget(f: FieldDef) -> str:
    if f.kind == "term":
        return "checkboxes" if f.many else "select"
    if f.kind in ("mltext", "boolean", "reference", "link", "construct"):
        return f.kind
    if f.kind == "dna_sequence":
        return "textarea"
    return "input"


def _field_form(f: FieldDef, body: Mapping[str, Any], ctx: _Context, sources: frozenset[str]) -> FieldForm:
    value = body.get(f.name)
    language = ctx.language
    help_text = localized(f.help, language)
    form = FieldForm(
        definition=f,
        label=f.label_in(language),
        help=help_text.text if help_text else "",
        widget=_widget(f),
        items=[],
        input_type=INPUT_TYPES.get(f.kind, "text"),
        required=f.required or (f.required_when is not None and f.required_when(body)),
        recommended=f.recommended or (f.recommended_when is not None and f.recommended_when(body)),
        conditional=f.allowed_when is not None,
        applies=f.allowed_when is None or f.allowed_when(body),
        source=f.name in sources,
    )
    if f.kind in ("reference", "construct"):
        types = record_types()
        form.targets = ",".join(f.targets)
        form.target_labels = ", ".join(type_label(types[t], language) for t in f.targets if t in types)
    prefix, dom = f"f.{f.name}", f"f-{f.name}"
    if f.kind == "term":
        values = value if isinstance(value, list) else [value] if value else []
        ids = {str(v.get("identifier")) for v in values if isinstance(v, dict)}
        form.choices = _choices(f, ids, language)
        if f.many:
            form.other_text = next((t for t in (_custom_text(v, language) for v in values) if t), "")
            return form
    if f.many:
        values = value if isinstance(value, list) else []
        count = len(values) + (2 if f.name in ctx.extra else 1)  # always one empty item to add a value
        form.items = [
            _make_item(f, values[i] if i < len(values) else None, f"{prefix}.{i}", f"{dom}-{i}", i + 1, ctx)
            for i in range(count)
        ]
    else:
        form.items = [_make_item(f, value, prefix, dom, 0, ctx)]
    return form


def _reference_ids(record_type: RecordType, body: Mapping[str, Any]) -> set[str]:
    found: set[str] = set()
    for f in record_type.reference_fields:
        value = body.get(f.name)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict) and (parsed := parse_reference(str(item.get("identifier", "")))):
                found.add(parsed[0])
    return found


def build_form(
    record_type: RecordType,
    body: Mapping[str, Any],
    *,
    language: str,
    chosen_languages: Iterable[str] = (),
    issues: Sequence[Issue] = (),
    add_item_to: Iterable[str] = (),
) -> FormView:
    """The form's sections for ``body``, with ``issues`` placed next to their fields."""
    languages = form_languages(body, chosen_languages, language)
    references = References(language)
    references.load(_reference_ids(record_type, body))
    ctx = _Context(language, languages, references, frozenset(add_item_to))
    sources = condition_sources(record_type)
    messages = _messages(record_type, issues, language)
    sections: list[SectionForm] = []
    by_name: dict[str, FieldForm] = {}
    for index, section in enumerate(record_type.form):
        label = localized(section.get("label"), language)
        fields = []
        for name in section.get("fields", ()):
            f = record_type.fields.get(name)
            if f is None:
                continue
            form = _field_form(f, body, ctx, sources)
            by_name[name] = form
            fields.append(form)
        sections.append(SectionForm(label.text if label else "", f"section-{index + 1}", fields))
    placed = []
    for message in messages:
        owner = by_name.get(message.field)
        if owner is not None:
            message = Message(
                message.id, message.text, message.severity, message.field, message.where, owner.anchor, owner.label
            )
            owner.messages.append(message)
        placed.append(message)
    shown = set(languages)
    checkboxes = [
        LangInput(
            code=code,
            name=language_name(code, language),
            html_name="_lang",
            id=f"lang-{code}",
            value="1" if code in shown else "",
            dir="rtl" if code in RTL_LANGUAGES else "ltr",
        )
        for code in [*UN_LANGUAGES, *(c for c in languages if c not in UN_LANGUAGES)]
    ]
    return FormView(record_type, sections, checkboxes, placed)
