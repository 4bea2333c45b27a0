"""Identity resolution on the demo registry and the harvested sources: every verdict, with reasons."""

from __future__ import annotations

from typing import Any

import pytest

from openbch.core.actors import SYSTEM
from openbch.interop.models import ExternalItem
from openbch.interop.resolve import ItemView, build_resolver
from openbch.records.queries import find_lmos_by_oecd_uid, latest_revisions
from openbch.records.services import RecordInput, publish_records

pytestmark = pytest.mark.django_db


def item(source: str, external_id: str) -> ExternalItem:
    return ExternalItem.objects.get(source=source, external_id=external_id)


def uid_of(found: ExternalItem) -> str:
    return next(c["unique_identifier"] for c in found.candidates if c["identifier"] == found.record_identifier)


def view(**fields: Any) -> ItemView:
    identifiers = fields.pop("identifiers", [])
    return ItemView("test", "x", fields.pop("subject", "lmo"), identifiers, fields)


def test_isaaa_flo_11226_8_matches_the_registered_flo_11226_9_with_a_warning(harvested: dict[str, Any]) -> None:
    found = item("isaaa", "FLO-11226-8 | 1226A (11226)")
    assert (found.verdict, found.method, uid_of(found)) == ("matched_with_warning", "verifier", "FLO-11226-9")
    assert found.warnings == ["verifier digit differs: the source writes FLO-11226-8, the registry FLO-11226-9"]


def test_every_spelling_of_an_identifier_matches_by_compact_key(harvested: dict[str, Any]) -> None:
    cfia = item("cfia-pnt", "DD97-19 | MON-00810-6")  # digit zeros
    isaaa = item("isaaa", "MON-ØØ81Ø-6 | MON810")  # slashed zeros
    assert cfia.verdict == isaaa.verdict == "matched" and cfia.method == "identifier"
    assert cfia.record_identifier == isaaa.record_identifier == find_lmos_by_oecd_uid("MON-ØØ81Ø-6")[0].identifier


def test_a_stack_with_a_component_written_as_an_event_name_is_matched_by_its_components(
    harvested: dict[str, Any],
) -> None:
    found = item("isaaa", "MON-87427-7 x MON-89Ø34-3 x MON-88Ø17-3 x 59122 | MON87427 x MON89034 x MON88017 x 59122")
    assert (found.verdict, found.method) == ("matched_with_warning", "components")
    assert uid_of(found) == "MON-87427-7 × MON-89Ø34-3 × MON-88Ø17-3 × DAS-59122-7"
    assert "59122 written as event names" in found.warnings[0]


def test_a_stack_named_only_by_its_events_is_matched_by_its_components(harvested: dict[str, Any]) -> None:
    resolution = build_resolver().resolve(view(event_name="MON863 x MON810", crop="Maize"))
    assert (resolution.verdict, resolution.method) == ("matched", "component_names")
    assert resolution.record is not None and resolution.record.unique_identifier == "MON-ØØ863-5 x MON-ØØ81Ø-6"


def test_a_stack_whose_components_are_registered_but_not_the_stack_is_unmatched(harvested: dict[str, Any]) -> None:
    found = item(
        "oecd-biotrack",
        "MON-87427-7 x MON-8746Ø-4 x MON-89Ø34-3 x DAS-Ø15Ø7-1 x MON-87411-9 x DAS-59122-7 | MON87427xMON87460xMON89034xTC1507xMON87411xDAS-591",
    )
    assert found.verdict == "unmatched"
    assert "every component is registered, the stack is not" in found.warnings[0]


