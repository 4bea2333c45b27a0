"""What other databases hold on one LMO: MON810 and FLO-11226-9, from the harvested demo sources."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from openbch.interop.profile import other_databases
from openbch.records.queries import find_lmos_by_oecd_uid

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.interop.urls")]


def by_source(info: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in info["sources"]}


def test_mon810_shows_what_biotrack_isaaa_euginius_eurl_and_cfia_hold(harvested: dict[str, Any]) -> None:
    info = other_databases(find_lmos_by_oecd_uid("MON-00810-6")[0])
    sources = by_source(info)
    # eu-1829: the Commission's decision 98/294/EC (the US tables have no MON810 row)
    assert set(sources) == {"bch-api", "isaaa", "oecd-biotrack", "cfia-pnt", "eu-1829", "euginius", "eurl-gmff"}
    for source in sources.values():
        assert source["licence"] and source["attribution"] and source["homepage"] and source["fetched_at"]
    isaaa = sources["isaaa"]["items"]
    assert [i["external_id"] for i in isaaa] == ["MON-ØØ81Ø-6 | MON810"]
    assert isaaa[0]["fields"]["trade_names"] == ["YieldGard™", "MaizeGard™"] and isaaa[0]["url"].startswith("https://")
    cfia = sources["cfia-pnt"]["items"][0]
    assert cfia["fields"]["decisions"][0]["document"] == "DD97-19"
    assert cfia["fields"]["decisions"][0]["date"] == "1997-01-22"
    # BioTrack (2019) lists MON810 only inside stacks: shown as such, each linked to the registered stack
    biotrack = sources["oecd-biotrack"]
    assert biotrack["items"] == [] and len(biotrack["in_stacks"]) == 6
    assert all(s["stack"] and s["stack"].startswith("BCH-LMO-SCBD-") for s in biotrack["in_stacks"])
    assert {i["external_id"] for i in sources["euginius"]["items"]} == {
        "QL-EVE-ZM-001",
        "QT-EVE-ZM-020",
        "QT-CON-00-004 @ MON810",
    }
    assert [i["external_id"] for i in sources["eurl-gmff"]["items"]] == ["QL-EVE-ZM-001"]


def test_mon810_detection_methods_are_merged_and_tagged_by_source(harvested: dict[str, Any]) -> None:
    methods = {
        m["method_code"]: m for m in other_databases(find_lmos_by_oecd_uid("mon 00810 6")[0])["detection_methods"]
    }
    assert list(methods) == ["QL-EVE-ZM-001", "QT-EVE-ZM-020", "QT-CON-00-004"]  # event-specific first
    assert methods["QL-EVE-ZM-001"]["sources"] == ["EUginius detection methods", "EURL-GMFF GMOMETHODS (JRC)"]
    assert methods["QT-EVE-ZM-020"]["sources"] == ["EUginius detection methods"]
    assert methods["QT-EVE-ZM-020"]["probe"] == {"name": "mail-S2", "sequence": "AACATCCTTTGCCATTGCCCAGC"}
    assert methods["QT-EVE-ZM-020"]["amplicon_size"] == 92
    assert all(m["editable"] is False for m in methods.values())
    assert (
        "MON810" in methods["QT-CON-00-004"]["targets"]
        and "IVS 1 HSP70 / Cry1A(b)" in methods["QT-CON-00-004"]["targets"]
    )


def test_flo_11226_9_shows_isaaas_record_with_the_differing_verifier_flagged(harvested: dict[str, Any]) -> None:
    info = other_databases(find_lmos_by_oecd_uid("FLO-11226-9")[0])
    isaaa = by_source(info)["isaaa"]["items"]
    assert [(i["external_id"], i["verdict"]) for i in isaaa] == [
        ("FLO-11226-8 | 1226A (11226)", "matched_with_warning")
    ]
    assert isaaa[0]["warnings"] == ["verifier digit differs: the source writes FLO-11226-8, the registry FLO-11226-9"]
    flagged = [d for d in info["discrepancies"] if d["field"] == "unique_identifier"]
    assert flagged == [
        {
            "source": "ISAAA GM Approval Database",
            "field": "unique_identifier",
            "source_value": "FLO-11226-8",
            "registry_value": "FLO-11226-9",
            "note": "same first eight characters, another verifier digit; the source's spelling fails the check digit (check digit is 8, computed 9)",
        }
    ]


def test_disagreements_between_databases_are_listed_for_curators(harvested: dict[str, Any]) -> None:
    info = other_databases(find_lmos_by_oecd_uid("MON-00810-6")[0])
    traits = [d for d in info["discrepancies"] if d["field"] == "traits"]
    # ISAAA lists glyphosate tolerance for MON810 (the plasmid's cp4 epsps); the registry does not
    assert traits and traits[0]["source"] == "ISAAA GM Approval Database"
    assert "resistance-to-herbicides" in traits[0]["note"]


def test_an_lmo_no_other_database_knows_has_an_empty_section(harvested: dict[str, Any]) -> None:
    from openbch.interop.models import ExternalItem, ExternalItemKey
    from openbch.records.models import Record

    known = set(ExternalItem.objects.exclude(record_identifier="").values_list("record_identifier", flat=True))
    stacked = set(ExternalItemKey.objects.filter(kind="component").values_list("value", flat=True))
    lonely = next(
        r
        for r in Record.objects.filter(type="LMO").order_by("number")
        if r.identifier not in known and r.keys.exclude(value__in=stacked).exists()
    )
    info = other_databases(lonely)
    assert info["sources"] == [] and info["detection_methods"] == [] and info["discrepancies"] == []


def test_the_lmo_api_shows_other_databases_for_mon810_and_flo_11226_9(
    harvested: dict[str, Any], client: Client
) -> None:
    mon810 = client.get("/api/v1/lmos/MON-00810-6").json()["other_databases"]
    assert {"oecd-biotrack", "isaaa", "euginius", "eurl-gmff", "cfia-pnt"} <= {s["name"] for s in mon810["sources"]}
    assert {m["method_code"] for m in mon810["detection_methods"]} >= {"QL-EVE-ZM-001", "QT-EVE-ZM-020"}
    flo = client.get("/api/v1/lmos/FLO-11226-9").json()["other_databases"]
    assert any(d["source_value"] == "FLO-11226-8" for d in flo["discrepancies"])
