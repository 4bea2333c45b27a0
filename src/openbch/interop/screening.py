"""GMO screening support: which LMOs could explain a laboratory's screening results?

A laboratory runs element-specific PCR assays (P-35S, T-nos, bar, pat, cry1Ab …) on a sample and
reports each as positive or negative. An LMO is

* **excluded** when it is known to carry an element whose assay was negative;
* **consistent** when it is known to carry every element whose assay was positive (and none of
  the negative ones);
* **partially consistent** when it carries some of the positive elements and none of the
  negative ones (a mixture of LMOs could explain the rest).

"Known to carry" means some source says so, and every piece of evidence is listed with its source:
the LMO's own record (its genetic elements, and those of the components of a stack), genes that
product databases matched to it list (ISAAA, BioTrack), and the junctions of construct-specific
detection methods that target it (EUginius' descriptions and EURL-GMFF's targets). Absence is
never known: no database lists every promoter and terminator of every LMO, so an LMO with no
evidence about an element is neither confirmed nor excluded by that element's result.

For each LMO found: its authorisation status in a chosen country (that country's published
decisions on it) and the event-specific methods that confirm it (for a stack: those of its
components), from the clearing-house's detection-method records and the detection databases.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from openbch.core.errors import BadRequestError, Issue, NotFoundError
from openbch.core.multilingual import localize
from openbch.interop.models import ExternalItem, Verdict
from openbch.interop.resolve import name_key
from openbch.interop.sources import definitions
from openbch.records.models import Record, RecordLink
from openbch.records.queries import PUBLIC_STATES, latest_revisions
from openbch.recordtypes.validate import parse_reference

__all__ = ["Evidence", "ScreeningMatrix", "build_matrix", "screen"]

MATCHED = (Verdict.MATCHED, Verdict.MATCHED_WITH_WARNING, Verdict.CONFLICTING)
MAX_ELEMENTS = 60  # 30 positive and 30 negative at most (the API declares both)
REGISTRY = "clearing-house record"


@cache
def _tables() -> Mapping[str, Any]:
    text = (resources.files("openbch.interop") / "sources" / "_screening.json").read_text(encoding="utf-8")
    data: Mapping[str, Any] = json.loads(text)
    return data


def _text(value: Any) -> str:
    if isinstance(value, Mapping):
        shown = localize(value, "en")
        return shown.text if shown else ""
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class Evidence:
    """Why an LMO is taken to carry an element: which source says so, and how."""

    element: str
    source: str
    detail: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"source": self.source, "detail": self.detail}


@dataclass
class _Element:
    identifier: str
    uid: str
    name: str
    abbreviation: str


@dataclass
class ScreeningMatrix:
    """Which LMO carries which element, with the evidence; built from the current data."""

    elements: dict[str, _Element] = field(default_factory=dict)
    by_abbreviation: dict[str, str] = field(default_factory=dict)
    by_key: dict[str, set[str]] = field(default_factory=dict)
    lmos: dict[str, dict[str, Any]] = field(default_factory=dict)
    carries: dict[str, dict[str, list[Evidence]]] = field(default_factory=dict)
    parents: dict[str, list[str]] = field(default_factory=dict)

    # -- element names -------------------------------------------------------------------------

    def element_ids(self, text: str) -> set[str]:
        """Elements a name designates: its exact abbreviation first, then any name or synonym."""
        text = text.strip()
        aliases: Mapping[str, str] = _tables()["gene_aliases"]
        text = aliases.get(text, text)
        if text in self.by_abbreviation:
            return {self.by_abbreviation[text]}
        return set(self.by_key.get(name_key(text), set()))

    def gene_ids(self, text: str) -> set[str]:
        """Elements a gene cell names, including cells that glue several names (``cry34Ab1cry35Ab1``)."""
        found = self.element_ids(text)
        if found:
            return found
        key = name_key(text)
        if len(key) < 6:
            return set()
        # shortest split of the glued key into known names (dynamic programming over positions)
        best: list[list[str] | None] = [None] * (len(key) + 1)
        best[0] = []
        for end in range(1, len(key) + 1):
            for start in range(max(0, end - 40), end - 2):
                piece = key[start:end]
                previous = best[start]
                if (
                    previous is not None
                    and piece in self.by_key
                    and (best[end] is None or len(previous) + 1 < len(best[end] or []))
                ):
                    best[end] = [*previous, piece]
        pieces = best[len(key)] or []
        ids: set[str] = set()
        for piece in pieces:
            hits = self.by_key[piece]
            if len(hits) == 1:
                ids |= hits
        return ids

    def add(self, lmo: str, element: str, evidence: Evidence) -> None:
        known = self.carries.setdefault(lmo, {}).setdefault(element, [])
        if evidence not in known:
            known.append(evidence)

    def carried(self, lmo: str, seen: frozenset[str] = frozenset()) -> dict[str, list[Evidence]]:
        """Elements of an LMO with their evidence, those of a stack's components included."""
        own = {k: list(v) for k, v in self.carries.get(lmo, {}).items()}
        for parent in self.parents.get(lmo, []):
            if parent in seen:
                continue
            component = self.lmos[parent]["unique_identifier"] or self.lmos[parent]["uid"]
            for element, evidence in self.carried(parent, seen | {lmo}).items():
                for one in evidence:
                    inherited = Evidence(
                        element, one.source, f"component {component}" + (f": {one.detail}" if one.detail else "")
                    )
                    if inherited not in own.setdefault(element, []):
                        own[element].append(inherited)
        return own


