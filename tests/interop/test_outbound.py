"""Partners poll the decisions flagged for them: OECD BioTrack and the FAO GM Foods Platform."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client

from openbch.core.actors import SYSTEM
from openbch.interop.outbound import decision_feed, feed_csv
from openbch.records.models import Record, RecordLink
from openbch.records.queries import find_lmos_by_oecd_uid, latest_revisions
from openbch.records.services import RecordInput, publish_records
from openbch.records.workflow import withdraw

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.interop.urls")]


def mon810_decision_bodies() -> list[dict[str, Any]]:
    lmo = find_lmos_by_oecd_uid("MON-ØØ81Ø-6")[0]
    links = RecordLink.objects.filter(target_identifier=lmo.identifier, field="modifiedOrganisms")
    decisions = Record.objects.filter(pk__in=links.values("source_id"), type="DEC").order_by("number")
    return [dict(p.body) for p in latest_revisions(decisions)]


def publish_decision(**flags: Any) -> Record:
    body = {**mon810_decision_bodies()[0], **flags}
    body["title"] = {"en": f"Flagged decision {sorted(flags)}"}
    return publish_records(SYSTEM, [RecordInput(type="DEC", owner="CA", body=body)]).records[0]


def test_the_demo_data_flags_no_decision(harvested: dict[str, Any]) -> None:
    assert decision_feed("oecd-biotrack")["decisions"] == [] and decision_feed("fao-gm-foods")["decisions"] == []


def test_flagged_decisions_reach_their_partner_and_polling_moves_on(harvested: dict[str, Any]) -> None:
    start = decision_feed("oecd-biotrack")["next_after"]
    oecd = publish_decision(isForCommercialUse=True, forwardToOECD=True)
    fao = publish_decision(isForFoodSafety=True, forwardToFAO=True)
    publish_decision(isForCommercialUse=True, forwardToOECD=False)
    feed = decision_feed("oecd-biotrack", after=start)
    assert [d["uid"] for d in feed["decisions"]] == [oecd.uid]
    item = feed["decisions"][0]
    assert item["country"] == "CA" and item["state"] == "published"
    assert [lmo["unique_identifier"] for lmo in item["lmos"]] == ["MON-ØØ81Ø-6"]
    assert [d["uid"] for d in decision_feed("fao-gm-foods", after=start)["decisions"]] == [fao.uid]
    assert decision_feed("oecd-biotrack", after=feed["next_after"])["decisions"] == []
    # a withdrawal is news for the partner too
    withdraw(SYSTEM, identifier=oecd.identifier, reason="entered in error")
    again = decision_feed("oecd-biotrack", after=feed["next_after"])
    assert [(d["uid"], d["state"]) for d in again["decisions"]] == [(oecd.uid, "withdrawn")]


def test_the_feed_pages_with_its_cursor(harvested: dict[str, Any]) -> None:
    start = decision_feed("oecd-biotrack")["next_after"]
    published = [publish_decision(isForCommercialUse=True, forwardToOECD=True) for _ in range(3)]
    first = decision_feed("oecd-biotrack", after=start, limit=2)
    second = decision_feed("oecd-biotrack", after=first["next_after"], limit=2)
    assert [d["uid"] for d in first["decisions"] + second["decisions"]] == [r.uid for r in published]


def test_the_partner_route_serves_json_and_csv(harvested: dict[str, Any], client: Client) -> None:
    start = decision_feed("oecd-biotrack")["next_after"]
    record = publish_decision(isForCommercialUse=True, forwardToOECD=True)
    data = client.get(f"/api/v1/partners/oecd-biotrack/decisions?after={start}").json()
    assert [d["uid"] for d in data["decisions"]] == [record.uid]
    response = client.get(f"/api/v1/partners/oecd-biotrack/decisions?format=csv&after={start}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
    assert [(r["uid"], r["lmo_unique_identifiers"]) for r in rows] == [(record.uid, "MON-ØØ81Ø-6")]
    assert response["X-Next-After"] == str(data["next_after"])
    assert client.get("/api/v1/partners/nobody/decisions").status_code == 404
    assert client.get("/api/v1/partners/oecd-biotrack/decisions?format=xml").status_code == 400


def test_csv_cells_that_spreadsheets_would_run_are_neutralised() -> None:
    feed = {
        "decisions": [{"seq": 1, "uid": "u", "title": '=HYPERLINK("x")', "decision_types": [], "uses": [], "lmos": []}]
    }
    row = next(csv.DictReader(io.StringIO(feed_csv(feed))))
    assert row["title"].startswith("'=")
