"""Canada: the CFIA and Health Canada (CNA records) and their decisions on the CFIA's plants with
novel traits (DEC records): the environmental release, feed and food decision of each LMO row.

The CFIA rows' LMOs themselves (identifiers, event names, traits, crops) are gathered with the
other LMO sources in :mod:`.lmos`; this step links the decisions to them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from .common import Record, Report, en, norm_space, ref, slugify, term, unique
from .lmo_sources import LmoWorld
from .sources import CFIA_CSV, Sources
from .steps import CuratedWorld, Records, StepOutput

#: owner of Canada's records
CANADA = "CA"

#: Canada's two competent national authorities for plants with novel traits (facts from their
#: public web sites; no contact person, telephone or e-mail is invented).
AUTHORITIES: dict[str, dict[str, Any]] = {
    "cna/ca/cfia": {
        "name": {"en": "Canadian Food Inspection Agency", "fr": "Agence canadienne d'inspection des aliments"},
        "acronym": "CFIA",
        "city": {"en": "Ottawa"},
        "websites": [{"url": "https://inspection.canada.ca", "name": "CFIA"}],
        "responsibilities": {
            "en": "Environmental release (unconfined release) of plants with novel traits and safety "
            "assessment of novel livestock feeds.",
            "fr": "Dissémination dans l'environnement (dissémination en milieu ouvert) des végétaux à "
            "caractères nouveaux et évaluation de l'innocuité des aliments nouveaux du bétail.",
        },
        "functions": [{"identifier": "intentional-introduction"}, {"identifier": "food-feed-processing"}],
        "cpbOrganismTypes": [{"identifier": "plants"}],
    },
    "cna/ca/health-canada": {
        "name": {"en": "Health Canada", "fr": "Santé Canada"},
        "city": {"en": "Ottawa"},
        "websites": [{"url": "https://www.canada.ca/en/health-canada.html", "name": "Health Canada"}],
        "responsibilities": {
            "en": "Safety assessment of novel foods, including foods derived from plants with novel traits.",
            "fr": "Évaluation de l'innocuité des aliments nouveaux, y compris les aliments issus de végétaux "
            "à caractères nouveaux.",
        },
        "functions": [{"identifier": "food-feed-processing"}],
    },
}

CFIA_NON_LMO_REASON = (
    "CFIA classifies it as non-LMO (not a living modified organism under the Protocol): no LMO record to link"
)

_MONTHS = {
    name: number
    for number, name in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
}
_DATE_IN_TEXT = re.compile(
    r"(January|February|March|April|May|June|July|August|September|October|November|December)\s*"
    r"(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})"
)
_DECISION_DOCUMENT = re.compile(r"DD\d{2,4}-\d+(?: Suppl\.)?")


def curate_authorities() -> list[Record]:
    """CNA records of the CFIA and Health Canada (owner CA)."""
    records = []
    for key, fields in AUTHORITIES.items():
        body = {"government": term("ca"), "country": term("ca"), **fields}
        records.append(Record(key, "CNA", CANADA, body))
    return records


@dataclass
class Outcome:
    """What one CFIA feed or food text says."""

    approved: bool
    date: str | None = None
    reference: str | None = None
    reason: str = ""


def parse_cfia_decision(text: str) -> Outcome:
    """``Yes (July 28, 2005) DD2005-53`` → approved on 2005-07-28, DD2005-53;
    ``Not assessed for livestock feed`` → no decision; several dates → not parsed (reason)."""
    text = norm_space(text)
    lower = text.lower()
    if not text:
        return Outcome(False, reason="empty field")
    if lower.startswith("not assessed"):
        return Outcome(False, reason="not assessed by CFIA/Health Canada: no decision")
    if lower.startswith("not considered novel"):
        return Outcome(False, reason="not considered novel: no pre-market decision was required")
    dates = unique(dt.date(int(y), _MONTHS[m.lower()], int(d)).isoformat() for m, d, y in _DATE_IN_TEXT.findall(text))
    if not dates:
        return Outcome(False, reason="no decision date could be read")
    if len(dates) > 1:
        return Outcome(
            False,
            reason=f"several decision dates ({', '.join(dates)}) for different lines in one "
            "field; not split automatically",
        )
    if not (lower.startswith("yes") or _DATE_IN_TEXT.match(text)):
        return Outcome(False, reason="the text does not say the decision was positive")
    reference = _DECISION_DOCUMENT.search(text)
    return Outcome(True, dates[0], reference.group(0) if reference else None)


def curate_decisions(sources: Sources, world: LmoWorld, report: Report) -> list[Record]:
    """DEC records (owner CA): per CFIA LMO row, the environmental release (8.1), feed (8.2) and
    food (8.2) decisions it records."""
    records: list[Record] = []
    used_slugs: Counter[str] = Counter()
    for row, record in sources.cfia:
        if record["lmo_status"] != "LMO":
            report.skip(CFIA_CSV, row, f"{record['crop']} {record['event_designation']}: {CFIA_NON_LMO_REASON}")
            continue
        identities = world.cfia_rows.get(row, [])
        organisms = [ref(world.data[i].key) for i in identities]
        event = norm_space(record["event_designation"])
        slug = slugify(event)
        used_slugs[slug] += 1
        if used_slugs[slug] > 1:
            slug = f"{slug}-{slugify(record['crop'])}"
        heading = f"{event} ({record['crop']})"
        applicant = norm_space(record["applicant"]).rstrip(".")
        info = f"Applicant: {applicant}. Trait(s) as published by CFIA: {norm_space(record['traits'])}."
        common = {
            "government": term("ca"),
            "isAmendment": False,
            "expires": False,
            "modifiedOrganisms": organisms,
            "decisionResult": term("approval"),
        }
        document = record["decision_document"].strip()
        env_title = f"{heading}: unconfined environmental release in Canada"
        if document:
            env_title += f" – {document}"
        env = {
            **common,
            "decisionTypes": [term("8.1"), term("8.1-domestic")],
            "date": record["unconfined_release_date"],
            "title": en(env_title),
            "authorities": [ref("cna/ca/cfia")],
            "relevantInformation": en(info),
        }
        if document:
            env["referenceNumber"] = document
        records.append(Record(f"dec/ca/{slug}/env", "DEC", CANADA, env, {"file": CFIA_CSV, "row": row}))
        for use, column, authority, what in (
            ("feed", "livestock_feed", "cna/ca/cfia", "livestock feed"),
            ("food", "food", "cna/ca/health-canada", "novel food"),
        ):
            text = norm_space(record[column])
            outcome = parse_cfia_decision(text)
            if not outcome.approved:
                report.skip(CFIA_CSV, row, f"{event}: {column} {text!r}: {outcome.reason}")
                continue
            if not text.lower().startswith("yes"):
                report.notes.append(
                    f"{CFIA_CSV} row {row} ({event}): {column} {text!r} gives only a date; "
                    "read as a positive decision on that date"
                )
            rest = norm_space(_DECISION_DOCUMENT.sub("", _DATE_IN_TEXT.sub("", text)))
            rest = norm_space(re.sub(r"^(Yes\*?,?)|[()]", " ", rest))
            if rest:
                report.notes.append(
                    f"{CFIA_CSV} row {row} ({event}): {column} decision created from {text!r}; the text adds "
                    f"{rest!r}, kept verbatim in relevantInformation (the decision links every LMO of the row)"
                )
            title = f"{heading}: {what} approval in Canada"
            if outcome.reference:
                title += f" – {outcome.reference}"
            body = {
                **common,
                "decisionTypes": [term("8.2"), term("8.2-domestic-use")],
                "uses": [term(use)],
                "date": outcome.date,
                "title": en(title),
                "authorities": [ref(authority)],
                "relevantInformation": en(f"{info} Decision as published: {text}"),
            }
            if outcome.reference:
                body["referenceNumber"] = outcome.reference
            records.append(Record(f"dec/ca/{slug}/{use}", "DEC", CANADA, body, {"file": CFIA_CSV, "row": row}))
    return records


def curate_canada(world: CuratedWorld, report: Report) -> StepOutput:
    """The jurisdiction step of Canada (see :mod:`.steps`)."""
    return StepOutput(
        {
            "authorities.jsonl": curate_authorities(),
            "decisions.jsonl": curate_decisions(world.sources, world.lmo_world, report),
        }
    )


def summarise_canada(records: Records) -> list[str]:
    decisions = records.get("decisions.jsonl", [])
    kinds = Counter(r.key.rsplit("/", 1)[1] for r in decisions)
    return [
        f"Canadian decisions: {len(decisions)} — environment {kinds['env']}, feed {kinds['feed']}, "
        f"food {kinds['food']}."
    ]
