"""What other databases hold on one LMO, for its page and its API record.

:func:`other_databases` returns, per source, the items matched to the LMO (with link, fields,
fetch time, verdict and the source's licence and attribution), the items about stacks that contain
it, the detection methods of every detection source merged by method code and tagged with their
sources (read-only: they come from the sources, nobody edits them here), and the places where a
source disagrees with the registry (identifier spelling, crop, traits, trade names).

Nothing here writes; nothing here is a clearing-house record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from openbch.identifiers.oecd import check as check_oecd_uid
from openbch.identifiers.oecd import compact_key, split_stack
from openbch.interop.models import ExternalItem, ExternalItemKey, Verdict
from openbch.interop.resolve import crop_genus, name_key, trait_roots
from openbch.interop.sources import definitions
from openbch.records.models import Record
from openbch.records.queries import PUBLIC_STATES, PublishedRecord, latest_revisions
from openbch.recordtypes.validate import parse_reference

__all__ = ["other_databases"]

MATCHED = (Verdict.MATCHED, Verdict.MATCHED_WITH_WARNING, Verdict.CONFLICTING)
#: fields a detection-method entry takes from its items (first non-empty wins, sources in order)
METHOD_FIELDS = (
    "scope",
    "description",
    "reference",
    "forward_primer",
    "reverse_primer",
    "probe",
    "amplicon_size",
    "format",
    "accession",
)


def _published(lmo: PublishedRecord | Record) -> PublishedRecord:
    if isinstance(lmo, PublishedRecord):
        return lmo
    return latest_revisions([lmo])[0]


def _item(item: ExternalItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "external_id": item.external_id,
        "name": item.name,
        "url": item.url,
        "identifiers": item.identifiers,
        "fields": item.fields,
        "fetched_at": item.fetched_at.isoformat(),
        "verdict": item.verdict,
        "method": item.method,
        "warnings": item.warnings,
    }


def _registry_genera(body: Mapping[str, Any]) -> set[str]:
    refs = [
        p[0]
        for r in body.get("recipientOrganisms") or []
        if isinstance(r, Mapping) and (p := parse_reference(r.get("identifier", "")))
    ]
    records = Record.objects.filter(identifier__in=refs, state__in=PUBLIC_STATES)
    genera: set[str] = set()
    lmo_parents = []
    for published in latest_revisions(records):
        if published.record.type == "ORGA":
            name = str(published.body.get("scientificName", ""))
            if name:
                genera.add(crop_genus(scientific_name=name))
        elif published.record.type == "LMO":
            lmo_parents.append(published)
    if not genera:
        for parent in lmo_parents:
            genera |= _registry_genera(parent.body)
    return genera


def _discrepancies(source: str, item: ExternalItem, body: Mapping[str, Any], genera: set[str]) -> list[dict[str, Any]]:
    """Where an item matched to the LMO says something else than the registry."""
    found: list[dict[str, Any]] = []
    registered = str(body.get("uniqueIdentification") or "")
    for uid in item.identifiers:
        if compact_key(uid) != compact_key(registered) and len(split_stack(uid)) == len(split_stack(registered)):
            verdict = check_oecd_uid(uid)
            note = "another identifier"
            if verdict.compact[:8] == compact_key(registered)[:8]:
                note = "same first eight characters, another verifier digit"
            if verdict.check_digit_ok is False:
                note += f"; the source's spelling fails the check digit ({'; '.join(verdict.warnings)})"
            found.append(
                {
                    "source": source,
                    "field": "unique_identifier",
                    "source_value": uid,
                    "registry_value": registered,
                    "note": note,
                }
            )
    fields = item.fields
    genus = crop_genus(str(fields.get("crop", "")), str(fields.get("scientific_name", "")))
    if genus and genera and genus not in genera:
        found.append(
            {
                "source": source,
                "field": "crop",
                "source_value": fields.get("crop") or fields.get("scientific_name"),
                "registry_value": ", ".join(sorted(genera)),
                "note": "another crop",
            }
        )
    traits = [t for t in fields.get("traits") or [] if isinstance(t, str)]
    roots = trait_roots(traits)
    registry_roots = trait_roots(t.get("identifier", "") for t in body.get("traits") or [] if isinstance(t, Mapping))
    if roots and registry_roots and roots != registry_roots:
        found.append(
            {
                "source": source,
                "field": "traits",
                "source_value": traits,
                "registry_value": sorted(registry_roots),
                "note": "trait categories differ: "
                + "; ".join(
                    part
                    for part in (
                        f"only the source: {', '.join(sorted(roots - registry_roots))}"
                        if roots - registry_roots
                        else "",
                        f"only the registry: {', '.join(sorted(registry_roots - roots))}"
                        if registry_roots - roots
                        else "",
                    )
                    if part
                ),
            }
        )
    names = {name_key(n) for n in body.get("tradeNames") or [] if isinstance(n, str)}
    extra = [t for t in fields.get("trade_names") or [] if isinstance(t, str) and name_key(t) not in names]
    if extra:
        found.append(
            {
                "source": source,
                "field": "trade_names",
                "source_value": extra,
                "registry_value": list(body.get("tradeNames") or []),
                "note": "trade names the registry does not list",
            }
        )
    return found


def _merge_methods(items: Iterable[ExternalItem], labels: Mapping[str, str]) -> list[dict[str, Any]]:
    """One entry per method code, tagged with every detection source that holds it."""
    merged: dict[str, dict[str, Any]] = {}
    for item in items:
        code = str(item.fields.get("method_code") or "")
        if not code:
            continue
        entry = merged.setdefault(
            code,
            {"method_code": code, "sources": [], "targets": [], "links": [], "fetched_at": None, "editable": False},
        )
        label = labels.get(item.source, item.source)
        if label not in entry["sources"]:
            entry["sources"].append(label)
        target = str(item.fields.get("target") or "")
        if target and target not in entry["targets"]:
            entry["targets"].append(target)
        link = {"source": label, "url": item.url}
        if item.url and link not in entry["links"]:
            entry["links"].append(link)
        for name in METHOD_FIELDS:
            if entry.get(name) in (None, "", []) and item.fields.get(name) not in (None, "", []):
                entry[name] = item.fields.get(name)
        fetched = item.fetched_at.isoformat()
        entry["fetched_at"] = max(entry["fetched_at"] or fetched, fetched)
    order = {"event-specific": 0, "construct-specific": 1, "element-specific": 2, "taxon-specific": 3}
    return sorted(merged.values(), key=lambda e: (order.get(str(e.get("scope")), 9), e["method_code"]))


def other_databases(lmo: PublishedRecord | Record, language: str = "en") -> dict[str, Any]:
    """Everything other databases hold on ``lmo`` (see the module docstring). ``language`` is for
    labels; the sources' own texts are shown as they publish them."""
    published = _published(lmo)
    record = published.record
    body = published.body
    registered = str(body.get("uniqueIdentification") or "")
    catalogue = definitions()
    labels = {name: d.label for name, d in catalogue.items()}
    direct = list(
        ExternalItem.objects.filter(record_identifier=record.identifier, active=True, verdict__in=MATCHED).order_by(
            "source", "external_id"
        )
    )
    in_stacks: list[ExternalItem] = []
    key = compact_key(registered) if registered and len(split_stack(registered)) == 1 else ""
    if key:
        ids = ExternalItemKey.objects.filter(kind="component", value=key).values("item_id")
        in_stacks = list(
            ExternalItem.objects.filter(pk__in=ids, active=True)
            .exclude(record_identifier=record.identifier)
            .order_by("source", "external_id")
        )
    genera = _registry_genera(body)
    stack_uids = {
        r.identifier: r.uid
        for r in Record.objects.filter(identifier__in={i.record_identifier for i in in_stacks if i.record_identifier})
    }
    sources = []
    discrepancies: list[dict[str, Any]] = []
    for name, definition in catalogue.items():
        mine = [i for i in direct if i.source == name]
        stacked = [i for i in in_stacks if i.source == name and i.subject == "lmo"]
        if not mine and not stacked:
            continue
        entries = []
        for item in mine:
            shown = _item(item)
            if item.subject == "lmo" and definition.kind != "detection-methods":
                shown["discrepancies"] = _discrepancies(definition.label, item, body, genera)
                discrepancies.extend(shown["discrepancies"])
            entries.append(shown)
        fetched = [i.fetched_at for i in mine + stacked]
        sources.append(
            {
                **definition.summary(),
                "fetched_at": max(fetched).isoformat() if fetched else None,
                "items": entries,
                "in_stacks": [
                    {
                        "id": i.pk,
                        "external_id": i.external_id,
                        "name": i.name,
                        "url": i.url,
                        "identifiers": i.identifiers,
                        "fetched_at": i.fetched_at.isoformat(),
                        "stack": stack_uids.get(i.record_identifier) or None,
                        "verdict": i.verdict,
                    }
                    for i in stacked
                ],
            }
        )
    detection_sources = [n for n, d in catalogue.items() if d.kind == "detection-methods"]
    codes = {
        str(i.fields.get("method_code"))
        for i in direct
        if i.source in detection_sources and i.fields.get("method_code")
    }
    method_items: list[ExternalItem] = []
    if codes:
        ids = ExternalItemKey.objects.filter(kind="method", value__in=sorted(codes)).values("item_id")
        method_items = list(
            ExternalItem.objects.filter(pk__in=ids, source__in=detection_sources, active=True).order_by(
                "source", "external_id"
            )
        )
    return {
        "lmo": {"uid": published.uid, "unique_identifier": registered},
        "sources": sources,
        "detection_methods": _merge_methods(method_items, labels),
        "discrepancies": discrepancies,
        "about": (
            "Information held by other databases, harvested and linked by unique identifier; "
            "it is not part of the clearing-house record and cannot be edited here. "
            "Each source's licence and attribution apply to its items."
        ),
    }