def _junction_elements(description: str, matrix: ScreeningMatrix) -> set[str]:
    lowered = description.lower()
    if "junction" not in lowered:
        return set()
    found: set[str] = set()
    for phrase, abbreviation in _tables()["junction_phrases"].items():
        if phrase.lower() in lowered:
            found |= matrix.element_ids(abbreviation)
    return found


def build_matrix() -> ScreeningMatrix:
    """The element-by-LMO matrix from the records and the harvested items, as they are now."""
    matrix = ScreeningMatrix()
    records = Record.objects.filter(type__in=("LMO", "GENE"), state__in=PUBLIC_STATES).order_by("number")
    published = latest_revisions(records)
    for item in published:
        if item.record.type != "GENE":
            continue
        body = item.body
        element = _Element(item.record.identifier, item.uid, _text(body.get("name")), _text(body.get("abbreviation")))
        matrix.elements[element.identifier] = element
        if element.abbreviation:
            matrix.by_abbreviation.setdefault(element.abbreviation, element.identifier)
        for name in [element.name, element.abbreviation, *map(_text, body.get("synonymNames") or [])]:
            if len(name_key(name)) >= 2:
                matrix.by_key.setdefault(name_key(name), set()).add(element.identifier)
    for alias, known in _tables()["gene_aliases"].items():
        ids = matrix.element_ids(known)
        if ids:
            matrix.by_key.setdefault(name_key(alias), set()).update(ids)
    for item in published:
        if item.record.type != "LMO":
            continue
        body = item.body
        identifier = item.record.identifier
        matrix.lmos[identifier] = {
            "identifier": identifier,
            "uid": item.uid,
            "unique_identifier": str(body.get("uniqueIdentification") or ""),
            "name": _text(body.get("identity")) or item.record.title,
        }
        for ref in body.get("genes") or []:
            parsed = parse_reference(ref.get("identifier", "")) if isinstance(ref, Mapping) else None
            if parsed and parsed[0] in matrix.elements:
                matrix.add(identifier, parsed[0], Evidence(parsed[0], REGISTRY))
        matrix.parents[identifier] = [
            p[0]
            for ref in body.get("recipientOrganisms") or []
            if isinstance(ref, Mapping) and (p := parse_reference(ref.get("identifier", "")))
        ]
    for identifier, parents in matrix.parents.items():
        matrix.parents[identifier] = [p for p in parents if p in matrix.lmos]
    catalogue = definitions()
    labels = {name: d.label for name, d in catalogue.items()}
    construct_targets: dict[str, set[str]] = {}
    for construct in ExternalItem.objects.filter(subject="construct", active=True).only("fields"):
        code = str(construct.fields.get("method_code") or "")
        for part in str(construct.fields.get("target") or "").replace(" junction", "").split("/"):
            construct_targets.setdefault(code, set()).update(matrix.element_ids(part.strip()))
    rows = ExternalItem.objects.filter(subject="lmo", active=True, verdict__in=MATCHED, record_type="LMO").only(
        "source", "fields", "record_identifier", "external_id"
    )
    for external in rows.iterator(chunk_size=2000):
        lmo = external.record_identifier
        if lmo not in matrix.lmos:
            continue
        source = labels.get(external.source, external.source)
        fields = external.fields
        for gene in fields.get("genes") or []:
            if isinstance(gene, str):
                for element_id in matrix.gene_ids(gene):
                    matrix.add(lmo, element_id, Evidence(element_id, source, f"gene {gene!r}"))
        if fields.get("scope") == "construct-specific":
            code = str(fields.get("method_code") or "")
            junction = _junction_elements(str(fields.get("description") or ""), matrix)
            for element_id in junction | construct_targets.get(code, set()):
                matrix.add(
                    lmo, element_id, Evidence(element_id, source, f"construct-specific method {code} targets it")
                )
    return matrix


