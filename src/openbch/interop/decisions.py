"""From a harvested instrument (a decision table's item) to the body of a national DEC record.

:class:`~openbch.interop.connectors.decisions.DecisionTableConnector` reads what each row of an
authority's table says (kind of instrument, date, number, event, identifier); this module decides
what record it makes, the same way for the demo data's curation (``tools/curate/us.py``, ``eu.py``)
and, later, for importing the full registers (the Federal Register API, FDA's inventory, EUR-Lex):

* a US FDA consultation is **not** an approval: decision on LMOs-FFP (8.2, domestic use) whose
  result is ``consultation-concluded`` ("no further questions"), for the uses the row names;
* a USDA APHIS determination of nonregulated status is a domestic decision on environmental
  release (8.1), result ``nonregulated-status``; a notice of a petition's availability decides
  nothing and makes no record;
* an EU authorisation under Regulation (EC) No 1829/2003 covers food and feed (8.2), and
  cultivation (8.1) only when the row says so; a renewal or amendment links the earlier decision
  record when it is held (``isAmendment``, ``amendedRecords``) and names the instrument otherwise.

The record's ``date`` is always the source's (letter, decision or Federal Register publication
date), never the day it was loaded. LMOs are matched by OECD unique identifier (compact key); by
event name only when no identifier is printed, and every name match is returned for the report.
Records refer to each other by load-file key (``{"key": "lmo/…"}``, ``docs/record-format.md`` §4).
Django-free: the curation runs it without a database.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from openbch.identifiers.oecd import compact_key, is_probably_oecd_uid
from openbch.interop.names import name_key

__all__ = [
    "CODES",
    "DecisionContext",
    "DecisionItem",
    "LmoLookup",
    "NameMatch",
    "Outcome",
    "decision_body",
    "import_decisions",
    "instrument_key",
    "read_bundled",
    "record_key",
]

#: why an item makes no record (stable codes, for reports and tests)
CODES = {
    "not_a_decision": "the instrument decides nothing (a notice, a proposal, a withdrawal of a notice)",
    "no_date": "the source gives no date for the instrument",
    "no_reference": "the source gives no number for the instrument",
    "unknown_uid": "the unique identifier the source prints is not registered here",
    "no_lmo": "no LMO record to link",
    "ambiguous_name": "the event name stands for several LMO records",
    "unknown_authority": "no competent authority record for the instrument's authority",
}
#: Regulation (EC) No 1829/2003 applies from this day; its authorisations last ten years
EU_1829_APPLIES = "2004-04-18"
_EVENT_WORD = re.compile(r"^(?:event|line)\s+", re.IGNORECASE)
_STACK = re.compile(r"\s[xX×]\s|×")


class DecisionItem(Protocol):
    """What :func:`decision_body` reads: a harvested item (``NormalisedItem`` or ``ExternalItem``)."""

    external_id: str
    name: str
    url: str
    fields: Any
    identifiers: Any


def instrument_key(number: str) -> str:
    """``(EU) 2015/697`` and ``2015/697`` compare equal; so do spellings with other spaces."""
    return re.sub(r"\s+|\(EU\)", "", number.upper())


@dataclass
class LmoLookup:
    """LMO records by compact key of their unique identifier and by event name."""

    by_uid: dict[str, str] = field(default_factory=dict)
    by_name: dict[str, set[str]] = field(default_factory=dict)

    def add(self, key: str, uid: str, names: Iterable[str]) -> None:
        if uid and compact_key(uid):
            self.by_uid.setdefault(compact_key(uid), key)
        for name in names:
            if name and name_key(name):
                self.by_name.setdefault(name_key(name), set()).add(key)

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]], aliases: Mapping[str, str] | None = None) -> LmoLookup:
        """From load-file lines (``{"key", "type", "body"}``) of LMO records; ``aliases``: event
        name → unique identifier pairings (default: the resolver's documented table)."""
        lookup = cls()
        for record in records:
            if record.get("type") != "LMO":
                continue
            body = record.get("body") or {}
            identity = body.get("identity") or {}
            names = [str(body.get("transformationEvent") or ""), str(body.get("uniqueIdentification") or "")]
            names += [str(v) for v in identity.values()] if isinstance(identity, Mapping) else []
            lookup.add(str(record["key"]), str(body.get("uniqueIdentification") or ""), names)
        for name, uid in (default_aliases() if aliases is None else aliases).items():
            key = lookup.by_uid.get(compact_key(uid))
            if key:
                lookup.by_name.setdefault(name_key(name), set()).add(key)
        return lookup

    @classmethod
    def from_jsonl(cls, path: Path) -> LmoLookup:
        lines = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
        return cls.from_records(lines)


def default_aliases() -> dict[str, str]:
    """The event-name → identifier table of identity resolution (``sources/_aliases.json``)."""
    text = (resources.files("openbch.interop") / "sources" / "_aliases.json").read_text(encoding="utf-8")
    return dict(json.loads(text).get("event_names", {}))


@dataclass(frozen=True)
class NameMatch:
    """An LMO linked by event name (no identifier printed): reported, for a curator to check."""

    name: str
    variant: str
    lmo: str


@dataclass(frozen=True)
class DecisionContext:
    """What a decision links to, by load-file key."""

    lmos: LmoLookup
    #: authority short name (the source's ``decision.authority``) → CNA record key
    authorities: Mapping[str, str]
    #: instrument number (:func:`instrument_key`) → DEC record key, for renewals and amendments
    decisions: Mapping[str, str] = field(default_factory=dict)
    #: DEC record key → the LMO keys it covers (an amendment covers its amended decisions' LMOs)
    decision_lmos: Mapping[str, Sequence[str]] = field(default_factory=dict)


@dataclass
class Outcome:
    """The record an item makes (``body``), or why it makes none (``code``, ``reason``)."""

    key: str
    body: dict[str, Any] | None = None
    code: str = "made"
    reason: str = ""
    uid_matches: list[str] = field(default_factory=list)
    name_matches: list[NameMatch] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def made(self) -> bool:
        return self.body is not None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("(eu)", "")).strip("-")


