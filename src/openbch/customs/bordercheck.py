"""The border check: may this shipment's LMOs enter this country for this use, and on what evidence?

A customs officer pastes a shipping document (or types identifiers), names the importing country
and the intended use; :func:`check_shipment` picks the identifiers out of the text
(:mod:`openbch.customs.documents`), resolves every spelling to the registered LMO
(:mod:`openbch.identifiers.oecd`), and answers per identifier: the LMO (registered spelling, name,
crop), a :class:`Verdict`, the country's decision records that decide it (dates, scope,
conditions), for a stack the verdict of each component event, the event-specific detection
methods, the country's detection laboratories and what to do next. The shipment's verdict is the
weakest of its identifiers'.

**Intended uses and the decision records that decide them.** A decision record says what it is
about in ``decisionTypes`` (vocabulary ``decision-types``, hierarchical: ``8.1-domestic`` is a kind
of ``8.1``) and, for food/feed/processing decisions, in ``uses`` (``ffp-uses``):

=============== ==================================================================================
use             decisions that decide it
=============== ==================================================================================
food            8.2 (LMOs for direct use as food or feed, or for processing) or 8.3 (simplified
                procedure) whose ``uses`` include ``food``, or list no use (then all three)
feed            the same with ``feed``
processing      the same with ``processing``; when no decision names processing, an LMO authorised
                for both food and feed is taken as authorised for processing (the weaker of the two
                verdicts), and the answer says it was inferred
cultivation     8.1 (intentional introduction into the environment), except decisions limited to
                field trials (``involvesFieldTrial`` without ``involvesCommercialRelease``)
field-trial     8.1, any (an unconfined-release authorisation covers a trial)
contained-use   8.5
transit         8.4
=============== ==================================================================================

In the demo data Canada's 296 decisions are 8.1 "unconfined environmental release" (cultivation,
field trial) and 8.2 with ``uses`` food or feed; the EU's are 8.2 food and feed (one also 8.1);
the United States' are FDA consultations and APHIS determinations (see below).

**What authorises.** ``decisionResult`` ``approval``, ``approval-without-conditions`` (authorised,
or authorised with conditions when the record states conditions) and ``approval-with-conditions``
(authorised with conditions); ``prohibition`` forbids. Decisions on transit (8.4), contained use
(8.5) and under the simplified procedure (8.3) have no result field (as in the BCH): such a decision
sets the terms on which the LMO may be handled, so it gives "authorised with conditions" and the
officer reads its terms in the record. Every other result is *not an
authorisation* and is shown as a related decision: an FDA consultation that concluded with "no
further questions" (``consultation-concluded``) and an APHIS determination of nonregulated status
say that an agency has no concerns, not that the LMO is authorised; a request for information or
an extension of the period decides nothing. A withdrawn decision, and one past the validity period
of its jurisdiction (``data/jurisdictions.json``: the EU's authorisations under Regulation
1829/2003 last ten years unless renewed), never authorises; both are listed so the officer sees
them. When several current decisions decide the use, the latest (by decision date) wins, a
prohibition winning a tie.

**Stacks.** A stack's own decisions decide it when there are any. Otherwise the jurisdiction's rule
applies (``data/jurisdictions.json``): where a stack of authorised events needs no authorisation of
its own (Canada), its verdict is the weakest of its components'; elsewhere (the EU, and any
country not listed) it has no decision. Each component's verdict and evidence are always given.

**Order of verdicts, strongest first** (the shipment's verdict is the last present):
``authorised``, ``authorised-with-conditions``, ``no-decision``, ``identifier-unknown``,
``check-digit-wrong``, ``not-authorised``. An identifier that names nothing is weaker than "no
decision" because nothing is known about the goods; a wrong verifier digit is weaker still
because the document itself is wrong; a prohibition is the weakest: the goods may not enter.

A registered identifier that fails its own verifier (``SYN-ØØØJG-2``) is checked like any other,
with a warning: the verifier is advice, never a rejection.

Reads only; no transaction, no audit entry: nothing is written.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from openbch.core.errors import BadRequestError, Issue, NotFoundError
from openbch.core.multilingual import localize
from openbch.customs.documents import Span, event_name_spans, find_identifiers, letter_o_as_zero, near_misses
from openbch.identifiers.oecd import check as check_oecd_uid
from openbch.identifiers.oecd import compact_key, first_eight, split_stack
from openbch.interop.models import ExternalItem
from openbch.interop.models import Verdict as MatchVerdict
from openbch.interop.sources import definitions
from openbch.records.models import ChangeEvent, Record, RecordKey, RecordLink
from openbch.records.queries import PUBLIC_STATES, PublishedRecord, latest_revisions
from openbch.recordtypes.validate import parse_reference
from openbch.vocabularies import get_vocabulary

__all__ = [
    "MAX_IDENTIFIERS",
    "MAX_TEXT",
    "USES",
    "VERDICT_ORDER",
    "ComponentCheck",
    "DataVersion",
    "DecisionEvidence",
    "ItemCheck",
    "ShipmentCheck",
    "Verdict",
    "check_shipment",
    "data_version",
    "decision_pack",
    "use_label",
    "weakest",
]


class Verdict(StrEnum):
    AUTHORISED = "authorised"
    AUTHORISED_WITH_CONDITIONS = "authorised-with-conditions"
    NOT_AUTHORISED = "not-authorised"
    NO_DECISION = "no-decision"
    IDENTIFIER_UNKNOWN = "identifier-unknown"
    CHECK_DIGIT_WRONG = "check-digit-wrong"


#: strongest first; a shipment's verdict is the weakest (last) of its identifiers' (module docstring)
VERDICT_ORDER: tuple[Verdict, ...] = (
    Verdict.AUTHORISED,
    Verdict.AUTHORISED_WITH_CONDITIONS,
    Verdict.NO_DECISION,
    Verdict.IDENTIFIER_UNKNOWN,
    Verdict.CHECK_DIGIT_WRONG,
    Verdict.NOT_AUTHORISED,
)
#: the intended uses a check accepts (the issue's seven; cultivation stands for any release)
USES: tuple[str, ...] = ("food", "feed", "processing", "cultivation", "field-trial", "contained-use", "transit")
#: distinct identifiers (or stacks) in one check
MAX_IDENTIFIERS = 100
#: characters of pasted text
MAX_TEXT = 100_000

_AUTHORISING = {"approval", "approval-without-conditions"}
#: the verdict a current decision deciding the use gives, by its effect (other effects decide nothing)
_VERDICT_OF = {
    "authorises": Verdict.AUTHORISED,
    "authorises-with-conditions": Verdict.AUTHORISED_WITH_CONDITIONS,
    "regulates": Verdict.AUTHORISED_WITH_CONDITIONS,
    "prohibits": Verdict.NOT_AUTHORISED,
}
_MATCHED = (MatchVerdict.MATCHED, MatchVerdict.MATCHED_WITH_WARNING, MatchVerdict.CONFLICTING)
_FFP = ("food", "feed", "processing")


def weakest(verdicts: Iterable[Verdict]) -> Verdict:
    """The weakest of some verdicts (see :data:`VERDICT_ORDER`); ``no-decision`` for none."""
    found = [VERDICT_ORDER.index(v) for v in verdicts]
    return VERDICT_ORDER[max(found)] if found else Verdict.NO_DECISION


@cache
def _jurisdictions() -> Mapping[str, Mapping[str, Any]]:
    text = (resources.files("openbch.customs") / "data" / "jurisdictions.json").read_text(encoding="utf-8")
    found: Mapping[str, Mapping[str, Any]] = json.loads(text)["jurisdictions"]
    return found


def _text(value: Any, language: str) -> str:
    if isinstance(value, Mapping):
        shown = localize(value, language)
        return shown.text if shown else ""
    return value if isinstance(value, str) else ""


def _ids(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value] if value else []
    return [str(i.get("identifier")) for i in items if isinstance(i, Mapping) and i.get("identifier")]


def _label(vocabulary: str, term: str, language: str) -> str:
    terms = get_vocabulary(vocabulary).terms
    return terms[term].label_in(language) if term in terms else term


# -- the answer ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataVersion:
    """How current the data used is: the latest change-log event (sequence number and time)."""

    seq: int
    at: str | None


@dataclass
class DecisionEvidence:
    """One decision record of the importing country about an LMO, and what it does for the use."""

    uid: str
    identifier: str
    lmo: str
    title: str
    date: str | None
    reference_number: str | None
    decision_types: list[str]
    uses: list[str]
    scope: str
    result: str | None
    result_label: str
    conditions: str
    #: ``authorises``, ``authorises-with-conditions``, ``regulates`` (a transit, contained-use or
    #: simplified-procedure decision: no result, its terms are in the record), ``prohibits``,
    #: ``not-an-authorisation``, ``withdrawn`` or ``expired``
    effect: str
    covers_use: bool
    expires_on: str | None = None
    documents: list[str] = field(default_factory=list)
    api_url: str = ""


@dataclass
class ComponentCheck:
    """One event of a stack: its verdict on its own decisions."""

    input: str
    verdict: Verdict
    unique_identifier: str | None
    lmo_uid: str | None
    name: str
    identifier: str | None = None
    evidence: list[DecisionEvidence] = field(default_factory=list)
    related: list[DecisionEvidence] = field(default_factory=list)
    inferred: str = ""


@dataclass
class ItemCheck:
    """One identifier (or stack) of the document and its verdict."""

    input: str
    verdict: Verdict
    lmo_uid: str | None = None
    unique_identifier: str | None = None
    identifier: str | None = None
    name: str = ""
    crop: str = ""
    found_by: str = "identifier"
    may_contain: bool = False
    check: dict[str, Any] = field(default_factory=dict)
    evidence: list[DecisionEvidence] = field(default_factory=list)
    related: list[DecisionEvidence] = field(default_factory=list)
    components: list[ComponentCheck] = field(default_factory=list)
    stack_basis: str | None = None
    inferred: str = ""
    detection_methods: list[dict[str, Any]] = field(default_factory=list)
    laboratories: list[dict[str, Any]] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)

    @property
    def is_stack(self) -> bool:
        return bool(self.components)


@dataclass
class ShipmentCheck:
    """The answer of :func:`check_shipment`; :meth:`as_dict` is the API's body."""

    country: str
    country_name: str
    use: str
    use_label: str
    language: str
    overall: Verdict
    items: list[ItemCheck]
    checked_at: str
    data: DataVersion
    note: str = ""
    #: the jurisdiction's rule for stacks, when the document names a stack
    stacks_rule: str = ""
    laboratories: list[dict[str, Any]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {v.value: sum(1 for i in self.items if i.verdict == v) for v in VERDICT_ORDER}

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["counts"] = self.counts
        data["verdict_order"] = [v.value for v in VERDICT_ORDER]
        return data


# -- reading the records ------------------------------------------------------------------------


def data_version() -> DataVersion:
    """The latest change-log event: the data a check uses is at least this current."""
    row = ChangeEvent.objects.order_by("-seq").values_list("seq", "at").first()
    if row is None:
        return DataVersion(0, None)
    return DataVersion(int(row[0]), row[1].isoformat(timespec="seconds"))


_EVENT_NAMES: dict[int, dict[str, str]] = {}


def _event_names(version: int) -> dict[str, str]:
    """Name key → registered identifier, for event names that name exactly one single-event LMO."""
    found = _EVENT_NAMES.get(version)
    if found is not None:
        return found
    by_name: dict[str, set[str]] = {}
    records = Record.objects.filter(type="LMO", state="published")
    for published in latest_revisions(records):
        body = published.body
        unique = str(body.get("uniqueIdentification") or "")
        if not unique or len(split_stack(unique)) != 1:
            continue
        for name in (body.get("transformationEvent"),):
            if isinstance(name, str) and name.strip():
                key = "".join(c for c in name.upper() if c.isascii() and c.isalnum())
                by_name.setdefault(key, set()).add(unique)
    found = {k: next(iter(v)) for k, v in by_name.items() if len(v) == 1}
    _EVENT_NAMES.clear()  # one version kept: the names change only with the data
    _EVENT_NAMES[version] = found
    return found


def _records_by_key(keys: Iterable[str]) -> dict[str, Record]:
    """The LMO registered under each compact key (the oldest when several share one)."""
    rows = (
        RecordKey.objects.filter(
            kind="oecd", value__in=sorted(set(keys)), record__type="LMO", record__state__in=PUBLIC_STATES
        )
        .select_related("record")
        .order_by("record__number")
    )
    found: dict[str, Record] = {}
    for row in rows:
        found.setdefault(row.value, row.record)
    return found


def _same_first_eight(text: str) -> list[str]:
    """Registered identifiers with the same first eight characters (a verifier-digit typo)."""
    prefix = first_eight(text)
    if len(prefix) != 8:
        return []
    keys = RecordKey.objects.filter(kind="oecd", value__startswith=prefix, record__type="LMO")
    records = Record.objects.filter(pk__in=keys.values("record_id"), state__in=PUBLIC_STATES).order_by("number")
    found = [str(p.body.get("uniqueIdentification")) for p in latest_revisions(records)]
    return [u for u in found if len(split_stack(u)) == 1][:5]


def _expiry(country: str, body: Mapping[str, Any], types: Sequence[str]) -> dt.date | None:
    rule = _jurisdictions().get(country, {}).get("validity")
    date = body.get("date")
    if not rule or not isinstance(date, str):
        return None
    try:
        decided = dt.date.fromisoformat(date[:10])
    except ValueError:
        return None
    if decided < dt.date.fromisoformat(rule["from"]):
        return None
    if not any(t == code or t.startswith(code + "-") for t in types for code in rule["decision_types"]):
        return None
    try:
        return decided.replace(year=decided.year + int(rule["years"]))
    except ValueError:  # 29 February
        return decided.replace(year=decided.year + int(rule["years"]), day=28)


def _has(types: Sequence[str], code: str) -> bool:
    return any(t == code or t.startswith(code + "-") for t in types)


def _covers(body: Mapping[str, Any], types: Sequence[str], uses: Sequence[str], use: str) -> bool:
    """Whether a decision decides ``use`` (the table in the module docstring)."""
    if use in _FFP:
        return (_has(types, "8.2") or _has(types, "8.3")) and (not uses or use in uses)
    if use == "cultivation":
        trial_only = body.get("involvesFieldTrial") is True and body.get("involvesCommercialRelease") is not True
        return _has(types, "8.1") and not trial_only
    if use == "field-trial":
        return _has(types, "8.1")
    if use == "contained-use":
        return _has(types, "8.5")
    return _has(types, "8.4")


def _scope(types: Sequence[str], uses: Sequence[str], language: str) -> str:
    parts = []
    if _has(types, "8.1"):
        parts.append(gettext("release into the environment"))
    if _has(types, "8.2") or _has(types, "8.3"):
        shown = [_label("ffp-uses", u, language) for u in uses] or [gettext("food, feed and processing")]
        parts.extend(shown)
    if _has(types, "8.4"):
        parts.append(gettext("transit"))
    if _has(types, "8.5"):
        parts.append(gettext("contained use"))
    return "; ".join(parts) or ", ".join(types)


def _evidence(
    published: PublishedRecord, lmo: str, country: str, use: str, language: str, today: dt.date
) -> DecisionEvidence:
    body = published.body
    types = _ids(body.get("decisionTypes"))
    uses = _ids(body.get("uses"))
    results = _ids(body.get("decisionResult"))
    result = results[0] if results else None
    conditions = _text(body.get("conditions"), language)
    expires = _expiry(country, body, types)
    if published.record.state != "published":
        effect = "withdrawn"
    elif expires is not None and expires <= today:
        effect = "expired"
    elif result == "approval-with-conditions" or (result in _AUTHORISING and conditions):
        effect = "authorises-with-conditions"
    elif result in _AUTHORISING:
        effect = "authorises"
    elif result == "prohibition":
        effect = "prohibits"
    elif result is None and not (_has(types, "8.1") or _has(types, "8.2")):
        # transit, contained use and the simplified procedure have no result field (as in the
        # BCH): the decision itself sets the terms on which the LMO may be handled
        effect = "regulates"
    else:
        effect = "not-an-authorisation"
    documents = [
        str(d.get("url"))
        for d in body.get("documents") or []
        if isinstance(d, Mapping) and str(d.get("url") or "").startswith(("http://", "https://"))
    ]
    return DecisionEvidence(
        uid=published.uid,
        identifier=published.record.identifier,
        lmo=lmo,
        title=_text(body.get("title"), language) or published.record.title,
        date=body.get("date") if isinstance(body.get("date"), str) else None,
        reference_number=str(body["referenceNumber"]) if body.get("referenceNumber") else None,
        decision_types=types,
        uses=uses,
        scope=_scope(types, uses, language),
        result=result,
        result_label=_label("decision-results", result, language) if result else "",
        conditions=conditions,
        effect=effect,
        covers_use=_covers(body, types, uses, use),
        expires_on=expires.isoformat() if expires else None,
        documents=documents,
        api_url=f"/api/v1/records/{published.uid}",
    )


def _decide(decisions: Sequence[DecisionEvidence]) -> tuple[Verdict, list[DecisionEvidence], list[DecisionEvidence]]:
    """The verdict of an LMO's decisions for the use, the deciding evidence and the rest."""
    deciding = [d for d in decisions if d.covers_use and d.effect in _VERDICT_OF]
    rest = [d for d in decisions if d not in deciding]
    if not deciding:
        return Verdict.NO_DECISION, [], rest
    # latest first; a prohibition first among decisions of one day
    deciding.sort(key=lambda d: (d.date or "", d.effect == "prohibits"), reverse=True)
    winner = deciding[0]
    return _VERDICT_OF[winner.effect], deciding, rest


_Judged = tuple[Verdict, list[DecisionEvidence], list[DecisionEvidence], str]


def _judge(found: Sequence[DecisionEvidence], use: str) -> _Judged:
    """:func:`_decide`, and for processing the inference from food and feed (module docstring)."""
    verdict, deciding, rest = _decide(found)
    if use != "processing" or verdict != Verdict.NO_DECISION:
        return verdict, deciding, rest, ""
    verdicts = []
    evidence: dict[str, DecisionEvidence] = {}
    for other in ("food", "feed"):
        judged, used, _ = _decide([_evidence_for(d, other) for d in found])
        verdicts.append(judged)
        evidence.update((d.uid, d) for d in used)
    if not all(v in (Verdict.AUTHORISED, Verdict.AUTHORISED_WITH_CONDITIONS) for v in verdicts):
        return verdict, deciding, rest, ""
    note = gettext(
        "No decision names processing; the LMO is authorised for both food and feed, which is "
        "taken to cover processing into food and feed."
    )
    return weakest(verdicts), list(evidence.values()), [d for d in found if d.uid not in evidence], note


@dataclass
class _Lmo:
    published: PublishedRecord
    unique: str
    name: str
    components: list[str]  # identifiers of component LMO records (stacks)
    organisms: list[str]


def _lmos(records: Iterable[Record]) -> dict[str, _Lmo]:
    found = {}
    for published in latest_revisions(list({r.pk: r for r in records}.values())):
        body = published.body
        refs = [
            p[0]
            for ref in body.get("recipientOrganisms") or []
            if isinstance(ref, Mapping) and (p := parse_reference(ref.get("identifier", "")))
        ]
        found[published.record.identifier] = _Lmo(
            published=published,
            unique=str(body.get("uniqueIdentification") or ""),
            name=_text(body.get("identity"), "en") or published.record.title,
            components=refs,
            organisms=refs,
        )
    return found


def _crops(lmos: Mapping[str, _Lmo], language: str) -> dict[str, str]:
    """The crop of each LMO (its recipient organism; a stack's own or its first component's)."""
    wanted = {ref for lmo in lmos.values() for ref in lmo.organisms}
    names: dict[str, str] = {}
    organisms = Record.objects.filter(identifier__in=sorted(wanted), type="ORGA", state__in=PUBLIC_STATES)
    for published in latest_revisions(organisms):
        body = published.body
        common = [_text(n, language) for n in body.get("commonNames") or []]
        scientific = str(body.get("scientificName") or published.record.title)
        names[published.record.identifier] = f"{common[0]} ({scientific})" if common and common[0] else scientific
    out = {}
    for identifier, lmo in lmos.items():
        crop = next((names[r] for r in lmo.organisms if r in names), "")
        if not crop:
            crop = next((names[o] for c in lmo.organisms if c in lmos for o in lmos[c].organisms if o in names), "")
        out[identifier] = crop
    return out


def _decisions(
    lmos: Mapping[str, _Lmo], country: str, use: str, language: str, today: dt.date
) -> dict[str, list[DecisionEvidence]]:
    links = RecordLink.objects.filter(
        target_identifier__in=sorted(lmos),
        field="modifiedOrganisms",
        source__type="DEC",
        source__owner=country,
        source__state__in=PUBLIC_STATES,
    ).select_related("source")
    targets: dict[str, list[str]] = {}
    sources: dict[str, Record] = {}
    for link in links:
        targets.setdefault(link.source.identifier, []).append(link.target_identifier)
        sources[link.source.identifier] = link.source
    out: dict[str, list[DecisionEvidence]] = {}
    for published in latest_revisions(sources.values()):
        for lmo in dict.fromkeys(targets[published.record.identifier]):
            out.setdefault(lmo, []).append(_evidence(published, lmos[lmo].unique or lmo, country, use, language, today))
    for found in out.values():
        found.sort(key=lambda d: (d.date or "", d.uid), reverse=True)
    return out


def _methods(lmos: Iterable[str], language: str) -> dict[str, list[dict[str, Any]]]:
    """Event-specific detection methods per LMO: clearing-house records, then the detection databases."""
    wanted = sorted(set(lmos))
    out: dict[str, dict[str, dict[str, Any]]] = {}
    links = RecordLink.objects.filter(
        target_identifier__in=wanted, field="targetLmos", source__type="DM", source__state__in=PUBLIC_STATES
    ).select_related("source")
    targets: dict[str, list[str]] = {}
    records: dict[str, Record] = {}
    for link in links:
        targets.setdefault(link.source.identifier, []).append(link.target_identifier)
        records[link.source.identifier] = link.source
    for published in latest_revisions(records.values()):
        body = published.body
        if "event-specific" not in _ids(body.get("methodType")):
            continue
        code = str(body.get("methodCode") or published.uid)
        for lmo in targets[published.record.identifier]:
            entry = out.setdefault(lmo, {}).setdefault(
                code,
                {
                    "method_code": code,
                    "title": _text(body.get("title"), language) or _text(body.get("description"), language),
                    "record": published.uid,
                    "api_url": f"/api/v1/records/{published.uid}",
                    "sources": [],
                    "url": None,
                },
            )
            entry["sources"].append("clearing-house record")
    labels = {name: d.label for name, d in definitions().items()}
    rows = ExternalItem.objects.filter(
        subject="lmo", active=True, verdict__in=_MATCHED, record_identifier__in=wanted
    ).only("source", "fields", "record_identifier", "url")
    for item in rows:
        if item.fields.get("scope") != "event-specific" or not item.fields.get("method_code"):
            continue
        code = str(item.fields["method_code"])
        entry = out.setdefault(item.record_identifier, {}).setdefault(
            code, {"method_code": code, "title": "", "record": None, "api_url": None, "sources": [], "url": None}
        )
        label = labels.get(item.source, item.source)
        if label not in entry["sources"]:
            entry["sources"].append(label)
        if not entry["url"] and str(item.url or "").startswith(("http://", "https://")):
            entry["url"] = item.url
    return {lmo: sorted(methods.values(), key=lambda m: m["method_code"]) for lmo, methods in out.items()}


def _refs(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value] if value else []
    return [p[0] for ref in items if isinstance(ref, Mapping) and (p := parse_reference(ref.get("identifier", "")))]


def _laboratories(country: str, language: str) -> list[dict[str, Any]]:
    """The detection laboratories in the country (laboratory records are reference records: the
    country is their organisation's), with the LMOs each says it can detect."""
    labs = latest_revisions(Record.objects.filter(type="LAB", state="published").order_by("number"))
    organisations = {ref for lab in labs for ref in _refs(lab.body.get("organization"))}
    in_country = {
        org.record.identifier
        for org in latest_revisions(
            Record.objects.filter(identifier__in=sorted(organisations), type="ORG", state__in=PUBLIC_STATES)
        )
        if country.lower() in _ids(org.body.get("country"))
    }
    out = []
    for published in labs:
        body = published.body
        if not in_country & set(_refs(body.get("organization"))):
            continue
        out.append(
            {
                "uid": published.uid,
                "name": _text(body.get("name"), language) or published.record.title,
                "detectable_lmos": _refs(body.get("detectableLmos")),
                "api_url": f"/api/v1/records/{published.uid}",
            }
        )
    return out


# -- the check ----------------------------------------------------------------------------------


def _validate(text: str, country: str, use: str) -> None:
    issues = []
    if not text.strip():
        issues.append(Issue("/text", "required", gettext("paste a document or type at least one identifier")))
    elif len(text) > MAX_TEXT:
        issues.append(Issue("/text", "too_long", gettext("the text has at most %(n)d characters") % {"n": MAX_TEXT}))
    if not country.strip():
        issues.append(Issue("/country", "required", gettext("choose the importing country")))
    if use not in USES:
        issues.append(
            Issue(
                "/use",
                "unknown_use",
                gettext("the intended use is one of: %(uses)s") % {"uses": ", ".join(USES)},
            )
        )
    if issues:
        raise BadRequestError(issues[0].message, issues=issues)
    if country.strip().lower() not in get_vocabulary("countries"):
        # a well-formed code that names no country: nothing to check against, as for any unknown name
        message = gettext("no country with the code %(c)s") % {"c": country.strip()[:10]}
        raise NotFoundError(message, issues=[Issue("/country", "unknown_country", message)])


def use_label(use: str) -> str:
    """The intended use in words, in the active language."""
    labels = {
        "food": gettext("food"),
        "feed": gettext("feed"),
        "processing": gettext("processing"),
        "cultivation": gettext("cultivation or release into the environment"),
        "field-trial": gettext("field trial"),
        "contained-use": gettext("contained use"),
        "transit": gettext("transit"),
    }
    return labels.get(use, use)


def _next_steps(item: ItemCheck, country_name: str, use: str) -> list[str]:
    what = {"country": country_name, "use": use_label(use)}
    steps = []
    if item.verdict == Verdict.AUTHORISED:
        steps.append(
            gettext(
                "%(country)s has authorised it for %(use)s: it may enter for that use. Check that the "
                "documents match the goods."
            )
            % what
        )
    elif item.verdict == Verdict.AUTHORISED_WITH_CONDITIONS:
        steps.append(
            gettext(
                "%(country)s has authorised it for %(use)s under conditions: read them below and check "
                "that the shipment meets them."
            )
            % what
        )
    elif item.verdict == Verdict.NOT_AUTHORISED:
        steps.append(
            gettext(
                "%(country)s has prohibited it for %(use)s: it may not enter. Hold the shipment and "
                "contact the competent national authority."
            )
            % what
        )
    elif item.verdict == Verdict.NO_DECISION:
        steps.append(
            gettext(
                "%(country)s: no decision authorises it for %(use)s. Hold the shipment and ask the "
                "competent national authority: an import without authorisation may be illegal (Article 25)."
            )
            % what
        )
    elif item.verdict == Verdict.IDENTIFIER_UNKNOWN:
        steps.append(
            gettext(
                "No LMO is registered under this identifier. Check the document for a typing error and "
                "ask the exporter; a laboratory can test a sample."
            )
        )
    else:
        steps.append(
            gettext(
                "The last digit (the verifier) does not fit the rest of the identifier: a typing error "
                "or a false identifier. Ask the exporter for a corrected document."
            )
        )
    if item.suggestions:
        steps.append(
            gettext("Registered with the same first characters: %(ids)s.") % {"ids": ", ".join(item.suggestions)}
        )
    if item.detection_methods:
        codes = ", ".join(m["method_code"] for m in item.detection_methods[:4])
        steps.append(
            ngettext(
                "A laboratory can confirm it with the event-specific method %(codes)s.",
                "A laboratory can confirm it with the event-specific methods %(codes)s.",
                len(item.detection_methods),
            )
            % {"codes": codes}
        )
    return steps


def _spans(text: str, version: int) -> tuple[list[Span], dict[str, Record]]:
    """The identifiers of the text and the LMO of every compact key they need.

    Event names are looked for only when the text has no identifier: none dashed, and no loose
    one that names a registered LMO.
    """
    spans = find_identifiers(text)
    if len(spans) > MAX_IDENTIFIERS:
        raise BadRequestError(
            gettext("at most %(n)d identifiers in one check") % {"n": MAX_IDENTIFIERS},
            issues=[
                Issue(
                    "/text",
                    "too_many",
                    gettext("%(found)d identifiers found, at most %(n)d in one check")
                    % {"found": len(spans), "n": MAX_IDENTIFIERS},
                )
            ],
        )

    def keys_of(found: Iterable[Span]) -> set[str]:
        keys: set[str] = set()
        for span in found:
            for spelling in (span.normalised, letter_o_as_zero(span.normalised)):
                keys.add(compact_key(spelling))
                keys.update(compact_key(part) for part in split_stack(spelling))
        return keys

    by_key = _records_by_key(keys_of(spans))
    named = any(
        not span.loose or span.key in by_key or compact_key(letter_o_as_zero(span.normalised)) in by_key
        for span in spans
    )
    if not named:
        by_name = event_name_spans(text, _event_names(version), taken=[])
        by_key.update(_records_by_key(keys_of(by_name)))
        spans = [*spans, *by_name]
    return spans, by_key


def check_shipment(text: str, country: str, use: str, language: str = "en") -> ShipmentCheck:
    """Check the LMOs a document names against ``country``'s decisions for ``use`` (module docstring).

    Raises:
        BadRequestError: empty or too long text, no country, unknown use, more than
            :data:`MAX_IDENTIFIERS` identifiers; each issue names its field (``/text``,
            ``/country``, ``/use``).
        NotFoundError: a country code that names no country (``/country``), a text in which no
            LMO identifier is found (``/text``).
    """
    with translation.override(language):
        return _check(text, country, use, language)


@dataclass
class _Known:
    """What one check has read from the records, for judging its spans."""

    use: str
    rule: Mapping[str, Any]
    country_name: str
    by_key: dict[str, Record]
    lmos: dict[str, _Lmo]
    crops: dict[str, str]
    decisions: dict[str, list[DecisionEvidence]]
    methods: dict[str, list[dict[str, Any]]]
    laboratories: list[dict[str, Any]]

    def lookup(self, spelling: str) -> tuple[_Lmo | None, bool]:
        """The LMO registered under a spelling, and whether the letter O had to be read as Ø."""
        record = self.by_key.get(compact_key(spelling))
        if record is None:
            other = letter_o_as_zero(spelling)
            record = self.by_key.get(compact_key(other)) if other != spelling else None
            if record is not None and record.identifier in self.lmos:
                return self.lmos[record.identifier], True
        return (self.lmos.get(record.identifier) if record is not None else None), False

    def judge(self, identifier: str) -> _Judged:
        return _judge(self.decisions.get(identifier, []), self.use)


def _read(by_key: dict[str, Record], country: str, use: str, language: str) -> _Known:
    """Every record the answer needs, in a fixed number of queries: the LMOs (and their
    components), their crops, the country's decisions on them, methods and laboratories."""
    lmos = _lmos(by_key.values())
    more = [c for lmo in lmos.values() for c in lmo.components if c not in lmos]
    if more:
        extra = Record.objects.filter(identifier__in=sorted(set(more)), type="LMO", state__in=PUBLIC_STATES)
        lmos.update(_lmos(extra))
    for lmo in lmos.values():
        lmo.components = [c for c in lmo.components if c in lmos]
    return _Known(
        use=use,
        rule=_jurisdictions().get(country, {}),
        country_name=get_vocabulary("countries").terms[country.lower()].label_in(language),
        by_key=by_key,
        lmos=lmos,
        crops=_crops(lmos, language),
        decisions=_decisions(lmos, country, use, language, timezone.now().date()),
        methods=_methods(lmos, language),
        laboratories=_laboratories(country, language),
    )


def _check(text: str, country: str, use: str, language: str) -> ShipmentCheck:
    _validate(text, country, use)
    country = country.strip().upper()
    version = data_version()
    spans, by_key = _spans(text, version.seq)
    known = _read(by_key, country, use, language)
    items: list[ItemCheck] = []
    ignored: list[str] = []
    for span in spans:
        item = _check_span(span, known)
        if item is None:
            ignored.append(span.text)
        else:
            items.append(item)
    ignored.extend(near_misses(text, taken=spans))
    if not items:
        # the text names no LMO: 404, as for any name that names nothing
        raise NotFoundError(
            gettext("no LMO identifier found in the text"),
            issues=[
                Issue(
                    "/text",
                    "no_identifiers",
                    gettext("no LMO identifier found in the text: unique identifiers look like MON-ØØ81Ø-6")
                    + ("; " + gettext("malformed: %(spans)s") % {"spans": ", ".join(ignored)} if ignored else ""),
                )
            ],
        )
    note = str(known.rule.get("note") or "")
    stacks = str(known.rule.get("stacks_basis") or "")
    return ShipmentCheck(
        country=country,
        country_name=known.country_name,
        use=use,
        use_label=use_label(use),
        language=language,
        overall=weakest(i.verdict for i in items),
        items=items,
        checked_at=timezone.now().isoformat(timespec="seconds"),
        data=version,
        note=gettext(note) if note else "",
        stacks_rule=gettext(stacks) if stacks and any(i.components for i in items) else "",
        laboratories=known.laboratories,
        ignored=ignored,
    )


def _check_span(span: Span, known: _Known) -> ItemCheck | None:
    """One identifier (or stack) of the text judged; None for a loose span that names nothing."""
    lmo, by_letter_o = known.lookup(span.normalised)
    spelling = check_oecd_uid(span.normalised)
    item = ItemCheck(
        input=span.text,
        verdict=Verdict.NO_DECISION,
        found_by="event-name" if span.by_event_name else "identifier",
        may_contain=span.may_contain,
        check=spelling.as_dict(),
    )
    if span.by_event_name:
        item.warnings.append(gettext("found by its event name, not by a unique identifier: check the document"))
    if by_letter_o:
        item.warnings.append(gettext("the letter O was read as the digit zero (Ø)"))
    parts = split_stack(span.normalised)
    if lmo is not None:
        item.lmo_uid = lmo.published.uid
        item.identifier = lmo.published.record.identifier
        item.unique_identifier = lmo.unique
        item.name = lmo.name
        item.crop = known.crops.get(item.identifier, "")
        if check_oecd_uid(lmo.unique).check_digit_ok is False:
            item.warnings.append(
                gettext("the registered identifier itself fails the verifier digit check; it is registered so")
            )
        item.verdict, item.evidence, item.related, item.inferred = known.judge(item.identifier)
        if len(parts) > 1 or lmo.components:
            components = [known.lmos[c] for c in lmo.components] or [
                found for part in parts if (found := known.lookup(part)[0]) is not None
            ]
            item.components = [_component(c, known.judge(c.published.record.identifier)) for c in components]
    elif len(parts) > 1:
        # a stack not registered as such: its components may be
        for part in parts:
            found = known.lookup(part)[0]
            item.components.append(
                _component(found, known.judge(found.published.record.identifier))
                if found is not None
                else _unknown_component(part)
            )
        if span.loose and all(c.unique_identifier is None for c in item.components):
            return None
        item.warnings.append(gettext("this stack is not registered in the clearing-house"))
        item.verdict = Verdict.IDENTIFIER_UNKNOWN
    else:
        item.suggestions = _same_first_eight(span.normalised)
        if span.loose and not item.suggestions:
            return None
        item.verdict = Verdict.CHECK_DIGIT_WRONG if spelling.check_digit_ok is False else Verdict.IDENTIFIER_UNKNOWN
    if item.components:
        _stack_verdict(item, known.rule)
    if item.stack_basis == "components" and not item.inferred:
        item.inferred = next((c.inferred for c in item.components if c.inferred), "")
    wanted = [item.identifier] if item.identifier else []
    wanted += [c.identifier for c in item.components if c.identifier]
    seen: set[str] = set()
    for lmo_id in wanted:
        for method in known.methods.get(lmo_id, []):
            if method["method_code"] not in seen:
                seen.add(method["method_code"])
                component = known.lmos[lmo_id].unique if lmo_id != item.identifier else None
                item.detection_methods.append({**method, "component": component})
    item.laboratories = [lab for lab in known.laboratories if set(wanted) & set(lab["detectable_lmos"])]
    item.next_steps = _next_steps(item, known.country_name, known.use)
    return item


def _component(lmo: _Lmo, judged: _Judged) -> ComponentCheck:
    verdict, evidence, related, inferred = judged
    return ComponentCheck(
        input=lmo.unique,
        verdict=verdict,
        unique_identifier=lmo.unique,
        lmo_uid=lmo.published.uid,
        name=lmo.name,
        identifier=lmo.published.record.identifier,
        evidence=evidence,
        related=related,
        inferred=inferred,
    )


def _unknown_component(text: str) -> ComponentCheck:
    verdict = check_oecd_uid(text)
    return ComponentCheck(
        input=text,
        verdict=Verdict.CHECK_DIGIT_WRONG if verdict.check_digit_ok is False else Verdict.IDENTIFIER_UNKNOWN,
        unique_identifier=None,
        lmo_uid=None,
        name="",
    )


def _stack_verdict(item: ItemCheck, rule: Mapping[str, Any]) -> None:
    """A stack's verdict: its own decisions, else its components' where the jurisdiction says so."""
    if item.identifier and item.verdict != Verdict.NO_DECISION:
        item.stack_basis = "own"
        return
    components = weakest(c.verdict for c in item.components)
    unknown = {Verdict.IDENTIFIER_UNKNOWN, Verdict.CHECK_DIGIT_WRONG}
    if components in unknown or components == Verdict.NOT_AUTHORISED:
        # a component that names nothing, or is prohibited, decides the stack whatever the rule
        item.verdict = weakest([item.verdict, components]) if item.identifier else components
        item.stack_basis = "components"
        return
    if rule.get("stacks") == "components":
        item.verdict = components
        item.stack_basis = "components"
        return
    item.stack_basis = "own"
    if not item.identifier:
        item.verdict = Verdict.IDENTIFIER_UNKNOWN


def _evidence_for(decision: DecisionEvidence, use: str) -> DecisionEvidence:
    """The same decision judged for another use (scope only: its effect does not depend on the use)."""
    types, uses = decision.decision_types, decision.uses
    covers = (_has(types, "8.2") or _has(types, "8.3")) and (not uses or use in uses)
    return DecisionEvidence(**{**asdict(decision), "covers_use": covers})


def decision_pack(country: str, language: str = "en") -> dict[str, Any]:
    """Every published decision of ``country`` with the LMOs it names: what a border post keeps
    for checking offline. Withdrawn and expired decisions are included, marked (they do not
    authorise); ``data`` says how current it is."""
    with translation.override(language):
        code = country.strip().upper()
        if code.lower() not in get_vocabulary("countries"):
            message = gettext("no country with the code %(c)s") % {"c": code[:10]}
            raise NotFoundError(message, issues=[Issue("/country", "unknown_country", message)])
        version = data_version()
        today = timezone.now().date()
        records = Record.objects.filter(type="DEC", owner=code, state__in=PUBLIC_STATES).order_by("number")
        published = latest_revisions(records)
        links = RecordLink.objects.filter(source__in=records, field="modifiedOrganisms")
        targets: dict[int, list[str]] = {}
        for link in links:
            targets.setdefault(link.source_id, []).append(link.target_identifier)
        lmos = _lmos(
            Record.objects.filter(
                identifier__in=sorted({t for ts in targets.values() for t in ts}), state__in=PUBLIC_STATES
            )
        )
        decisions = []
        for item in published:
            evidence = _evidence(item, "", code, "food", language, today)
            named = [lmos[t] for t in targets.get(item.record.pk, []) if t in lmos]
            entry = asdict(evidence)
            for name in ("lmo", "covers_use"):
                entry.pop(name)
            entry["lmos"] = [
                {"unique_identifier": lmo.unique, "uid": lmo.published.uid, "name": lmo.name} for lmo in named
            ]
            entry["uses_decided"] = [u for u in USES if _covers(item.body, evidence.decision_types, evidence.uses, u)]
            decisions.append(entry)
        rule = _jurisdictions().get(code, {})
        return {
            "country": code,
            "country_name": get_vocabulary("countries").terms[code.lower()].label_in(language),
            "generated_at": timezone.now().isoformat(timespec="seconds"),
            "data": asdict(version),
            "stacks": rule.get("stacks", "own"),
            "note": gettext(str(rule["note"])) if rule.get("note") else "",
            "decisions": decisions,
        }
