"""Border-check exercises on real data: a generated shipping document, and the verdict it deserves.

At the time an attempt is drawn, an exercise becomes a plain-text commercial invoice with an
Article 18 "may contain" declaration (or, for seed, a statement of identity) listing unique
identifiers of LMOs published in this clearing-house, written in the spellings real documents use
(lower case, ``0`` for ``Ø``, en dashes, spaces). The question's ``mix`` asks for identifiers with
given verdicts (``authorised``, ``no-decision``, ``check-digit-wrong`` …); they are picked by
asking the border check itself about a sample of the published LMOs, and a wrong verifier digit or
an unknown identifier is made by changing or inventing one.

The right answer is never computed here: the finished document is given to
:func:`openbch.customs.bordercheck.check_shipment`, the same service the trainee uses at
``/<lang>/border-check/``, and its overall verdict and per-identifier verdicts are the answer,
kept with the attempt. So a mix this data cannot satisfy (no decision of that kind for that
country) still gives a right answer: the one the border check gives.
"""

from __future__ import annotations

import random
from typing import Any

from openbch.identifiers.oecd import check as check_oecd_uid
from openbch.identifiers.oecd import compact_key, verifier_digit
from openbch.learning.catalogue import Question
from openbch.records.models import Record, RecordState
from openbch.records.queries import latest_revisions

__all__ = ["SAMPLE", "make_exercise", "published_identifiers"]

#: published LMOs the border check is asked about to find identifiers of each verdict
SAMPLE = 60
_ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_EXPORTERS = (
    "Prairie Grain Exporters Ltd., Winnipeg",
    "Rio Paraná Commodities S.A., Rosario",
    "Great Lakes Agri-Trade Inc., Toledo",
    "Danube Feed Trading GmbH, Wien",
    "Southern Cross Oilseeds Pty Ltd, Brisbane",
)
_GOODS = {
    "food": ("Yellow maize (Zea mays) and soybean grain, bulk", "direct use as food"),
    "feed": ("Soybean meal and maize grain for animal feed, bulk", "direct use as feed"),
    "processing": ("Canola (rapeseed) and maize grain for crushing and milling, bulk", "processing"),
}


def published_identifiers() -> list[str]:
    """The registered spelling of every published single-event LMO's unique identifier."""
    records = Record.objects.filter(type="LMO", state=RecordState.PUBLISHED).order_by("number")
    found: set[str] = set()
    for item in latest_revisions(records):
        uid = item.body.get("uniqueIdentification")
        if isinstance(uid, str):
            verdict = check_oecd_uid(uid)
            if verdict.compact and not verdict.is_stack:
                found.add(uid.strip())
    return sorted(found)


def _spelling(uid: str, rng: random.Random) -> str:
    """One of the ways documents write ``uid``; each is one the border check reads."""
    zero = uid.replace("Ø", "0")
    return rng.choice(
        (
            uid,
            zero,
            zero.lower(),
            uid.replace("-", "\u2013"),
            zero.replace("-", " "),
        )
    )


def _wrong_digit(uid: str, rng: random.Random) -> str:
    digit = int(uid[-1])
    return uid[:-1] + str((digit + rng.randrange(1, 10)) % 10)


def _unknown(rng: random.Random, known: set[str]) -> str:
    """A well-formed identifier with a right verifier digit that names no registered LMO."""
    while True:
        applicant = rng.choice(("MON", "SYN", "DAS", "BCS", "ACS", "DP", "MST"))
        event = "".join(rng.choice(_ALPHABET) for _ in range(8 - len(applicant)))
        uid = f"{applicant}-{event}-{verifier_digit(applicant + event)}"
        if compact_key(uid) not in known:
            return uid


def _document(lines: list[str], country: str, use: str, rng: random.Random) -> str:
    number = f"INV-{rng.randrange(2020, 2027)}-{rng.randrange(10000, 99999)}"
    exporter = rng.choice(_EXPORTERS)
    tonnes = rng.randrange(5, 60) * 1000
    listed = "\n".join(f"  - {line}" for line in lines)
    if use in _GOODS:
        goods, purpose = _GOODS[use]
        statement = (
            f"This shipment may contain living modified organisms intended for {purpose}, "
            "not intended for intentional introduction into the environment.\n"
            "May contain the following LMOs (unique identifiers):\n"
        )
    else:
        goods = "Seed for planting, treated, in 25 kg bags"
        purpose = use.replace("-", " ")
        statement = (
            f"The consignment consists of living modified organisms destined for {purpose}.\n"
            "Identity of the LMOs (unique identifiers):\n"
        )
    return (
        "COMMERCIAL INVOICE\n"
        f"Invoice no.: {number}\n"
        f"Exporter: {exporter}\n"
        f"Consignee: National Grain Board, importing country {country}\n"
        f"Goods: {goods}\n"
        f"Quantity: {tonnes:,} kg net\n"
        "HS code: 1005.90 / 1201.90\n\n"
        "DOCUMENTATION UNDER ARTICLE 18 OF THE CARTAGENA PROTOCOL ON BIOSAFETY\n"
        f"{statement}{listed}\n"
        "Contact for further information: compliance@exporter.example\n"
    )


def make_exercise(question: Question, rng: random.Random) -> dict[str, Any]:
    """A paper entry for a border-check question: the document, its identifiers and the answer."""
    from openbch.customs.bordercheck import check_shipment

    exercise = question.exercise
    assert exercise is not None
    identifiers = published_identifiers()
    known = {compact_key(uid) for uid in identifiers}
    sample = rng.sample(identifiers, min(SAMPLE, len(identifiers)))
    by_verdict: dict[str, list[str]] = {}
    if sample:
        probe = check_shipment("\n".join(sample), exercise.country, exercise.use)
        by_compact = {compact_key(uid): uid for uid in sample}
        for item in probe.items:
            uid = by_compact.get(compact_key(str(item.input)))
            if uid is not None:
                by_verdict.setdefault(str(item.verdict), []).append(uid)
    used: set[str] = set()

    def pick(verdict: str) -> str:
        pool = [u for u in by_verdict.get(verdict, []) if u not in used] or [u for u in sample if u not in used]
        uid = rng.choice(pool) if pool else _unknown(rng, known)
        used.add(uid)
        return uid

    chosen: list[str] = []
    for wanted in exercise.mix:
        if wanted == "identifier-unknown":
            chosen.append(_unknown(rng, known))
        elif wanted == "check-digit-wrong":
            chosen.append(_wrong_digit(pick("authorised"), rng))
        else:
            chosen.append(pick(wanted))
    rng.shuffle(chosen)
    for spelled in ([_spelling(uid, rng) for uid in chosen], chosen):
        document = _document(spelled, exercise.country, exercise.use, rng)
        answer = check_shipment(document, exercise.country, exercise.use)
        if len(answer.items) == len(chosen):
            break
    # else: the registered spellings, whatever the service picked out; the answer is the service's
    return {
        "country": exercise.country,
        "use": exercise.use,
        "document": document,
        "identifiers": [str(item.input) for item in answer.items],
        "expected": {"overall": str(answer.overall), "items": [str(item.verdict) for item in answer.items]},
    }
