"""Identity resolution: which clearing-house record an external item is about.

An item about an LMO is matched, in this order, by

1. the compact key of its OECD unique identifier (every spelling of one identifier is one key);
2. the same first eight characters with another verifier digit (ISAAA's ``FLO-11226-8`` for the
   registered ``FLO-11226-9``): matched, with a warning;
3. the components of a stack: each component identifier resolved as above, then the registered
   stack whose parent LMOs are exactly those (a stack registered with a typo in one component is
   found all the same);
4. names: the transformation event (``MON810``, ``GT73 (RT73)``), then stacked names
   (``MON863 x MON810``) by their components, then hand-made and learned aliases (a name another
   source pairs with an identifier that matched), then an 8-character name that is an identifier
   without its verifier (``DAS68416``), then trade names. A name is looked up among LMOs of the
   item's crop when the item says its crop.

Verdicts: ``matched``; ``matched_with_warning`` (verifier differs, matched by name although the item
has an unregistered identifier, matched by trade name only); ``ambiguous`` (several candidates,
listed); ``unmatched``; ``conflicting`` (same identifier, but another crop or disjoint traits).
A curator's confirmation wins over all of this; a rejected candidate is never proposed again.

Genetic elements match GENE records by name, abbreviation or synonym; organisms match ORGA records
by scientific or common name. Constructs and non-LMO products are ``not_applicable``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from openbch.core.multilingual import localize
from openbch.identifiers.oecd import check as check_oecd_uid
from openbch.identifiers.oecd import compact_key, first_eight, split_stack
from openbch.interop.connectors.base import split_names
from openbch.interop.models import Decision, Verdict
from openbch.interop.names import event_name_variants, name_key
from openbch.records.models import Record
from openbch.records.queries import PUBLIC_STATES, latest_revisions
from openbch.recordtypes.validate import parse_reference
from openbch.vocabularies import get_vocabulary

__all__ = [
    "Candidate",
    "ItemView",
    "Resolution",
    "Resolver",
    "build_resolver",
    "crop_genus",
    "event_name_variants",
    "name_key",
    "trait_roots",
]

_TRAILING_CROP = re.compile(
    r"\s+(maize|corn|soybean|canola|rapeseed|cotton|potato|rice|carnation|rose|alfalfa|sugar beet|"
    r"tomato|wheat|papaya|apple|squash|eggplant|safflower|sugarcane)$",
    re.IGNORECASE,
)
#: marker genes are listed by some databases and not others: never a reason to call traits disjoint
_TRAIT_ROOTS_IGNORED = frozenset({"resistance-to-antibiotics"})


@cache
def _aliases() -> Mapping[str, Any]:
    text = (resources.files("openbch.interop") / "sources" / "_aliases.json").read_text(encoding="utf-8")
    data: Mapping[str, Any] = json.loads(text)
    return data


def crop_genus(crop: str = "", scientific_name: str = "", common: Mapping[str, str] | None = None) -> str:
    """The genus an item's crop or scientific name points to (``Zea mays L.`` → Zea), or ``""``."""
    synonyms: Mapping[str, str] = _aliases().get("genera", {})
    if scientific_name.strip():
        first = scientific_name.strip().split()[0]
        if first[:1].isupper() and first.isalpha():
            return synonyms.get(first, first)
    key = " ".join(crop.lower().replace(",", " ").split())
    if not key:
        return ""
    table = {**_aliases()["crops"], **(common or {})}
    name = table.get(key) or table.get(key.rstrip("s"))
    return synonyms.get(name.split()[0], name.split()[0]) if name else ""


@dataclass(frozen=True)
class Candidate:
    identifier: str
    record_type: str
    uid: str
    unique_identifier: str
    name: str
    reason: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "identifier": self.identifier,
            "record_type": self.record_type,
            "uid": self.uid,
            "unique_identifier": self.unique_identifier,
            "name": self.name,
            "reason": self.reason,
        }