def _assay(text: str, matrix: ScreeningMatrix) -> tuple[set[str], set[str]]:
    """Elements an assay detects, and the unspecified elements it can neither confirm nor exclude."""
    ids = matrix.element_ids(text)
    detects: Mapping[str, list[str]] = _tables()["detects"]
    for element in list(ids):
        for other in detects.get(matrix.elements[element].abbreviation, []):
            ids |= matrix.element_ids(other)
    abbreviations = {matrix.elements[e].abbreviation for e in ids}
    unspecified = {
        matrix.by_abbreviation[generic]
        for generic, specific in _tables()["unspecified"].items()
        if generic in matrix.by_abbreviation and abbreviations & set(specific)
    }
    return ids, unspecified - ids


def _decisions(lmos: Iterable[str], country: str) -> dict[str, list[dict[str, Any]]]:
    links = RecordLink.objects.filter(
        target_identifier__in=list(lmos),
        field="modifiedOrganisms",
        source__type="DEC",
        source__owner=country,
        source__state__in=PUBLIC_STATES,
    ).select_related("source")
    by_record: dict[str, list[Record]] = {}
    for link in links:
        by_record.setdefault(link.target_identifier, []).append(link.source)
    out: dict[str, list[dict[str, Any]]] = {}
    for lmo, decisions in by_record.items():
        for published in latest_revisions(decisions):
            body = published.body
            out.setdefault(lmo, []).append(
                {
                    "uid": published.uid,
                    "decision_types": [
                        t.get("identifier") for t in body.get("decisionTypes") or [] if isinstance(t, Mapping)
                    ],
                    "date": body.get("date"),
                    "result": (body.get("decisionResult") or {}).get("identifier"),
                    "reference_number": body.get("referenceNumber"),
                    "withdrawn": published.record.state != "published",
                }
            )
    return out


def _status(decisions: Sequence[Mapping[str, Any]]) -> str:
    current = [d for d in decisions if not d["withdrawn"]]
    results = {str(d.get("result") or "") for d in current}
    if any(r.startswith("approval") for r in results):
        return "approved"
    if "prohibition" in results:
        return "prohibited"
    return "decided" if current else "no decision"


def _methods(lmos: Iterable[str], matrix: ScreeningMatrix) -> dict[str, list[dict[str, Any]]]:
    """Event-specific methods per LMO: clearing-house records first, then the detection databases."""
    wanted = set(lmos)
    out: dict[str, dict[str, dict[str, Any]]] = {}
    links = RecordLink.objects.filter(
        target_identifier__in=list(wanted), field="targetLmos", source__type="DM", source__state__in=PUBLIC_STATES
    ).select_related("source")
    by_method: dict[str, list[str]] = {}
    records: dict[str, Record] = {}
    for link in links:
        by_method.setdefault(link.source.identifier, []).append(link.target_identifier)
        records[link.source.identifier] = link.source
    for published in latest_revisions(records.values()):
        body = published.body
        if (body.get("methodType") or {}).get("identifier") != "event-specific":
            continue
        code = str(body.get("methodCode") or published.uid)
        for lmo in by_method[published.record.identifier]:
            entry = out.setdefault(lmo, {}).setdefault(
                code, {"method_code": code, "sources": [], "record": published.uid}
            )
            entry["sources"].append(REGISTRY)
    labels = {name: d.label for name, d in definitions().items()}
    rows = ExternalItem.objects.filter(
        subject="lmo", active=True, verdict__in=MATCHED, record_identifier__in=list(wanted)
    ).only("source", "fields", "record_identifier", "url")
    for item in rows:
        if item.fields.get("scope") != "event-specific":
            continue
        code = str(item.fields.get("method_code") or "")
        entry = out.setdefault(item.record_identifier, {}).setdefault(
            code, {"method_code": code, "sources": [], "record": None}
        )
        label = labels.get(item.source, item.source)
        if label not in entry["sources"]:
            entry["sources"].append(label)
        entry.setdefault("url", item.url)
    return {lmo: sorted(methods.values(), key=lambda m: m["method_code"]) for lmo, methods in out.items()}