def record_key(item: DecisionItem) -> str:
    """``dec/us/fda/bnf-35``, ``dec/us/aphis/2018-18565``, ``dec/eu/2015-697``: stable per instrument."""
    fields = item.fields
    country = str(fields.get("country") or "xx")
    authority = {"FDA": "fda", "USDA APHIS": "aphis"}.get(str(fields.get("authority") or ""), "")
    number = str(fields.get("instrument_number") or "") or item.external_id
    if authority == "fda":
        number = f"bnf-{number}"
    return "/".join(p for p in ("dec", country, authority, _slug(number)) if p)


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value if v)
    return str(value or "").strip()


def _ref(key: str) -> dict[str, str]:
    return {"key": key}


def _term(identifier: str) -> dict[str, str]:
    return {"identifier": identifier}


def _variants(name: str) -> list[str]:
    """``event 4114`` → itself, ``4114``; ``Russet Burbank W8`` → itself, ``W8`` (the last word is
    the only one with a digit: the variety's name before the event's)."""
    found = [name]
    stripped = _EVENT_WORD.sub("", name)
    if stripped != name:
        found.append(stripped)
    words = stripped.split()
    with_digits = [w for w in words if re.search(r"\d", w)]
    if len(words) > 1 and len(with_digits) == 1 and with_digits[0] == words[-1]:
        found.append(words[-1])
    return found


def _link_lmos(item: DecisionItem, context: DecisionContext, outcome: Outcome) -> list[str]:
    """LMO keys of the item; on failure sets ``outcome.code``/``reason`` and returns []."""
    fields = item.fields
    printed = [str(u) for u in item.identifiers or [] if str(u).strip()]
    keys: list[str] = []
    if printed:
        for uid in printed:
            key = context.lmos.by_uid.get(compact_key(uid))
            if key is None:
                outcome.code, outcome.reason = "unknown_uid", f"unique identifier {uid} is not registered here"
                return []
            keys.append(key)
            outcome.uid_matches.append(f"{uid} → {key}")
        return keys
    event = str(fields.get("event_name") or "").strip()
    if not event:
        outcome.code, outcome.reason = "no_lmo", "the source names no event and prints no unique identifier"
        return []
    # separate events in one consultation ("TC676, TC678, TC680"); a stack ("A × B") is one LMO
    names = [event] if _STACK.search(event) else [n.strip() for n in event.split(",") if n.strip()]
    for name in names:
        found: set[str] = set()
        variant = name
        for variant in _variants(name):
            found = context.lmos.by_name.get(name_key(variant), set())
            if not found and is_probably_oecd_uid(variant):
                found = {k for k in [context.lmos.by_uid.get(compact_key(variant))] if k}
            if found:
                break
        if len(found) > 1:
            outcome.code = "ambiguous_name"
            outcome.reason = f"event name {name!r} stands for {', '.join(sorted(found))}"
            return []
        if not found:
            outcome.code = "no_lmo"
            what = "stack" if _STACK.search(name) else "event"
            outcome.reason = f"no LMO record for the {what} {name!r} (no unique identifier printed)"
            if what == "stack":
                outcome.reason += "; a decision on a stack is not linked to its components"
            return []
        key = next(iter(found))
        keys.append(key)
        outcome.name_matches.append(NameMatch(name, variant, key))
    return keys