@dataclass
class Resolution:
    verdict: str
    method: str = ""
    record: Candidate | None = None
    candidates: list[Candidate] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ItemView:
    """What resolution needs of an external item (from a NormalisedItem or a stored ExternalItem)."""

    source: str
    external_id: str
    subject: str
    identifiers: Sequence[str]
    fields: Mapping[str, Any]


@dataclass
class _Lmo:
    candidate: Candidate
    compact: str
    first8: str
    parents: frozenset[str]
    genera: set[str]
    trait_roots: frozenset[str]


def _text(value: Any) -> str:
    if isinstance(value, Mapping):
        shown = localize(value, "en")
        return shown.text if shown else ""
    return value if isinstance(value, str) else ""


def _ref_ids(body: Mapping[str, Any], name: str) -> list[str]:
    out = []
    for item in body.get(name) or []:
        parsed = parse_reference(item.get("identifier", "")) if isinstance(item, Mapping) else None
        if parsed:
            out.append(parsed[0])
    return out


def trait_roots(terms: Iterable[str]) -> frozenset[str]:
    """The root categories of trait terms or texts (``Lepidoptera resistance`` → resistance to
    diseases and pests), marker genes' antibiotic resistance left out."""
    vocabulary = get_vocabulary("lmo-traits")
    roots = set()
    for term in terms:
        found = vocabulary.lookup(term)
        if found is None:
            continue
        chain = vocabulary.with_ancestors(found.id)
        roots |= {t for t in chain if not vocabulary.terms[t].broader}
    return frozenset(roots - _TRAIT_ROOTS_IGNORED)


