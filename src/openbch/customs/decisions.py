"""What a country's decision records say about an LMO for an intended use.

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

These are the rules that change when a jurisdiction's law or the record types change; reading the
records is :mod:`openbch.customs.reading`'s, the order of verdicts :mod:`openbch.customs.verdicts`'.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from django.utils.translation import gettext

from openbch.customs.reading import Lmo, decision_records, term_ids, text_in
from openbch.customs.verdicts import Verdict, weakest
from openbch.records.queries import PublishedRecord
from openbch.vocabularies import get_vocabulary

__all__ = [
    "USES",
    "DecisionEvidence",
    "Judged",
    "covers",
    "decision_evidence",
    "evidence_on",
    "judge",
    "jurisdiction",
    "stack_verdict",
]

#: the intended uses a check accepts (the issue's seven; cultivation stands for any release)
USES: tuple[str, ...] = ("food", "feed", "processing", "cultivation", "field-trial", "contained-use", "transit")

_FFP = ("food", "feed", "processing")
_AUTHORISING = {"approval", "approval-without-conditions"}
#: the verdict a current decision deciding the use gives, by its effect (other effects decide nothing)
_VERDICT_OF = {
    "authorises": Verdict.AUTHORISED,
    "authorises-with-conditions": Verdict.AUTHORISED_WITH_CONDITIONS,
    "regulates": Verdict.AUTHORISED_WITH_CONDITIONS,
    "prohibits": Verdict.NOT_AUTHORISED,
}


@cache
def _jurisdictions() -> Mapping[str, Mapping[str, Any]]:
    text = (resources.files("openbch.customs") / "data" / "jurisdictions.json").read_text(encoding="utf-8")
    found: Mapping[str, Mapping[str, Any]] = json.loads(text)["jurisdictions"]
    return found


def jurisdiction(country: str) -> Mapping[str, Any]:
    """The country's rules (validity period, stacks, note); empty for a country not listed."""
    return _jurisdictions().get(country, {})


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


def _label(vocabulary: str, term: str, language: str) -> str:
    terms = get_vocabulary(vocabulary).terms
    return terms[term].label_in(language) if term in terms else term


def _expiry(country: str, body: Mapping[str, Any], types: Sequence[str]) -> dt.date | None:
    rule = jurisdiction(country).get("validity")
    date = body.get("date")
    if not rule or not isinstance(date, str):
        return None
    try:
        decided = dt.date.fromisoformat(date[:10])
    except ValueError:
        return None
    if decided < dt.date.fromisoformat(rule["from"]):
        return None
    if not any(_has(types, code) for code in rule["decision_types"]):
        return None
    try:
        return decided.replace(year=decided.year + int(rule["years"]))
    except ValueError:  # 29 February
        return decided.replace(year=decided.year + int(rule["years"]), day=28)


def _has(types: Sequence[str], code: str) -> bool:
    return any(t == code or t.startswith(code + "-") for t in types)


def _covers_ffp(types: Sequence[str], uses: Sequence[str], use: str) -> bool:
    return (_has(types, "8.2") or _has(types, "8.3")) and (not uses or use in uses)


def covers(body: Mapping[str, Any], types: Sequence[str], uses: Sequence[str], use: str) -> bool:
    """Whether a decision decides ``use`` (the table in the module docstring)."""
    if use in _FFP:
        return _covers_ffp(types, uses, use)
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


def decision_evidence(
    published: PublishedRecord, lmo: str, country: str, use: str, language: str, today: dt.date
) -> DecisionEvidence:
    """A decision record read for ``use``: its scope, its effect on ``today`` and whether it decides the use."""
    body = published.body
    types = term_ids(body.get("decisionTypes"))
    uses = term_ids(body.get("uses"))
    results = term_ids(body.get("decisionResult"))
    result = results[0] if results else None
    conditions = text_in(body.get("conditions"), language)
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
        title=text_in(body.get("title"), language) or published.record.title,
        date=body.get("date") if isinstance(body.get("date"), str) else None,
        reference_number=str(body["referenceNumber"]) if body.get("referenceNumber") else None,
        decision_types=types,
        uses=uses,
        scope=_scope(types, uses, language),
        result=result,
        result_label=_label("decision-results", result, language) if result else "",
        conditions=conditions,
        effect=effect,
        covers_use=covers(body, types, uses, use),
        expires_on=expires.isoformat() if expires else None,
        documents=documents,
        api_url=f"/api/v1/records/{published.uid}",
    )


def evidence_on(
    lmos: Mapping[str, Lmo], country: str, use: str, language: str, today: dt.date
) -> dict[str, list[DecisionEvidence]]:
    """The country's decisions on each LMO read for ``use``, latest first."""
    out = {
        lmo: [decision_evidence(p, lmos[lmo].unique or lmo, country, use, language, today) for p in found]
        for lmo, found in decision_records(lmos, country).items()
    }
    for found in out.values():
        found.sort(key=lambda d: (d.date or "", d.uid), reverse=True)
    return out


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


def _evidence_for(decision: DecisionEvidence, use: str) -> DecisionEvidence:
    """The same decision judged for another food/feed use (scope only: its effect does not depend on the use)."""
    return DecisionEvidence(
        **{**asdict(decision), "covers_use": _covers_ffp(decision.decision_types, decision.uses, use)}
    )


#: a verdict, the deciding evidence, the related evidence and the note of an inference ("" if none)
Judged = tuple[Verdict, list[DecisionEvidence], list[DecisionEvidence], str]


def judge(found: Sequence[DecisionEvidence], use: str) -> Judged:
    """An LMO's verdict for ``use`` on its decisions, and for processing the inference from food
    and feed (module docstring)."""
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


def stack_verdict(
    registered: bool, own: Verdict, components: Iterable[Verdict], rule: Mapping[str, Any]
) -> tuple[Verdict, str]:
    """A stack's verdict and its basis (``own`` or ``components``): its own decisions (``own``, when
    the stack is ``registered``), else its components' where the jurisdiction's ``rule`` says so."""
    if registered and own != Verdict.NO_DECISION:
        return own, "own"
    weakest_component = weakest(components)
    if weakest_component in (Verdict.IDENTIFIER_UNKNOWN, Verdict.CHECK_DIGIT_WRONG, Verdict.NOT_AUTHORISED):
        # a component that names nothing, or is prohibited, decides the stack whatever the rule
        return (weakest([own, weakest_component]) if registered else weakest_component), "components"
    if rule.get("stacks") == "components":
        return weakest_component, "components"
    return (own if registered else Verdict.IDENTIFIER_UNKNOWN), "own"
