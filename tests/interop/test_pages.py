"""The LMO page's "Information from other databases" entries, from the harvested items."""

from __future__ import annotations

from typing import Any

import pytest

from openbch.interop.pages import external_information
from openbch.records.queries import find_lmos_by_oecd_uid, latest_revisions

pytestmark = pytest.mark.django_db


def entries(uid: str) -> list[Any]:
    return external_information(latest_revisions(find_lmos_by_oecd_uid(uid)[:1])[0], "en")


def test_mon810s_page_shows_each_source_with_link_fetch_date_and_licence(harvested: dict[str, Any]) -> None:
    shown = entries("MON-00810-6")
    sources = {e.source for e in shown}
    assert {
        "ISAAA GM Approval Database",
        "OECD BioTrack Product Database",
        "CFIA: plants with novel traits approved in Canada",
    } <= sources
    cfia = next(e for e in shown if e.source.startswith("CFIA"))
    facts = dict(cfia.facts)
    assert facts["Decision (environment)"] == "1997-01-22 · unconfined environmental release · DD97-19"
    assert facts["Licence"].startswith("Open Government Licence") and facts["Fetched"]
    biotrack = next(e for e in shown if e.source == "OECD BioTrack Product Database")
    assert biotrack.label == "Lists this LMO in 6 stacked products"
    methods = [e for e in shown if e.source.startswith("Detection method")]
    assert [e.label for e in methods] == ["QL-EVE-ZM-001", "QT-EVE-ZM-020", "QT-CON-00-004"]
    assert methods[0].source == "Detection method · EUginius detection methods, EURL-GMFF GMOMETHODS (JRC)"
    assert all(e.url.startswith("https://") for e in shown if e.url)


def test_flo_11226_9s_page_flags_isaaas_verifier_digit(harvested: dict[str, Any]) -> None:
    shown = entries("FLO-11226-9")
    isaaa = next(e for e in shown if e.source == "ISAAA GM Approval Database")
    assert "verifier digit differs" in dict(isaaa.facts)["Match"]
    disagreements = next(e for e in shown if e.source == "Where the databases disagree")
    assert any("FLO-11226-8 (registry: FLO-11226-9)" in value for _, value in disagreements.facts)