def test_an_event_name_two_lmos_share_is_ambiguous_until_the_crop_says_which(harvested: dict[str, Any]) -> None:
    mon810 = latest_revisions(find_lmos_by_oecd_uid("MON-ØØ81Ø-6"))[0]
    soybean = latest_revisions(find_lmos_by_oecd_uid("MON-Ø4Ø32-6"))[0]  # GTS 40-3-2, a soybean
    body = {
        **mon810.body,
        "uniqueIdentification": "TST-81ØØØ-2",
        "recipientOrganisms": soybean.body["recipientOrganisms"],
    }
    body.pop("linkedModifiedOrganisms", None)
    publish_records(SYSTEM, [RecordInput(type="LMO", owner="SCBD", body=body)])
    resolver = build_resolver()
    ambiguous = resolver.resolve(view(event_name="MON810"))
    assert (ambiguous.verdict, ambiguous.method) == ("ambiguous", "event_name")
    assert sorted(c.unique_identifier for c in ambiguous.candidates) == ["MON-ØØ81Ø-6", "TST-81ØØØ-2"]
    assert ambiguous.record is None
    by_crop = resolver.resolve(view(event_name="MON810", crop="Corn"))
    assert by_crop.verdict == "matched" and by_crop.record is not None
    assert by_crop.record.unique_identifier == "MON-ØØ81Ø-6"


def test_a_trade_name_shared_by_several_lmos_is_ambiguous_and_lists_them(harvested: dict[str, Any]) -> None:
    found = item("isaaa", "RBMT21-152")
    assert (found.verdict, found.method) == ("ambiguous", "trade_name")
    assert sorted(c["unique_identifier"] for c in found.candidates) == ["NMK-89185-6", "NMK-89684-1", "NMK-89896-6"]


def test_the_same_identifier_with_another_crop_or_disjoint_traits_is_conflicting(harvested: dict[str, Any]) -> None:
    crop = build_resolver().resolve(view(identifiers=["MON-00810-6"], crop="Soybean"))
    assert crop.verdict == "conflicting" and "crop" in crop.warnings[0]
    laurical = item("isaaa", "CGN-89111-8 | 23-18-17 (Event 18)")  # ISAAA: oil; BCH registry: pharmaceutical
    assert laurical.verdict == "conflicting" and "traits" in laurical.warnings[0]


def test_names_match_through_events_aliases_and_identifiers_without_verifier(harvested: dict[str, Any]) -> None:
    assert item("euginius", "QT-EVE-ZM-020").method == "event_name"
    assert uid_of(item("euginius", "QT-EVE-ZM-020")) == "MON-ØØ81Ø-6"
    dasi = next(i for i in ExternalItem.objects.filter(source="euginius") if i.fields.get("event_name") == "DAS1507")
    assert (dasi.method, uid_of(dasi)) == ("alias", "DAS-Ø15Ø7-1")
    das68416 = next(
        i for i in ExternalItem.objects.filter(source="euginius") if i.fields.get("event_name") == "DAS68416"
    )
    assert (das68416.method, uid_of(das68416)) == ("identifier_in_name", "DAS-68416-4")


def test_an_unregistered_identifier_matched_by_event_name_is_flagged(harvested: dict[str, Any]) -> None:
    found = item("cfia-pnt", "DD2012-88 | DP-061067-7")  # CFIA's typo for DP-Ø61Ø61-7
    assert (found.verdict, found.method, uid_of(found)) == ("matched_with_warning", "event_name", "DP-Ø61Ø61-7")
    assert found.warnings[0] == "identifier DP-061067-7 is not registered"


def test_an_event_no_database_registers_is_unmatched(harvested: dict[str, Any]) -> None:
    found = item("isaaa", "Bt10")
    assert (found.verdict, found.record_identifier, found.candidates) == ("unmatched", "", [])


def test_elements_and_organisms_match_their_records(harvested: dict[str, Any]) -> None:
    p35s = item("euginius", "QL-ELE-00-001")  # "P-Cauliflower mosaic virus"
    assert (
        p35s.verdict == "matched"
        and p35s.record_type == "GENE"
        and p35s.candidates[0]["name"].startswith("Cauliflower mosaic virus 35S promoter")
    )
    pat = item("eurl-gmff", "QL-ELE-00-021")  # "pat", not the generic "PAT"
    assert pat.verdict == "matched" and pat.candidates[0]["name"] == "Phosphinothricin acetyltransferase (pat)"
    maize = item("euginius", "QL-TAX-ZM-002")
    assert maize.verdict == "matched" and maize.record_type == "ORGA"


def test_non_lmo_products_and_constructs_are_not_applicable(harvested: dict[str, Any]) -> None:
    assert {i.verdict for i in ExternalItem.objects.filter(subject__in=("product", "construct"))} == {"not_applicable"}
    assert not ExternalItem.objects.filter(verdict="pending").exists()