def _uses(text: str) -> list[str]:
    """The FFP uses a row names: ``human food; meal in animal food`` → food, feed."""
    lower = text.lower()
    uses = ["food"] if re.search(r"\bfood", lower) or not lower else []
    if re.search(r"\bfeed|\banimal", lower):
        uses.append("feed")
    return uses or ["food"]


def _facts(item: DecisionItem, names: Sequence[tuple[str, str]]) -> str:
    fields = item.fields
    parts = [f"{label}: {_text(fields.get(name))}." for name, label in names if _text(fields.get(name))]
    return " ".join(parts)


def decision_body(item: DecisionItem, context: DecisionContext) -> Outcome:
    """The DEC record body an item makes (owner = its ``country`` upper-cased), or why none."""
    fields = item.fields
    outcome = Outcome(record_key(item))
    kind = str(fields.get("kind") or "other")
    kind_text = _text(fields.get("kind_text"))
    if kind not in ("consultation", "determination", "authorisation", "renewal", "amendment"):
        outcome.code = "not_a_decision"
        outcome.reason = f"{kind_text or kind}: {CODES['not_a_decision']}"
        return outcome
    date = _text(fields.get("date"))
    if not date:
        outcome.code, outcome.reason = "no_date", CODES["no_date"]
        return outcome
    reference = _text(fields.get("reference_number"))
    if not reference:
        outcome.code, outcome.reason = "no_reference", CODES["no_reference"]
        return outcome
    authority_name = _text(fields.get("authority"))
    authority = context.authorities.get(authority_name)
    if authority is None:
        outcome.code, outcome.reason = "unknown_authority", f"{CODES['unknown_authority']} ({authority_name!r})"
        return outcome

    previous = [str(p) for p in fields.get("previous_decisions") or []]
    held = [context.decisions[instrument_key(p)] for p in previous if instrument_key(p) in context.decisions]
    missing = [p for p in previous if instrument_key(p) not in context.decisions]
    if kind == "amendment" and not (item.identifiers or fields.get("event_name")):
        # an amendment of other decisions covers their LMOs
        lmos = sorted({lmo for key in held for lmo in context.decision_lmos.get(key, ())})
        if not lmos:
            outcome.code = "no_lmo"
            outcome.reason = "none of the amended decisions is held here: no LMO record to link"
            return outcome
        outcome.notes.append(f"LMOs taken from the amended decision(s) held here: {', '.join(held)}")
    else:
        lmos = _link_lmos(item, context, outcome)
        if not lmos:
            return outcome

    country = _text(fields.get("country")).lower()
    event = _text(fields.get("event_name")) or _text(fields.get("unique_identifier")) or item.name
    crop = _text(fields.get("crop"))
    heading = f"{event} ({crop})" if crop else event
    source_facts = _facts(
        item,
        (
            ("developer", "Applicant"),
            ("crop", "Crop"),
            ("traits", "Trait(s) as published"),
        ),
    )
    body: dict[str, Any] = {
        "government": _term(country),
        "authorities": [_ref(authority)],
        "date": date,
        "referenceNumber": reference,
        "modifiedOrganisms": [_ref(k) for k in lmos],
        "isAmendment": False,
        "expires": False,
    }
    if item.url:
        body["documents"] = [{"url": item.url, "name": f"{authority_name} {reference}"}]
    info: list[str] = []
    if kind == "consultation":
        uses = _uses(_text(fields.get("uses_text")))
        body.update(
            decisionTypes=[_term("8.2"), _term("8.2-domestic-use")],
            uses=[_term(u) for u in uses],
            decisionResult=_term("consultation-concluded"),
            isForFoodSafety=True,
        )
        title = f"{heading}: FDA biotechnology consultation concluded – {reference}"
        info.append(
            "Voluntary consultation of the US Food and Drug Administration on food from a genetically "
            "engineered plant variety; the letter closing it says FDA has no further questions. It is not "
            "an approval."
        )
        info.append(source_facts)
        info.append(
            _facts(
                item,
                (
                    ("uses_text", "Intended use"),
                    ("submission_date", "Submitted"),
                    ("memo_date", "FDA memo date"),
                    ("epa_review", "Requires EPA review (Y/N)"),
                    ("notes", "Source note"),
                ),
            )
        )
        info.append(f"Date: date of FDA's response letter ({date}).")
    elif kind == "determination":
        body.update(
            decisionTypes=[_term("8.1"), _term("8.1-domestic")],
            decisionResult=_term("nonregulated-status"),
        )
        title = f"{heading}: USDA APHIS determination of nonregulated status – {reference}"
        info.append(
            "Determination by the US Department of Agriculture's Animal and Plant Health Inspection "
            "Service that the organism is no longer regulated under 7 CFR part 340 (environmental "
            "release in the United States)."
        )
        info.append(source_facts)
        note = _text(fields.get("date_note"))
        info.append(
            f"Date: {note} ({date})." if note else f"Date: publication of the notice in the Federal Register ({date})."
        )
        info.append(_facts(item, (("kind_text", "Notice as published"), ("docket", "Docket"))))
    else:
        cultivation = bool(fields.get("cultivation"))
        types = [_term("8.2"), _term("8.2-domestic-use")]
        if cultivation:
            types = [_term("8.1"), _term("8.1-domestic"), *types]
        body["decisionTypes"] = types
        if kind != "amendment":
            body["uses"] = [_term("food"), _term("feed")]
            body["decisionResult"] = _term("approval")
            body["expires"] = date >= EU_1829_APPLIES
        scope = "food and feed uses, including cultivation" if cultivation else "food and feed uses"
        what = {
            "authorisation": f"authorisation of {scope}",
            "renewal": f"renewal of the authorisation of {scope}",
            "amendment": "amendment of authorisations",
        }[kind]
        number = _text(fields.get("instrument_number"))
        if kind == "amendment" and not fields.get("event_name"):
            title = f"Commission Decision {number}: amendment of {len(previous)} authorisations"
        else:
            title = f"{heading}: Commission Decision {number}, {what}"
        info.append(source_facts)
        info.append(_facts(item, (("kind_text", "Kind as published"), ("c_document", "C document"))))
        info.append(_facts(item, (("notes", "Source note"),)))
        if kind_text and "renewal" in kind_text.lower() and kind == "authorisation" and not previous:
            info.append("The decision also renews an earlier authorisation; the source does not name it.")
        if body.get("expires"):
            info.append(
                "Authorisations under Regulation (EC) No 1829/2003 are granted for ten years (Articles 7(5) "
                "and 19(5)); the source does not give the expiry date."
            )
        if kind in ("renewal", "amendment") and previous:
            verb = "Renews" if kind == "renewal" else "Amends"
            if held:
                body["isAmendment"] = True
                body["amendedRecords"] = [_ref(k) for k in held]
                named = [p for p in previous if p not in missing]
                details = f"{kind_text}." if kind_text else f"{verb} {', '.join(previous)}."
                details += f" Held here: {', '.join(named)}."
                if missing:
                    details += f" Not held here: {', '.join(missing)}."
                body["amendmentsDetails"] = {"en": details}
            else:
                # ``amendedRecords`` is required with ``isAmendment``: the earlier decision is named instead
                info.append(f"{verb} Commission Decision(s) {', '.join(previous)} (not held here).")
                outcome.notes.append(
                    f"{verb.lower()} {', '.join(previous)}: not held here, named in relevantInformation"
                )
    body["title"] = {"en": title}
    body["relevantInformation"] = {"en": " ".join(p for p in info if p)}
    outcome.body = body
    return outcome


