"""``/api/v1/border-check``: GET and POST give the service's answer; errors are problem details naming the field."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from openbch.customs.bordercheck import check_shipment

pytestmark = pytest.mark.django_db

MON810 = "MON-ØØ81Ø-6"
URL = "/api/v1/border-check"


def _post(client: Client, body: dict[str, Any]) -> Any:
    return client.post(URL, json.dumps(body), content_type="application/json")


def test_get_answers_the_issue_example_with_the_decisions_and_the_methods(client: Client) -> None:
    response = client.get(URL, {"text": "mon-00810-6 x MON-ØØ6Ø3-6", "country": "CA", "use": "food"})
    assert response.status_code == 200
    body = response.json()
    assert body["overall"] == "authorised"
    assert body["verdict_order"][0] == "authorised" and body["verdict_order"][-1] == "not-authorised"
    (item,) = body["items"]
    assert item["unique_identifier"] == "MON-ØØ6Ø3-6 x MON-ØØ81Ø-6"
    assert all(c["verdict"] == "authorised" and c["evidence"] for c in item["components"])
    decision = item["components"][0]["evidence"][0]
    assert decision["api_url"] == f"/api/v1/records/{decision['uid']}"
    assert client.get(decision["api_url"]).status_code == 200
    assert item["detection_methods"]
    assert body["data"]["seq"] > 0


def test_several_uses_in_one_get(client: Client) -> None:
    answer = client.get(URL, {"text": "mon-00810-6 x MON-ØØ6Ø3-6", "country": "CA", "use": "food,feed"}).json()
    assert answer["use"] == "food,feed" and answer["uses"] == ["food", "feed"]
    assert answer["overall"] == "authorised" and answer["items"][0]["per_use"] == {
        "food": "authorised",
        "feed": "authorised",
    }


def test_post_takes_a_long_document_and_gives_the_same_verdicts_as_the_service(client: Client) -> None:
    filler = "Bill of lading, 12 containers of yellow maize, port of loading Santos.\n" * 600
    text = f"{filler}May contain: MON-ØØ81Ø-6, mon-00603-6; DAS-Ø15Ø7-1\n{filler}"
    assert len(text) > 60_000
    response = _post(client, {"text": text, "country": "ca", "use": "feed", "lang": "es"})
    assert response.status_code == 200
    body = response.json()
    expected = check_shipment(text, "CA", "feed", "es")
    assert [(i["unique_identifier"], i["verdict"]) for i in body["items"]] == [
        (i.unique_identifier, i.verdict.value) for i in expected.items
    ]
    assert body["language"] == "es"
    assert all(i["may_contain"] for i in body["items"])


@pytest.mark.parametrize(
    ("params", "status", "path", "code"),
    [
        ({"text": MON810, "country": "QQ", "use": "food"}, 404, "/country", "unknown_country"),
        ({"text": "no identifier in here", "country": "CA", "use": "food"}, 404, "/text", "no_identifiers"),
        ({"text": MON810, "country": "CA", "use": "eating"}, 400, "/query/use", "invalid_parameter"),
        ({"text": MON810, "country": "Canada", "use": "food"}, 400, "/query/country", "invalid_parameter"),
        ({"text": "", "country": "CA", "use": "food"}, 400, "/query/text", "invalid_parameter"),
        ({"country": "CA", "use": "food"}, 400, "/query/text", "invalid_parameter"),
    ],
)
def test_errors_name_the_field(client: Client, params: dict[str, str], status: int, path: str, code: str) -> None:
    response = client.get(URL, params)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/problem+json")
    assert (path, code) in {(e["path"], e["code"]) for e in response.json()["errors"]}


def test_too_many_identifiers_is_a_400_naming_the_text(client: Client) -> None:
    from openbch.identifiers.oecd import verifier_digit

    text = " ".join(f"ZZQ-{n:05d}-{verifier_digit(f'ZZQ{n:05d}')}" for n in range(101))
    response = _post(client, {"text": text, "country": "CA", "use": "food"})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"path": "/text", "code": "too_many", "message": "101 identifiers found, at most 100 in one check"}
    ]


def test_hostile_text_comes_back_as_data_only(client: Client) -> None:
    text = "<script>alert(1)</script>' OR 1=1; -- MON-ØØ81Ø-6 \"><img src=x onerror=alert(1)>"
    response = _post(client, {"text": text, "country": "CA", "use": "food"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    (item,) = response.json()["items"]
    assert item["input"] == MON810


def test_the_pack_and_the_openapi_spec(client: Client) -> None:
    pack = client.get(f"{URL}/pack", {"country": "EU"})
    assert pack.status_code == 200
    assert {d["effect"] for d in pack.json()["decisions"]} >= {"authorises", "expired"}
    assert client.get(f"{URL}/pack", {"country": "QQ"}).status_code == 404
    spec = client.get("/api/openapi.json").json()
    operation = spec["paths"][URL]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"text", "country", "use", "lang"}
    assert "post" in spec["paths"][URL]
    assert "BorderCheckOut" in spec["components"]["schemas"]
    root = client.get("/api/v1/").json()
    assert root["api_feature_level"] >= 5 and "border_check" in root["links"]
