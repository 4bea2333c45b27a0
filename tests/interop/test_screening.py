"""Screening on the demo data: the answer the service gives is recomputed here from the files alone.

The expectation is built without openbch's resolution: from the demo records (each LMO's genetic
elements, a stack's components), the gene columns of the ISAAA and BioTrack tables (joined on the
identifier's compact key) and the construct-specific methods' element junctions, attached to events
through the demo data's detection-method records (curated separately, by tools/curate).
"""

from __future__ import annotations

import csv
import io
import json
from importlib import resources
from typing import Any

import pytest
from django.test import Client

from openbch.identifiers.oecd import compact_key
from openbch.interop.screening import build_matrix, screen

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.interop.urls")]
PAYLOADS = resources.files("openbch.interop") / "payloads"
DEMO = resources.files("openbch.demo") / "data"


def jsonl(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (DEMO / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def expected_consistent(positive_keys: list[set[str]], negative_keys: set[str]) -> set[str]:
    """Demo LMO keys known to carry one element of each positive set and none of the negative ones."""
    lmos = {r["key"]: r["body"] for r in jsonl("lmos.jsonl")}
    carries: dict[str, set[str]] = {key: {g["key"] for g in body.get("genes", [])} for key, body in lmos.items()}
    by_compact = {
        compact_key(body["uniqueIdentification"]): key for key, body in lmos.items() if body.get("uniqueIdentification")
    }
    gene_names = {"T-nos": "gene/t-nos", "Nopaline Synthase Gene Terminator": "gene/t-nos", "bar": "gene/bar"}
    for folder, name, uid_column, gene_column in (
        ("isaaa", "isaaa.csv", 1, 6),
        ("oecd-biotrack", "biotrack.csv", 1, 6),
    ):
        for row in csv.reader(io.StringIO((PAYLOADS / folder / name).read_text(encoding="utf-8"))):
            key = by_compact.get(compact_key(row[uid_column]))
            if key and row[gene_column] in gene_names:
                carries[key].add(gene_names[row[gene_column]])
    junctions = {  # EUginius descriptions ("junction between the 35S promoter and …") and EURL targets
        "QL-CON-00-001": {"gene/p-35s-camv"},
        "QL-CON-00-002": {"gene/t-nos"},
        "QL-CON-00-003": set(),
        "QL-CON-00-007": {"gene/t-nos"},
        "QL-CON-00-010": {"gene/t-nos"},
        "QL-CON-00-011": {"gene/p-35s-camv"},
        "QL-CON-00-015": {"gene/p-35s-camv", "gene/bar"},
        "QL-CON-307-F/652-R": {"gene/p-35s-camv"},
        "QL-CON-35S-5' primer A/A1-3' primer B": {"gene/p-35s-camv"},
        "QL-CON-35S-F/nptII-R": {"gene/p-35s-camv"},
        "QL-CON-PGS-bar-A2/PGS-bar-B2": {"gene/bar"},
        "QL-CON-cptiF2/tNOS-uni-R": {"gene/t-nos"},
        "QT-CON-00-003": {"gene/p-35s-camv"},
    }
    for method in jsonl("detection-methods.jsonl"):
        code = method["body"].get("methodCode")
        for target in method["body"].get("targetLmos", []):
            carries.setdefault(target["key"], set()).update(junctions.get(code, set()))

    def all_of(key: str, seen: frozenset[str] = frozenset()) -> set[str]:
        found = set(carries.get(key, set()))
        for parent in lmos[key].get("recipientOrganisms", []):
            if parent["key"] in lmos and parent["key"] not in seen:
                found |= all_of(parent["key"], seen | {key})
        return found

    return {
        key for key in lmos if all(all_of(key) & wanted for wanted in positive_keys) and not all_of(key) & negative_keys
    }


def keys_of(result: list[dict[str, Any]]) -> set[str]:
    from openbch.records.models import Record

    identifiers = [entry["identifier"] for entry in result]
    return set(Record.objects.filter(identifier__in=identifiers).values_list("source_key", flat=True))


def test_p35s_and_tnos_positive_bar_negative_gives_what_the_data_implies(harvested: dict[str, Any]) -> None:
    result = screen(positive=["P-35S", "T-nos"], negative=["bar"], country="CA")
    expected = expected_consistent([{"gene/p-35s-camv", "gene/p-e35s-camv"}, {"gene/t-nos"}], {"gene/bar"})
    assert keys_of(result["consistent"]) == expected
    assert expected  # the data implies at least one candidate …
    # … and not MON810: no source here says MON810 carries the 35S promoter or the nos terminator
    # (its construct, as EURL-GMFF's method QT-CON-00-004 describes it, is the hsp70 intron and cry1Ab)
    assert "lmo/MON-ØØ81Ø-6" not in expected
    assert result["query"]["positive"][0]["elements"] == ["P-35S", "P-e35S"]


def test_each_candidate_comes_with_its_evidence_authorisation_and_confirmation_methods(
    harvested: dict[str, Any],
) -> None:
    result = screen(positive=["P-35S", "T-nos"], negative=["bar"], country="ca")
    for entry in result["consistent"]:
        assert entry["evidence"]["P-35S"] and entry["evidence"]["T-nos"] and entry["not_known"] == []
        assert all(e["source"] for evidence in entry["evidence"].values() for e in evidence)
        assert entry["authorisation"]["country"] == "CA"
        assert entry["authorisation"]["status"] in ("approved", "prohibited", "decided", "no decision")
        assert entry["confirmation_methods"], entry["unique_identifier"]
    stack = next(e for e in result["consistent"] if "DAS-59122-7" in e["unique_identifier"])
    assert any(m.get("component") == "DAS-59122-7" for m in stack["confirmation_methods"])
    # the registry's generic phosphinothricin N-acetyltransferase gene may be the bar that tested negative
    assert any("may be the bar" in note for note in stack["uncertain"])


def test_partial_candidates_explain_some_positives_and_none_carries_a_negative(harvested: dict[str, Any]) -> None:
    matrix = build_matrix()
    result = screen(positive=["P-35S", "T-nos"], negative=["bar"], matrix=matrix)
    bar = {e for e, el in matrix.elements.items() if el.abbreviation == "bar"}
    for entry in result["partial"]:
        assert entry["not_known"] and not bar & set(matrix.carried(entry["identifier"]))
    assert result["counts"]["excluded"] == sum(1 for lmo in matrix.lmos if bar & set(matrix.carried(lmo)))


def test_a_canadian_approval_shows_in_the_authorisation_status(harvested: dict[str, Any]) -> None:
    result = screen(positive=["cry1Ab"], negative=[], country="CA")
    mon810 = next(e for e in result["consistent"] if e["unique_identifier"] == "MON-ØØ81Ø-6")
    assert mon810["authorisation"]["status"] == "approved"
    decisions = mon810["authorisation"]["decisions"]
    assert len(decisions) == 3 and "DD97-19" in {d["reference_number"] for d in decisions}  # environment, feed, food
    codes = {m["method_code"]: m["sources"] for m in mon810["confirmation_methods"]}
    assert "clearing-house record" in codes["QT-EVE-ZM-020"] and "EUginius detection methods" in codes["QT-EVE-ZM-020"]


def test_the_screening_route_answers_and_refuses_unknown_elements(harvested: dict[str, Any], client: Client) -> None:
    response = client.get("/api/v1/screening?positive=P-35S&positive=T-nos&negative=bar&country=CA")
    assert response.status_code == 200
    assert response.json()["counts"]["consistent"] == len(
        screen(positive=["P-35S", "T-nos"], negative=["bar"])["consistent"]
    )
    unknown = client.get("/api/v1/screening?positive=P-42X")
    assert unknown.status_code == 404 and unknown.json()["errors"][0]["path"] == "/positive/0"
    assert client.get("/api/v1/screening").status_code == 400
    assert client.get("/api/v1/screening?positive=P-35S&country=CAN").status_code == 400