def screen(
    *,
    positive: Sequence[str],
    negative: Sequence[str] = (),
    country: str | None = None,
    include_partial: bool = True,
    matrix: ScreeningMatrix | None = None,
) -> dict[str, Any]:
    """LMOs consistent with element-screening results (see the module docstring)."""
    if not positive:
        raise BadRequestError("name at least one positive screening element")
    if len(positive) + len(negative) > MAX_ELEMENTS:
        raise BadRequestError(f"at most {MAX_ELEMENTS} screening elements")
    matrix = matrix or build_matrix()
    issues = []
    assays: dict[str, tuple[set[str], set[str]]] = {}
    for kind, names in (("positive", positive), ("negative", negative)):
        for index, name in enumerate(names):
            detected, unspecified = _assay(name, matrix)
            if not detected:
                issues.append(Issue(f"/{kind}/{index}", "unknown_element", f"no genetic element named {name[:80]!r}"))
            assays[f"{kind}:{name}"] = (detected, unspecified)
    if issues:  # well-formed names that name nothing: 404, as for any reference to nothing
        raise NotFoundError("unknown screening element(s)", issues=issues)
    positives = {name: assays[f"positive:{name}"] for name in positive}
    negatives = {name: assays[f"negative:{name}"] for name in negative}
    consistent: list[dict[str, Any]] = []
    partial: list[dict[str, Any]] = []
    excluded = 0
    for lmo in matrix.lmos:
        carried = matrix.carried(lmo)
        hits_negative = {
            name: [e for el in detected if el in carried for e in carried[el]]
            for name, (detected, _) in negatives.items()
        }
        if any(hits_negative.values()):
            excluded += 1
            continue
        explained = {
            name: [e for el in detected if el in carried for e in carried[el]]
            for name, (detected, _) in positives.items()
        }
        count = sum(1 for evidence in explained.values() if evidence)
        if count == 0:
            continue
        uncertain = sorted(
            {
                f"{matrix.elements[el].name} ({matrix.elements[el].abbreviation}) may be the {name} that tested negative"
                for name, (_, unspecified) in negatives.items()
                for el in unspecified
                if el in carried
            }
        )
        entry = {
            **matrix.lmos[lmo],
            "evidence": {
                name: [{"element": matrix.elements[e.element].abbreviation, **e.as_dict()} for e in evidence]
                for name, evidence in explained.items()
            },
            "not_known": [name for name, evidence in explained.items() if not evidence],
            "uncertain": uncertain,
        }
        if count == len(positives):
            consistent.append(entry)
        elif include_partial:
            partial.append(entry)
    found = [e["identifier"] for e in consistent + partial]
    decisions = _decisions(found, country.upper()) if country else {}
    # a stack is confirmed by its components' event-specific methods
    components = {lmo: matrix.parents.get(lmo, []) for lmo in found}
    methods = _methods(set(found) | {p for ps in components.values() for p in ps}, matrix)
    for entry in consistent + partial:
        lmo = entry["identifier"]
        if country:
            entry["authorisation"] = {
                "country": country.upper(),
                "status": _status(decisions.get(lmo, [])),
                "decisions": decisions.get(lmo, []),
            }
        own = methods.get(lmo, [])
        via = [
            {**m, "component": matrix.lmos[p]["unique_identifier"] or matrix.lmos[p]["uid"]}
            for p in components[lmo]
            for m in methods.get(p, [])
        ]
        entry["confirmation_methods"] = own + via

    def ordering(entry: Mapping[str, Any]) -> tuple[int, str]:
        # the LMOs with the most positive results explained first
        return (len(entry["not_known"]) - len(entry["evidence"]), str(entry["unique_identifier"] or entry["uid"]))

    consistent.sort(key=ordering)
    partial.sort(key=ordering)
    return {
        "query": {
            "positive": [
                {"name": n, "elements": sorted(matrix.elements[e].abbreviation for e in positives[n][0])}
                for n in positive
            ],
            "negative": [
                {"name": n, "elements": sorted(matrix.elements[e].abbreviation for e in negatives[n][0])}
                for n in negative
            ],
            "country": country.upper() if country else None,
        },
        "counts": {
            "consistent": len(consistent),
            "partial": len(partial),
            "excluded": excluded,
            "lmos": len(matrix.lmos),
        },
        "consistent": consistent,
        "partial": partial,
        "about": (
            "An LMO is consistent when sources say it carries every positive element and none says it "
            "carries a negative one; absence is never known, so LMOs without evidence are not listed."
        ),
    }
