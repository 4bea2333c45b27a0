"""What an LMO's page shows: the record, and its profile gathered from the records that refer to it.

Besides the record itself: the crop and parent organisms, traits and techniques, the genetic
construct in order, the countries' decisions as a matrix of scopes, the risk assessments, the
detection methods (primers, probe, amplicon, source), the LMOs stacked from this one, and
information from other databases (:mod:`openbch.web.extensions`). The page itself (found by any
spelling of the unique identifier) and its QR code are in :mod:`openbch.web.views.lmo`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from openbch.records.models import Record, RecordState
from openbch.records.queries import PublishedRecord, latest_revisions, linking_records
from openbch.recordtypes import get_record_type
from openbch.vocabularies import get_vocabulary
from openbch.web.display import (
    SCOPES,
    Ref,
    Text,
    country_name,
    country_url,
    decision_scopes,
    localized,
    record_url,
    record_view,
    safe_link,
    term_text,
    type_label,
    uid_check,
)
from openbch.web.extensions import other_databases
from openbch.web.templatetags.openbch_web import icon
from openbch.web.views.common import page_language
from openbch.web.views.record_context import record_context

__all__ = ["SUMMARY_FIELDS", "lmo_context"]

#: fields the summary shows; the rest of the record follows under "More about this LMO"
SUMMARY_FIELDS = (
    "identity",
    "transformationEvent",
    "hasUniqueIdentification",
    "uniqueIdentification",
    "tradeNames",
    "recipientOrganisms",
    "traits",
    "techniqueUsed",
    "genes",
    "geneConstructs",
)


@dataclass
class DecisionRow:
    url: str
    country: str
    country_name: str
    date: str
    title: Text
    scopes: frozenset[str]
    result: Text | None
    types: list[Text]
    reference_number: str
    withdrawn: bool
    shown_scopes: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class CountryRow:
    country: str
    country_name: str
    url: str
    scopes: set[str] = field(default_factory=set)
    decisions: list[DecisionRow] = field(default_factory=list)
    cells: list[tuple[dict[str, Any], bool]] = field(default_factory=list)


def _texts(vocabulary: str, value: Any, language: str) -> list[Text]:
    items = value if isinstance(value, list) else [value] if value else []
    return [t for t in (term_text(vocabulary, item, language) for item in items) if t is not None]


def _first_text(vocabulary: str, value: Any, language: str) -> Text | None:
    found = _texts(vocabulary, value, language)
    return found[0] if found else None


def _decision(item: PublishedRecord, language: str) -> DecisionRow:
    body = item.body
    results = _texts("decision-results", body.get("decisionResult"), language)
    return DecisionRow(
        url=record_url(item.record, body),
        country=item.record.owner,
        country_name=country_name(item.record.owner, language),
        date=str(body.get("date") or ""),
        title=localized(body.get("title"), language) or Text(item.uid),
        scopes=decision_scopes(body),
        result=results[0] if results else None,
        types=_texts("decision-types", body.get("decisionTypes"), language),
        reference_number=str(body.get("referenceNumber") or ""),
        withdrawn=item.record.state == RecordState.WITHDRAWN,
    )


def _detection_method(item: PublishedRecord, language: str) -> dict[str, Any]:
    body = item.body

    def primer(name: str, sequence: str) -> dict[str, Any] | None:
        if not body.get(sequence) and not body.get(name):
            return None
        return {"name": body.get(name) or "", "sequence": body.get(sequence) or ""}

    source = body.get("sourceUrl")
    source_url: Mapping[str, Any] = source if isinstance(source, Mapping) else {}
    return {
        "url": record_url(item.record, body),
        "code": body.get("methodCode") or item.uid,
        "title": localized(body.get("title"), language),
        "type": _first_text("detection-method-types", body.get("methodType"), language),
        "format": _first_text("detection-method-formats", body.get("methodFormat"), language),
        "target": body.get("targetName") or "",
        "forward": primer("forwardPrimerName", "forwardPrimer"),
        "reverse": primer("reversePrimerName", "reversePrimer"),
        "probe": primer("probeName", "probe"),
        "amplicon_size": body.get("ampliconSize"),
        "amplicon": body.get("amplicon") or "",
        "source": body.get("sourceDatabase") or "",
        "source_url": safe_link(source_url.get("url")),
        "reference": body.get("methodReference") or "",
    }


def _risk_assessment(item: PublishedRecord, language: str) -> dict[str, Any]:
    body = item.body
    record_type = get_record_type(item.record.type)
    return {
        "url": record_url(item.record, body),
        "title": localized(body.get("title"), language) or Text(item.uid),
        "country": item.record.owner,
        "country_name": country_name(item.record.owner, language) if record_type.is_national else "",
        "type_label": type_label(record_type, language),
        "date": body.get("date") or "",
        "scopes": _texts("ra-scopes", body.get("scopes"), language),
    }


def _construct(view: Any, body: Mapping[str, Any], language: str) -> tuple[list[dict[str, Any]], bool]:
    """The genetic elements in the order of the construct (else the unordered list of elements)."""
    items = body.get("geneConstructs") or []
    ordered = bool(items)
    if not ordered:
        items = body.get("genes") or []
    elements = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping):
            continue
        ref: Ref = view.references.ref(str(item.get("identifier", "")))
        gene = view.references.items.get(ref.identifier)
        gene_body: Mapping[str, Any] = gene.body if gene is not None else {}
        size = item.get("size")
        elements.append(
            {
                "ref": ref,
                "abbreviation": gene_body.get("abbreviation") or "",
                "category": term_text("element-categories", gene_body.get("family"), language),
                "orientation": item.get("type") if item.get("type") in ("sense", "antisense") else "",
                "size": size if isinstance(size, int | float) and not isinstance(size, bool) else None,
            }
        )
    return elements, ordered


def _organisms(view: Any, body: Mapping[str, Any], language: str) -> list[dict[str, Any]]:
    shown = []
    for item in body.get("recipientOrganisms") or []:
        if not isinstance(item, Mapping):
            continue
        ref = view.references.ref(str(item.get("identifier", "")))
        target = view.references.items.get(ref.identifier)
        common = []
        if target is not None and target.record.type == "ORGA":
            names = target.body.get("commonNames") or []
            common = [t for t in (localized(n, language) for n in names if isinstance(n, Mapping)) if t][:3]
        shown.append({"ref": ref, "is_lmo": ref.type == "LMO", "common_names": common})
    return shown


def _trait_paths(body: Mapping[str, Any], language: str) -> list[dict[str, Any]]:
    vocabulary = get_vocabulary("lmo-traits")
    shown = []
    for item in body.get("traits") or []:
        text = term_text("lmo-traits", item, language)
        if text is None:
            continue
        term_id = str(item.get("identifier", "")) if isinstance(item, Mapping) else ""
        chain: list[str] = []
        current = vocabulary.terms[term_id].broader if term_id in vocabulary else None
        while current and current in vocabulary and len(chain) < 6:
            chain.insert(0, vocabulary.terms[current].label_in(language))
            current = vocabulary.terms[current].broader
        shown.append({"text": text, "broader": " › ".join(chain), "id": term_id})
    return shown


def lmo_context(request: HttpRequest, item: PublishedRecord, *, printing: bool) -> dict[str, Any]:
    """The context of an LMO's article: what every record page shows, with the LMO's profile."""
    language = page_language()
    body = item.body
    view = record_view(item, language, skip=SUMMARY_FIELDS)
    grouped = linking_records(item.record)
    # the summary shows decisions, risk assessments, methods and stacks; the backlinks list the rest
    shown_elsewhere = {
        ("DEC", "modifiedOrganisms"),
        ("RA", "modifiedOrganisms"),
        ("IRA", "modifiedOrganisms"),
        ("DM", "targetLmos"),
        ("LMO", "recipientOrganisms"),
    }
    rest = {name: [r for r in records if (r.type, name) not in shown_elsewhere] for name, records in grouped.items()}
    context = record_context(request, item, printing=printing, view=view, links={k: v for k, v in rest.items() if v})
    everything = {r.identifier: r for records in grouped.values() for r in records}
    resolved = {p.record.identifier: p for p in latest_revisions(list(everything.values()))}

    def referencing(field_name: str, *types: str) -> list[PublishedRecord]:
        records: list[Record] = grouped.get(field_name, [])
        return [resolved[r.identifier] for r in records if r.type in types and r.identifier in resolved]

    decisions = sorted(
        (_decision(d, language) for d in referencing("modifiedOrganisms", "DEC")),
        key=lambda d: (d.country_name, d.date, d.url),
    )
    # the scopes with their labels and icons made once: a page may list hundreds of decisions
    scopes = [
        {"id": s.id, "label": str(s.label), "icon": icon(s.id), "on": icon(s.id, "icon scope-on")} for s in SCOPES
    ]
    countries: dict[str, CountryRow] = {}
    for decision in decisions:
        row = countries.get(decision.country) or countries.setdefault(
            decision.country, CountryRow(decision.country, decision.country_name, country_url(decision.country))
        )
        row.decisions.append(decision)
        if not decision.withdrawn:
            row.scopes |= decision.scopes
    for decision in decisions:
        decision.shown_scopes = [scope for scope in scopes if scope["id"] in decision.scopes]
    for row in countries.values():
        row.cells = [(scope, scope["id"] in row.scopes) for scope in scopes]
    stacks = [view.references.of(p) for p in referencing("recipientOrganisms", "LMO")]
    unique = str(body.get("uniqueIdentification") or "").strip()
    construct, ordered = _construct(view, body, language)
    context.update(
        {
            "lmo": {
                "unique": unique,
                "check": uid_check(unique) if unique else None,
                "name": localized(body.get("identity"), language),
                "event": body.get("transformationEvent") or "",
                "trade_names": [t for t in body.get("tradeNames") or [] if isinstance(t, str)],
                "organisms": _organisms(view, body, language),
                "traits": _trait_paths(body, language),
                "techniques": _texts("techniques", body.get("techniqueUsed"), language),
                "construct": construct,
                "construct_ordered": ordered,
                "gene_edited": body.get("isGeneEdited"),
            },
            "scopes": scopes,
            "countries": list(countries.values()),
            "decisions": decisions,
            "risk_assessments": [_risk_assessment(p, language) for p in referencing("modifiedOrganisms", "RA", "IRA")],
            "detection_methods": sorted(
                (_detection_method(p, language) for p in referencing("targetLmos", "DM")),
                key=lambda m: str(m["code"]),
            ),
            "stacks": stacks,
            "other_databases": other_databases(item, language),
            "qr_url": reverse("web:lmo_qr", args=[unique]) if unique and "/" not in unique else None,
        }
    )
    return context