class Resolver:
    """Indexes of the clearing-house's LMOs, genetic elements and organisms, built once, then reused.

    ``decisions``: curators' decisions by (source, external id) → {record identifier: decision}.
    ``learned``: name → record identifiers, pairs taken from items matched by identifier.
    """

    def __init__(
        self,
        *,
        decisions: Mapping[tuple[str, str], Mapping[str, str]] | None = None,
        learned: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        self.decisions = decisions or {}
        self.lmos: dict[str, _Lmo] = {}
        self.by_compact: dict[str, set[str]] = {}
        self.by_first8: dict[str, set[str]] = {}
        self.by_parents: dict[frozenset[str], set[str]] = {}
        self.by_event: dict[str, set[str]] = {}
        self.by_trade: dict[str, set[str]] = {}
        self.by_alias: dict[str, set[str]] = {}
        self.elements: dict[str, Candidate] = {}
        self.by_element_name: dict[str, set[str]] = {}
        self.organisms: dict[str, Candidate] = {}
        self.by_organism_name: dict[str, set[str]] = {}
        self.common_names: dict[str, str] = {}
        self.exact_names: dict[str, set[str]] = {}
        self._load()
        for name, identifiers in (learned or {}).items():
            self.by_alias.setdefault(name, set()).update(identifiers)

    # -- building ------------------------------------------------------------------------------

    def _load(self) -> None:
        records = Record.objects.filter(type__in=("LMO", "GENE", "ORGA"), state__in=PUBLIC_STATES).order_by("number")
        published = latest_revisions(records)
        organism_genus: dict[str, str] = {}
        for item in published:
            body = item.body
            if item.record.type == "ORGA":
                scientific = str(body.get("scientificName", ""))
                organism_genus[item.record.identifier] = scientific.split()[0] if scientific else ""
                candidate = Candidate(item.record.identifier, "ORGA", item.uid, "", scientific)
                self.organisms[candidate.identifier] = candidate
                names = [scientific] + [_text(c) for c in body.get("commonNames") or []]
                for name in names:
                    if name:
                        self.by_organism_name.setdefault(name_key(name), set()).add(candidate.identifier)
                        if name != scientific:
                            self.common_names[name.lower()] = scientific
            elif item.record.type == "GENE":
                candidate = Candidate(item.record.identifier, "GENE", item.uid, "", _text(body.get("name")))
                self.elements[candidate.identifier] = candidate
                names = [
                    _text(body.get("name")),
                    _text(body.get("abbreviation")),
                    *map(_text, body.get("synonymNames") or []),
                ]
                for name in names:
                    if name_key(name):
                        self.by_element_name.setdefault(name_key(name), set()).add(candidate.identifier)
                        self.exact_names.setdefault(candidate.identifier, set()).add(name.strip())
        lmo_items = [p for p in published if p.record.type == "LMO"]
        organisms_of: dict[str, list[str]] = {}
        for item in lmo_items:
            body = item.body
            unique = str(body.get("uniqueIdentification") or "")
            refs = _ref_ids(body, "recipientOrganisms")
            candidate = Candidate(
                item.record.identifier, "LMO", item.uid, unique, _text(body.get("identity")) or item.record.title
            )
            traits = [t.get("identifier", "") for t in body.get("traits") or [] if isinstance(t, Mapping)]
            entry = _Lmo(
                candidate=candidate,
                compact=compact_key(unique) if unique else "",
                first8=first_eight(unique) if unique else "",
                parents=frozenset(),
                genera=set(),
                trait_roots=trait_roots(traits),
            )
            self.lmos[candidate.identifier] = entry
            organisms_of[candidate.identifier] = refs
        for identifier, refs in organisms_of.items():
            entry = self.lmos[identifier]
            entry.parents = frozenset(r for r in refs if r in self.lmos)
            entry.genera = {organism_genus[r] for r in refs if organism_genus.get(r)}
        for entry in self.lmos.values():  # stacks without their own organism: their parents'
            if not entry.genera:
                for parent in entry.parents:
                    entry.genera |= self.lmos[parent].genera
        for item in lmo_items:
            identifier = item.record.identifier
            entry = self.lmos[identifier]
            if entry.compact:
                self.by_compact.setdefault(entry.compact, set()).add(identifier)
                self.by_first8.setdefault(entry.first8, set()).add(identifier)
            if len(entry.parents) >= 2:
                self.by_parents.setdefault(entry.parents, set()).add(identifier)
            body = item.body
            event = str(body.get("transformationEvent") or "")
            if len(split_stack(entry.candidate.unique_identifier)) <= 1:
                for variant in event_name_variants(event):
                    self.by_event.setdefault(name_key(variant), set()).add(identifier)
            for trade in [*(body.get("tradeNames") or []), _TRAILING_CROP.sub("", entry.candidate.name)]:
                if isinstance(trade, str) and name_key(trade):
                    self.by_trade.setdefault(name_key(trade), set()).add(identifier)
        for name, uid in _aliases()["event_names"].items():
            self.by_alias.setdefault(name_key(name), set()).update(self.by_compact.get(compact_key(uid), set()))
        for name, known in _aliases().get("element_names", {}).items():
            self.by_element_name.setdefault(name_key(name), set()).update(
                self.by_element_name.get(name_key(known), set())
            )

    # -- helpers -------------------------------------------------------------------------------

    def _candidates(self, identifiers: Iterable[str], reason: str) -> list[Candidate]:
        found = [self.lmos[i].candidate for i in sorted(identifiers, key=lambda i: self.lmos[i].candidate.uid)]
        return [Candidate(c.identifier, c.record_type, c.uid, c.unique_identifier, c.name, reason) for c in found]

    def _by_genus(self, identifiers: set[str], genus: str) -> set[str]:
        if not genus:
            return identifiers
        kept = {i for i in identifiers if not self.lmos[i].genera or genus in self.lmos[i].genera}
        return kept

    def _single_component(self, text: str, genus: str) -> tuple[set[str], str]:
        """LMOs one stack component names, and how: ``""`` (its identifier), ``verifier`` (first
        eight characters only) or ``name`` (the component is written as an event name: ``59122``)."""
        exact = self.by_compact.get(compact_key(text), set())
        if exact:
            return set(exact), ""
        if check_oecd_uid(text).canonical:
            return set(self.by_first8.get(first_eight(text), set())), "verifier"
        for table in (self.by_event, self.by_alias):
            for variant in event_name_variants(text):
                hits = self._by_genus(table.get(name_key(variant), set()), genus)
                if hits:
                    return hits, "name"
        return set(), ""

    def _conflict(self, item: ItemView, identifier: str) -> list[str]:
        entry = self.lmos[identifier]
        reasons = []
        genus = crop_genus(
            str(item.fields.get("crop", "")), str(item.fields.get("scientific_name", "")), self.common_names
        )
        if genus and entry.genera and genus not in entry.genera:
            reasons.append(
                f"the source's crop ({item.fields.get('crop') or item.fields.get('scientific_name')}) is not the "
                f"registered LMO's ({', '.join(sorted(entry.genera))})"
            )
        traits = item.fields.get("traits") or []
        roots = trait_roots(t for t in traits if isinstance(t, str))
        if roots and entry.trait_roots and not roots & entry.trait_roots:
            reasons.append(
                f"the source's traits ({'; '.join(traits)[:200]}) share no category with the registered LMO's"
            )
        return reasons

    # -- resolution ----------------------------------------------------------------------------

    def resolve(self, item: ItemView) -> Resolution:
        decided = self.decisions.get((item.source, item.external_id), {})
        rejected = {r for r, d in decided.items() if d == Decision.REJECTED}
        confirmed = [r for r, d in decided.items() if d == Decision.CONFIRMED]
        if confirmed:
            record = self._any_candidate(confirmed[-1])
            if record is not None:
                return Resolution(Verdict.MATCHED, "curator", record, [record], ["confirmed by a curator"])
        if item.subject == "lmo":
            resolution = self._resolve_lmo(item, rejected)
        elif item.subject == "element":
            resolution = self._resolve_named(item, rejected, self.by_element_name, self.elements, _element_names(item))
        elif item.subject == "organism":
            resolution = self._resolve_named(
                item, rejected, self.by_organism_name, self.organisms, _organism_names(item)
            )
        else:
            return Resolution(Verdict.NOT_APPLICABLE)
        if rejected:
            resolution.warnings.append(f"{len(rejected)} candidate(s) rejected by a curator")
        return resolution

    def _any_candidate(self, identifier: str) -> Candidate | None:
        if identifier in self.lmos:
            return self._candidates([identifier], "confirmed by a curator")[0]
        for table in (self.elements, self.organisms):
            if identifier in table:
                c = table[identifier]
                return Candidate(
                    c.identifier, c.record_type, c.uid, c.unique_identifier, c.name, "confirmed by a curator"
                )
        return None

    def _resolve_named(
        self,
        item: ItemView,
        rejected: set[str],
        index: Mapping[str, set[str]],
        table: Mapping[str, Candidate],
        names: list[str],
    ) -> Resolution:
        for name in names:
            found = index.get(name_key(name), set()) - rejected
            if len(found) > 1:  # "pat" and "PAT" differ only in case: the exact spelling decides
                exact = {i for i in found if self.exact_names.get(i, set()) & {name.strip()}}
                found = exact or found
            if found:
                candidates = [
                    Candidate(
                        table[i].identifier, table[i].record_type, table[i].uid, "", table[i].name, f"name {name!r}"
                    )
                    for i in sorted(found)
                ]
                if len(candidates) == 1:
                    return Resolution(Verdict.MATCHED, "name", candidates[0], candidates)
                return Resolution(Verdict.AMBIGUOUS, "name", None, candidates)
        return Resolution(Verdict.UNMATCHED, warnings=[f"no record named {', '.join(names)[:200] or '(no name)'}"])

    def _decide(self, item: ItemView, found: set[str], method: str, reason: str, warnings: list[str]) -> Resolution:
        candidates = self._candidates(found, reason)
        if len(candidates) > 1:
            return Resolution(Verdict.AMBIGUOUS, method, None, candidates, warnings)
        record = candidates[0]
        verdict = Verdict.MATCHED_WITH_WARNING if warnings else Verdict.MATCHED
        if method in ("identifier", "verifier", "components"):
            conflicts = self._conflict(item, record.identifier)
            if conflicts:
                return Resolution(Verdict.CONFLICTING, method, record, candidates, [*warnings, *conflicts])
        return Resolution(verdict, method, record, candidates, warnings)

    def _resolve_lmo(self, item: ItemView, rejected: set[str]) -> Resolution:
        uids = [u for u in item.identifiers if compact_key(u)]
        notes: list[str] = []
        for uid in uids:
            compact = compact_key(uid)
            found = self.by_compact.get(compact, set()) - rejected
            if found:
                return self._decide(item, found, "identifier", f"identifier {uid}", [])
            found = self.by_first8.get(first_eight(uid), set()) - rejected
            if found:
                registered = ", ".join(sorted({self.lmos[i].candidate.unique_identifier for i in found}))
                warning = f"verifier digit differs: the source writes {uid}, the registry {registered}"
                if len(split_stack(uid)) > 1:
                    warning = (
                        f"the source writes {uid}, the registry {registered}: the components' first eight "
                        "characters agree, not all their verifier digits"
                    )
                elif check_oecd_uid(uid).canonical is None:
                    warning = f"the source writes {uid} without a verifier digit, the registry {registered}"
                return self._decide(item, found, "verifier", f"first eight characters of {uid}", [warning])
            components = split_stack(uid)
            if len(components) > 1:
                genus = crop_genus(
                    str(item.fields.get("crop", "")), str(item.fields.get("scientific_name", "")), self.common_names
                )
                parents: set[str] = set()
                loose: list[str] = []
                named: list[str] = []
                missing: list[str] = []
                for component in components:
                    hits, how = self._single_component(component, genus)
                    if len(hits) != 1:
                        missing.append(component)
                        continue
                    parents |= hits
                    if how == "verifier":
                        loose.append(component)
                    elif how == "name":
                        named.append(component)
                stacks = self.by_parents.get(frozenset(parents), set()) - rejected if not missing else set()
                if stacks:
                    warnings = [f"component(s) {', '.join(loose)} matched with another verifier digit"] if loose else []
                    if named:
                        warnings.append(f"component(s) {', '.join(named)} written as event names, not identifiers")
                    spelled = {self.lmos[s].compact for s in stacks}
                    if not warnings and compact not in spelled:
                        warnings.append(
                            "the registry spells the stack "
                            + ", ".join(sorted(self.lmos[s].candidate.unique_identifier for s in stacks))
                        )
                    return self._decide(item, stacks, "components", f"stack components of {uid}", warnings)
                if missing:
                    notes.append(f"stack {uid}: component(s) {', '.join(missing)} not registered")
                else:
                    notes.append(f"stack {uid}: every component is registered, the stack is not")
            else:
                check = check_oecd_uid(uid)
                notes.append(f"identifier {uid} is not registered" + ("" if check.canonical else " (not a valid code)"))
        resolution = self._resolve_lmo_by_name(item, rejected)
        if notes:
            # an identifier the registry does not know, although a name matched: say so
            resolution.warnings = [*notes, *resolution.warnings]
            if resolution.verdict == Verdict.MATCHED:
                resolution.verdict = Verdict.MATCHED_WITH_WARNING
        return resolution

    def _resolve_lmo_by_name(self, item: ItemView, rejected: set[str]) -> Resolution:
        fields = item.fields
        genus = crop_genus(str(fields.get("crop", "")), str(fields.get("scientific_name", "")), self.common_names)
        event = str(fields.get("event_name") or "")
        names = event_name_variants(event) + [a for a in fields.get("aliases") or [] if isinstance(a, str)]
        components = [c for c in fields.get("component_names") or [] if isinstance(c, str)]
        if not components and event and len(split_names(event)) > 1:
            components = split_names(event)
        if len(components) <= 1:
            for table, method in ((self.by_event, "event_name"), (self.by_alias, "alias")):
                for name in names:
                    found = self._by_genus(table.get(name_key(name), set()), genus) - rejected
                    if found:
                        return self._decide(item, found, method, f"{method.replace('_', ' ')} {name!r}", [])
            for name in names:
                key = name_key(name)
                if len(key) == 8 and key[0].isalpha():
                    found = self._by_genus(self.by_first8.get(key, set()), genus) - rejected
                    found = {i for i in found if len(split_stack(self.lmos[i].candidate.unique_identifier)) == 1}
                    if found:
                        return self._decide(
                            item,
                            found,
                            "identifier_in_name",
                            f"name {name!r} is an identifier without its verifier",
                            [],
                        )
        else:
            parents: set[str] = set()
            unresolved = []
            for component in components:
                hits: set[str] = set()
                for table in (self.by_event, self.by_alias):
                    for variant in event_name_variants(component):
                        hits = self._by_genus(table.get(name_key(variant), set()), genus)
                        if hits:
                            break
                    if hits:
                        break
                if len(hits) == 1:
                    parents |= hits
                else:
                    unresolved.append(component)
            if not unresolved:
                stacks = self.by_parents.get(frozenset(parents), set()) - rejected
                if stacks:
                    return self._decide(item, stacks, "component_names", f"component names {', '.join(components)}", [])
                return Resolution(
                    Verdict.UNMATCHED,
                    warnings=[f"every component of {' × '.join(components)} is registered, the stack is not"],
                )
        trades = [t for t in fields.get("trade_names") or [] if isinstance(t, str)]
        for trade in trades:
            found = self._by_genus(self.by_trade.get(name_key(trade), set()), genus) - rejected
            if found:
                return self._decide(
                    item, found, "trade_name", f"trade name {trade!r}", [f"matched by trade name {trade!r} only"]
                )
        shown = ", ".join(n for n in [event, *trades] if n)[:200]
        return Resolution(Verdict.UNMATCHED, warnings=[f"no registered LMO named {shown or '(no name)'}"])


def _element_names(item: ItemView) -> list[str]:
    fields = item.fields
    names = [
        fields.get("target"),
        fields.get("element_name"),
        fields.get("abbreviation"),
        *(fields.get("synonyms") or []),
    ]
    return [n for n in names if isinstance(n, str) and n]


def _organism_names(item: ItemView) -> list[str]:
    fields = item.fields
    names = [fields.get("scientific_name"), fields.get("target"), *(fields.get("common_names") or [])]
    return [n for n in names if isinstance(n, str) and n]


def build_resolver() -> Resolver:
    """A resolver over the current records, curators' decisions and learned aliases."""
    from openbch.interop.models import ExternalItem, MatchDecision
    from openbch.interop.sources import definitions

    decisions: dict[tuple[str, str], dict[str, str]] = {}
    for row in MatchDecision.objects.order_by("decided_at", "pk"):
        decisions.setdefault((row.source, row.external_id), {})[row.record_identifier] = row.decision
    teaching = [d.name for d in definitions().values() if d.kind in ("product-database", "registry")]
    learned: dict[str, set[str]] = {}
    rows = ExternalItem.objects.filter(
        source__in=teaching, subject="lmo", record_type="LMO", method="identifier", active=True
    ).values_list("fields", "identifiers", "record_identifier")
    for fields, identifiers, record in rows.iterator(chunk_size=2000):
        if any(len(split_stack(u)) > 1 for u in identifiers or []):
            continue
        for variant in event_name_variants(str((fields or {}).get("event_name") or "")):
            learned.setdefault(name_key(variant), set()).add(record)
    return Resolver(decisions=decisions, learned=learned)
