"""The first read API, through Django's in-process HTTP client on the demo data."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.test import Client

from openbch.records.models import Record

pytestmark = pytest.mark.django_db

PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}


def test_healthz(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.parametrize("spelling", ["mon-00810-6", "MON-ØØ81Ø-6", "MON 00810 6", "mon00810-6", "MON–ØØ81Ø–6"])
def test_lmo_by_any_spelling_of_its_unique_identifier(client: Client, spelling: str) -> None:
    response = client.get(f"/api/v1/lmos/{quote(spelling)}")
    assert response.status_code == 200, response.content
    lmo = response.json()
    assert lmo["unique_identifier"] == "MON-ØØ81Ø-6"
    assert lmo["unique_identifier_check"]["check_digit_ok"] is True
    assert lmo["uid"].startswith("BCH-LMO-SCBD-")


def test_mon810_has_its_canadian_decisions_and_detection_methods(client: Client) -> None:
    lmo = client.get("/api/v1/lmos/mon-00810-6").json()
    canadian = [d for d in lmo["decisions"] if d["country"] == "CA"]
    assert canadian, lmo["decisions"]
    kinds = {t["id"] for d in canadian for t in d["decision_types"]}
    assert {"8.1", "8.2"} <= kinds
    assert all(d["decision_date"] and d["uid"].startswith("BCH-DEC-CA-") for d in canadian)
    assert any(d["reference_number"] for d in canadian)
    codes = {m["method_code"] for m in lmo["detection_methods"]}
    assert "QT-EVE-ZM-020" in codes
    method = next(m for m in lmo["detection_methods"] if m["method_code"] == "QT-EVE-ZM-020")
    assert method["forward_primer"]["sequence"] == "TCGAAGGACGAAGGACTCTAACGT"
    assert method["amplicon_size"] == 92
    assert lmo["genetic_elements"] and lmo["traits"]
    assert any(o["type"] == "ORGA" for o in lmo["organisms"])


def test_decision_record_by_uid_and_by_revision(client: Client) -> None:
    lmo = client.get("/api/v1/lmos/mon-00810-6").json()
    uid = lmo["decisions"][0]["uid"]
    record = client.get(f"/api/v1/records/{uid}").json()
    assert record["uid"] == uid and record["type"] == "DEC" and record["owner"] == "CA"
    assert record["body"]["government"] == {"identifier": "ca"}
    without_revision = uid.rsplit("-", 1)[0]
    assert client.get(f"/api/v1/records/{without_revision}").json()["uid"] == uid
    assert client.get(f"/api/v1/records/{uid.lower()}").json()["uid"] == uid
    assert client.get(f"/api/v1/records/{record['identifier']}").json()["uid"] == uid


def test_unknown_lmo_is_a_problem_404_naming_close_registrations(client: Client) -> None:
    response = client.get("/api/v1/lmos/MON-ØØ81Ø-7")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert set(problem) >= PROBLEM_KEYS and problem["code"] == "not_found"
    assert "MON-ØØ81Ø-6" in problem["detail"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/records/BCH-LMO-SCBD-999999999-1", 404),
        ("/api/v1/records/not-a-uid", 400),
        ("/api/v1/records/BCH-LMO-SCBD-1-1?revision=abc", 400),
        ("/api/v1/records/" + "A" * 10_000, 400),
        ("/api/v1/records/%00", 400),
        ("/api/v1/lmos/x?lang=%27%3B--", 400),
        ("/api/v1/nothing-here", 404),
    ],
)
def test_bad_requests_get_problem_details(client: Client, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert set(response.json()) >= PROBLEM_KEYS


def test_oecd_identifier_check_route(client: Client) -> None:
    data = client.get(f"/api/v1/identifiers/oecd/{quote('SYN-ØØØJG-2')}").json()
    assert set(data) >= {"input", "canonical", "compact", "format_ok", "check_digit_ok", "components"}
    assert data["canonical"] == "SYN-ØØØJG-2" and data["check_digit_ok"] is False and data["format_ok"] is True
    lower = client.get(f"/api/v1/identifiers/oecd/{quote('syn-000jg-2')}").json()
    assert lower["canonical"] == "SYN-ØØØJG-2" and lower["compact"] == "SYN000JG2" and lower["format_ok"] is False
    stack = client.get(f"/api/v1/identifiers/oecd/{quote('MON-ØØ81Ø-6 x MON-ØØ6Ø3-6')}").json()
    assert [c["canonical"] for c in stack["components"]] == ["MON-ØØ81Ø-6", "MON-ØØ6Ø3-6"]


def test_language_is_chosen_by_parameter_then_header(client: Client) -> None:
    lmo = client.get("/api/v1/lmos/mon-00810-6?lang=fr").json()
    labels_fr = {t["label"] for t in lmo["traits"]}
    lmo_en = client.get("/api/v1/lmos/mon-00810-6", HTTP_ACCEPT_LANGUAGE="en").json()
    lmo_es = client.get("/api/v1/lmos/mon-00810-6", HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9,en;q=0.5").json()
    assert labels_fr != {t["label"] for t in lmo_en["traits"]}
    assert {t["label"] for t in lmo_es["traits"]} != {t["label"] for t in lmo_en["traits"]}


def test_every_demo_lmo_is_found_by_its_registered_identifier(client: Client) -> None:
    lmos = Record.objects.filter(type="LMO").order_by("number")[:400]
    from openbch.records.queries import latest_revisions

    for item in latest_revisions(lmos):
        uid = item.body.get("uniqueIdentification")
        if uid:
            response = client.get(f"/api/v1/lmos/{quote(uid)}")
            assert response.status_code == 200, (uid, response.content)
            assert response.json()["unique_identifier"] == uid
