"""Realistic synthetic clearing-house records, for benchmarks (deterministic for a seed).

The mix follows the real BCH: reference records (organisms, genetic elements, LMOs, detection
methods) referenced by many national decisions from ~190 countries with a Zipf-like skew; bodies
are multilingual and carry terms, references, dates and OECD identifiers like the demo data.
"""

from __future__ import annotations

import random
import string
import uuid
from collections.abc import Iterator
from typing import Any

from openbch.identifiers.oecd import verifier_digit
from openbch.records.services import RecordInput
from openbch.vocabularies import get_vocabulary

WORDS = [
    "maize",
    "soybean",
    "cotton",
    "canola",
    "potato",
    "rice",
    "wheat",
    "alfalfa",
    "sugar",
    "beet",
    "papaya",
    "eggplant",
    "tolerance",
    "resistance",
    "herbicide",
    "glyphosate",
    "glufosinate",
    "insect",
    "lepidopteran",
    "coleopteran",
    "drought",
    "virus",
    "event",
    "construct",
    "promoter",
    "terminator",
    "protein",
    "expression",
    "field",
    "trial",
    "release",
    "food",
    "feed",
    "processing",
    "import",
    "risk",
    "assessment",
    "decision",
    "environment",
    "safety",
    "approval",
    "conditions",
    "cultivation",
    "detection",
    "method",
    "primer",
    "probe",
    "amplicon",
]

MIX = (("ORGA", 0.03), ("GENE", 0.07), ("LMO", 0.20), ("DM", 0.10), ("CNA", 0.02), ("DEC", 0.58))


def _guid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4)).upper()


def _sentence(rng: random.Random, low: int = 8, high: int = 30) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))


def _oecd_uid(rng: random.Random) -> str:
    applicant = "".join(rng.choice(string.ascii_uppercase) for _ in range(3))
    event = "".join(rng.choice(string.digits + string.ascii_uppercase[:6]) for _ in range(5))
    return f"{applicant}-{event}-{verifier_digit(applicant + event)}".replace("0", "Ø")


class Generator:
    def __init__(self, seed: int = 42) -> None:
        self.rng = random.Random(seed)
        countries = [t.id for t in get_vocabulary("countries") if t.id != "eu"]
        self.countries = countries[:190]
        self.weights = [1 / (i + 1) ** 0.9 for i in range(len(self.countries))]
        self.traits = [t.id for t in get_vocabulary("lmo-traits")]
        self.categories = [t.id for t in get_vocabulary("element-categories")]
        self.pools: dict[str, list[str]] = {code: [] for code, _ in MIX}
        self.cna_of: dict[str, str] = {}

    def _refs(self, code: str, low: int, high: int) -> list[dict[str, str]]:
        pool = self.pools[code]
        return [{"identifier": self.rng.choice(pool)} for _ in range(self.rng.randint(low, high))] if pool else []

    def _make(self, code: str) -> RecordInput | None:
        rng = self.rng
        identifier = _guid(rng)
        body: dict[str, Any]
        owner = "SCBD"
        if code == "ORGA":
            body = {
                "scientificName": f"{rng.choice(WORDS).title()} {rng.choice(WORDS)}",
                "organismType": {"identifier": "plants"},
                "commonNames": [{"en": rng.choice(WORDS), "fr": rng.choice(WORDS)}],
            }
        elif code == "GENE":
            body = {
                "name": {"en": _sentence(rng, 2, 5)},
                "abbreviation": rng.choice(WORDS)[:6],
                "family": {"identifier": rng.choice(self.categories)},
            }
        elif code == "LMO":
            if not self.pools["ORGA"] or not self.pools["GENE"]:
                return None
            body = {
                "identity": {"en": f"{rng.choice(WORDS).title()} {rng.choice(WORDS)}"},
                "transformationEvent": f"EV{rng.randint(1, 99999)}",
                "hasUniqueIdentification": True,
                "uniqueIdentification": _oecd_uid(rng),
                "recipientOrganisms": self._refs("ORGA", 1, 1),
                "genes": self._refs("GENE", 1, 5),
                "traits": [{"identifier": rng.choice(self.traits)} for _ in range(2)],
                "description": {"en": _sentence(rng, 40, 140)},
            }
        elif code == "DM":
            if not self.pools["LMO"]:
                return None
            body = {
                "methodCode": f"QT-EVE-{rng.randint(1, 999):03d}",
                "title": {"en": _sentence(rng, 4, 10)},
                "methodType": {"identifier": "event-specific"},
                "targetLmos": self._refs("LMO", 1, 2),
                "forwardPrimer": "".join(rng.choice("ACGT") for _ in range(24)),
                "reversePrimer": "".join(rng.choice("ACGT") for _ in range(24)),
                "ampliconSize": rng.randint(60, 200),
            }
        elif code == "CNA":
            owner = rng.choices(self.countries, self.weights)[0]
            body = {
                "government": {"identifier": owner},
                "name": {"en": f"Biosafety authority {rng.randint(1, 9999)}"},
                "city": {"en": rng.choice(WORDS).title()},
                "country": {"identifier": owner},
                "responsibilities": {"en": _sentence(rng)},
            }
            self.cna_of.setdefault(owner, identifier)
        else:
            owner = rng.choices(self.countries, self.weights)[0]
            if owner not in self.cna_of or not self.pools["LMO"]:
                return None
            kind = rng.choice(["8.1", "8.2"])
            body = {
                "government": {"identifier": owner},
                "authorities": [{"identifier": self.cna_of[owner]}],
                "title": {"en": _sentence(rng, 5, 12), "fr": _sentence(rng, 5, 12)},
                "date": f"{rng.randint(1996, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "decisionTypes": [{"identifier": kind}],
                "isAmendment": False,
                "expires": False,
                "modifiedOrganisms": self._refs("LMO", 1, 3),
                "decisionResult": {"identifier": "approval"},
                "relevantInformation": {"en": _sentence(rng, 20, 60)},
            }
            if kind == "8.2":
                body["uses"] = [{"identifier": "food"}, {"identifier": "feed"}]
        self.pools[code].append(identifier)
        return RecordInput(code, owner.upper(), body, identifier=identifier)

    def batches(self, total: int, size: int) -> Iterator[list[RecordInput]]:
        """``total`` records in batches; each batch only references records of earlier batches or itself."""
        codes = [c for c, _ in MIX]
        weights = [w for _, w in MIX]
        made = 0
        # seed the reference pools so the first batch can reference them
        warmup = ["ORGA"] * 20 + ["GENE"] * 60 + ["CNA"] * 150
        batch: list[RecordInput] = []
        while made < total:
            code = warmup.pop(0) if warmup else self.rng.choices(codes, weights)[0]
            item = self._make(code)
            if item is None:
                continue
            batch.append(item)
            made += 1
            if len(batch) == size:
                yield batch
                batch = []
        if batch:
            yield batch
