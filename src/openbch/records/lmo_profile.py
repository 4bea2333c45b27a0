"""Everything the clearing-house holds on one LMO, found by any spelling of its unique identifier.

This is what a customs officer or a laboratory asks for: the LMO as registered, the countries'
decisions on it, its genetic elements and the methods that detect it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from openbch.core.errors import NotFoundError
from openbch.core.multilingual import localize
from openbch.identifiers.oecd import check as check_oecd_uid
from openbch.identifiers.oecd import first_eight
from openbch.records.models import Record, RecordKey, RecordState
from openbch.records.queries import (
    PUBLIC_STATES,
    PublishedRecord,
    find_lmos_by_oecd_uid,
    latest_revisions,
    linking_records,
)
from openbch.recordtypes.validate import parse_reference
from openbch.vocabularies import get_vocabulary

__all__ = ["ProfileSection", "lmo_profile", "register_profile_section"]

#: builds one section of a profile from the LMO's latest published revision, in a language
ProfileSection = Callable[[PublishedRecord, str], Any]
_sections: dict[str, ProfileSection] = {}


def register_profile_section(name: str, build: ProfileSection) -> None:
    """Add the section ``name`` to every LMO profile (registering a name again replaces it)."""
    _sections[name] = build


def _text(value: Any, language: str) -> str | None:
    if isinstance(value, dict):
        shown = localize(value, language)
        return shown.text if shown else None
    return value if isinstance(value, str) else None


def _terms(value: Any, vocabulary: str, language: str) -> list[dict[str, str]]:
    items = value if isinstance(value, list) else [value] if value else []
    terms = get_vocabulary(vocabulary)
    shown = []
    for item in items:
        term_id = item.get("identifier", "") if isinstance(item, dict) else ""
        if term_id == "other":
            shown.append({"id": "other", "label": _text(item.get("customValue"), language) or "other"})
        elif term_id in terms:
            shown.append({"id": term_id, "label": terms.terms[term_id].label_in(language)})
    return shown


def _first(terms: list[dict[str, str]]) -> dict[str, str] | None:
    return terms[0] if terms else None


def _referenced(body: dict[str, Any], field: str) -> list[Record]:
    items = body.get(field) or []
    identifiers = [
        p[0] for item in items if isinstance(item, dict) and (p := parse_reference(item.get("identifier", "")))
    ]
    found = {r.identifier: r for r in Record.objects.filter(identifier__in=identifiers, state__in=PUBLIC_STATES)}
    return [found[i] for i in identifiers if i in found]


def _decision(item: PublishedRecord, language: str) -> dict[str, Any]:
    body = item.body
    return {
        "uid": item.uid,
        "country": item.record.owner,
        "title": _text(body.get("title"), language),
        "decision_types": _terms(body.get("decisionTypes"), "decision-types", language),
        "decision_date": body.get("date"),
        "reference_number": body.get("referenceNumber"),
        "uses": _terms(body.get("uses"), "ffp-uses", language),
        "result": _first(_terms(body.get("decisionResult"), "decision-results", language)),
        "state": item.record.state,
    }


def _detection_method(item: PublishedRecord, language: str) -> dict[str, Any]:
    body = item.body
    return {
        "uid": item.uid,
        "method_code": body.get("methodCode"),
        "title": _text(body.get("title"), language),
        "method_type": _first(_terms(body.get("methodType"), "detection-method-types", language)),
        "target": body.get("targetName"),
        "forward_primer": {"name": body.get("forwardPrimerName"), "sequence": body.get("forwardPrimer")},
        "reverse_primer": {"name": body.get("reversePrimerName"), "sequence": body.get("reversePrimer")},
        "probe": {"name": body.get("probeName"), "sequence": body.get("probe")} if body.get("probe") else None,
        "amplicon_size": body.get("ampliconSize"),
        "source_database": body.get("sourceDatabase"),
        "source_url": (body.get("sourceUrl") or {}).get("url"),
    }


def _element(item: PublishedRecord, language: str) -> dict[str, Any]:
    body = item.body
    return {
        "uid": item.uid,
        "name": _text(body.get("name"), language),
        "abbreviation": body.get("abbreviation"),
        "category": _first(_terms(body.get("family"), "element-categories", language)),
    }


def _suggestions(text: str) -> list[str]:
    """Registered identifiers with the same first eight characters (a verifier-digit typo)."""
    prefix = first_eight(text)
    if len(prefix) != 8:
        return []
    keys = RecordKey.objects.filter(kind="oecd", value__startswith=prefix, record__type="LMO")
    records = Record.objects.filter(pk__in=keys.values("record_id"), state__in=PUBLIC_STATES)
    return [str(p.body.get("uniqueIdentification")) for p in latest_revisions(records)]


def lmo_profile(text: str, *, language: str = "en") -> dict[str, Any]:
    """The LMO registered under ``text`` (any spelling of its OECD unique identifier), with its links."""
    verdict = check_oecd_uid(text)
    candidates = find_lmos_by_oecd_uid(text)
    if not candidates:
        hint = _suggestions(text)
        more = f"; registered with the same first eight characters: {', '.join(hint)}" if hint else ""
        raise NotFoundError(f"no LMO registered under {text[:80]!r} (compact key {verdict.compact[:80]!r}){more}")
    lmo = latest_revisions(candidates[:1])[0]
    body = lmo.body
    registered = str(body.get("uniqueIdentification", ""))
    decisions = linking_records(lmo.record, types=["DEC"]).get("modifiedOrganisms", [])
    methods = linking_records(lmo.record, types=["DM"]).get("targetLmos", [])
    elements = latest_revisions(_referenced(body, "genes"))
    organisms = latest_revisions(_referenced(body, "recipientOrganisms"))
    return {
        "uid": lmo.uid,
        "identifier": lmo.record.identifier,
        "unique_identifier": registered,
        "unique_identifier_check": check_oecd_uid(registered).as_dict(),
        "query": verdict.as_dict(),
        "name": _text(body.get("identity"), language),
        "transformation_event": body.get("transformationEvent"),
        "trade_names": body.get("tradeNames", []),
        "organisms": [{"uid": o.uid, "type": o.record.type, "name": o.record.title} for o in organisms],
        "traits": _terms(body.get("traits"), "lmo-traits", language),
        "genetic_elements": [_element(e, language) for e in elements],
        "decisions": sorted(
            (_decision(d, language) for d in latest_revisions(decisions)),
            key=lambda d: (d["country"], d["decision_date"] or "", d["uid"]),
        ),
        "detection_methods": [_detection_method(m, language) for m in latest_revisions(methods)],
        "other_matches": [r.uid for r in candidates[1:]],
        "withdrawn": lmo.record.state == RecordState.WITHDRAWN,
        **{name: build(lmo, language) for name, build in _sections.items()},
    }