_LINKING = ("renewal", "amendment")


def import_decisions(
    items: Iterable[DecisionItem], lmos: LmoLookup, authorities: Mapping[str, str]
) -> list[tuple[DecisionItem, Outcome]]:
    """Every item's outcome, in the items' order. Renewals and amendments are read after the
    decisions they may link to (oldest first), so ``amendedRecords`` names only records made."""
    items = list(items)
    decisions: dict[str, str] = {}
    decision_lmos: dict[str, list[str]] = {}
    outcomes: dict[int, Outcome] = {}
    first = [i for i, item in enumerate(items) if item.fields.get("kind") not in _LINKING]
    later = sorted(
        (i for i, item in enumerate(items) if item.fields.get("kind") in _LINKING),
        key=lambda i: str(items[i].fields.get("date") or ""),
    )
    for index in first + later:
        item = items[index]
        context = DecisionContext(lmos, authorities, decisions, decision_lmos)
        outcome = decision_body(item, context)
        outcomes[index] = outcome
        if outcome.body is not None:
            number = str(item.fields.get("instrument_number") or "")
            if number:
                decisions[instrument_key(number)] = outcome.key
            decision_lmos[outcome.key] = [r["key"] for r in outcome.body["modifiedOrganisms"]]
    return [(item, outcomes[i]) for i, item in enumerate(items)]


def read_bundled(source: str) -> list[Any]:
    """The items and rejections of a source's bundled payloads, read by its connector (no database)."""
    from openbch.interop.connectors import connector_for
    from openbch.interop.connectors.base import FetchTask
    from openbch.interop.http import BundledFetcher
    from openbch.interop.sources import get_definition

    definition = get_definition(source)
    if not definition.bundled:
        raise ValueError(f"source {source!r} has no bundled payloads")
    fetcher = BundledFetcher(definition.bundled, definition.limits)
    connector = connector_for(definition)
    found: list[Any] = []
    for request in definition.requests:
        fetched = fetcher.fetch(request, accept=definition.accept)
        found.extend(connector.parse(FetchTask(request), fetched))
    return found
