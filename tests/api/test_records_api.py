"""Record routes, the change feed and the catalogue, through the Python client over real HTTP (WSGI)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings

from openbch.client import ApiError, OpenBCHClient
from openbch.core.actors import SYSTEM
from openbch.records.changelog import last_seq
from openbch.records.models import Record, RecordState
from openbch.records.services import RecordInput, publish_records
from openbch.records.workflow import withdraw

pytestmark = pytest.mark.django_db


def test_a_consumer_mirrors_everything_through_the_change_feed(bch: OpenBCHClient) -> None:
    mirror: dict[str, dict[str, Any]] = {}
    for change in bch.iter_changes(after=0, limit=400):
        mirror[change["identifier"]] = change
    published = set(Record.objects.filter(state=RecordState.PUBLISHED).values_list("identifier", flat=True))
    assert {i for i, c in mirror.items() if c["kind"] == "published"} == published
    sample = sorted(mirror.values(), key=lambda c: c["seq"])[::97]
    for change in sample:
        assert bch.get(change["uid"])["uid"] == change["uid"]
    # a consumer that missed nothing gets an empty page in one request
    page = bch.changes(after=last_seq())
    assert page["changes"] == [] and page["next"] is None and page["last_seq"] == last_seq()


def test_the_feed_carries_new_revisions_and_withdrawals_in_order(bch: OpenBCHClient) -> None:
    start = last_seq()
    record = publish_records(SYSTEM, [RecordInput("ORGA", "SCBD", {"scientificName": "Feedus one"})]).records[0]
    publish_records(
        SYSTEM, [RecordInput("ORGA", "SCBD", {"scientificName": "Feedus two"}, identifier=record.identifier)]
    )
    withdraw(SYSTEM, identifier=record.identifier, reason="test of the feed")
    events = list(bch.iter_changes(after=start))
    assert [(e["kind"], e["revision"]) for e in events] == [("published", 1), ("published", 2), ("withdrawn", 2)]
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)


def test_the_feed_with_records_carries_each_revision_as_stored(bch: OpenBCHClient) -> None:
    from openbch.records.hashing import content_hash

    start = last_seq()
    first = {"scientificName": "Mirrorus one"}
    record = publish_records(SYSTEM, [RecordInput("ORGA", "SCBD", first)]).records[0]
    publish_records(
        SYSTEM, [RecordInput("ORGA", "SCBD", {"scientificName": "Mirrorus two"}, identifier=record.identifier)]
    )
    withdraw(SYSTEM, identifier=record.identifier, reason="test of the feed")
    events = list(bch.iter_changes(after=start, limit=2, records=True))
    # each event carries the revision it names, not the latest: a mirror replays history exactly
    assert [(e["kind"], e["record"]["revision"], e["record"]["body"]["scientificName"]) for e in events] == [
        ("published", 1, "Mirrorus one"),
        ("published", 2, "Mirrorus two"),
        ("withdrawn", 2, "Mirrorus two"),
    ]
    for event in events:
        assert event["record"]["uid"] == event["uid"] and event["record"]["identifier"] == record.identifier
        assert event["record"]["content_hash"] == content_hash(event["record"]["body"])
    assert events[-1]["record"]["withdrawn"]["reason"] == "test of the feed"
    # paging keeps the inclusion; without it, no bodies
    assert "include=record" in bch.changes(after=start, limit=1, records=True)["next"]
    assert "record" not in bch.changes(after=start, limit=1)["changes"][0]


def test_revisions_and_field_level_diff(bch: OpenBCHClient) -> None:
    record = publish_records(
        SYSTEM, [RecordInput("ORGA", "SCBD", {"scientificName": "Diffus primus", "genus": "Diffus"})]
    ).records[0]
    publish_records(
        SYSTEM,
        [
            RecordInput(
                "ORGA",
                "SCBD",
                {"scientificName": "Diffus secundus", "species": "secundus"},
                identifier=record.identifier,
            )
        ],
    )
    base = record.uid.rsplit("-", 1)[0]
    assert [r["revision"] for r in bch.revisions(base)] == [1, 2]
    assert bch.get(base, revision=1)["body"]["scientificName"] == "Diffus primus"
    changes = {c["path"]: c for c in bch.diff(base, 1, 2)}
    assert changes["/scientificName"] == {
        "op": "replace",
        "path": "/scientificName",
        "old": "Diffus primus",
        "new": "Diffus secundus",
    }
    assert changes["/genus"]["op"] == "remove" and changes["/species"]["op"] == "add"
    with pytest.raises(ApiError) as caught:
        bch.diff(base, 1, 9)
    assert caught.value.status == 404 and caught.value.code == "not_found"


def test_an_lmo_knows_what_references_it(bch: OpenBCHClient) -> None:
    lmo = bch.lmo("MON-ØØ81Ø-6")
    response = bch._get(f"/api/v1/records/{lmo['uid']}/referenced-by")
    groups = response["referenced_by"]
    assert {d["uid"] for d in groups["DEC.modifiedOrganisms"]} >= {d["uid"] for d in lmo["decisions"]}
    assert any(m["type"] == "DM" for m in groups["DM.targetLmos"])


def test_references_are_expanded_on_request(bch: OpenBCHClient) -> None:
    decision_uid = bch.lmo("mon-00810-6")["decisions"][0]["uid"]
    plain = bch.get(decision_uid)
    expanded = bch.get(decision_uid, expand="modifiedOrganisms,authorities")
    assert "record" not in plain["body"]["modifiedOrganisms"][0]
    embedded = expanded["body"]["modifiedOrganisms"][0]["record"]
    assert embedded["type"] == "LMO" and embedded["body"]["transformationEvent"]
    assert expanded["body"]["authorities"][0]["record"]["type"] == "CNA"
    with pytest.raises(ApiError) as caught:
        bch.get(decision_uid, expand="title")
    assert caught.value.status == 400 and "not reference fields" in caught.value.problem["detail"]


def test_record_title_follows_the_requested_language_and_says_when_it_falls_back(client: Client) -> None:
    uid = Record.objects.filter(type="CNA", owner="CA").order_by("number").first().uid  # type: ignore[union-attr]
    french = client.get(f"/api/v1/records/{uid}?lang=fr").json()["display"]
    arabic = client.get(f"/api/v1/records/{uid}", HTTP_ACCEPT_LANGUAGE="ar").json()["display"]
    assert french["language"] == "fr" and french["fallback"] is False
    assert arabic["language"] == "en" and arabic["fallback"] is True
    assert arabic["type_label"] != french["type_label"]


def test_answers_name_their_language_and_vary_on_accept_language(client: Client) -> None:
    uid = Record.objects.filter(type="LMO").order_by("number").first().uid  # type: ignore[union-attr]
    # the API's own choice (?lang= before Accept-Language), not the page language's negotiation
    french = client.get(f"/api/v1/records/{uid}?lang=fr", HTTP_ACCEPT_LANGUAGE="es")
    assert french["Content-Language"] == "fr"
    assert client.get(f"/api/v1/records/{uid}", HTTP_ACCEPT_LANGUAGE="es;q=0.5, ru")["Content-Language"] == "ru"
    found = client.get("/api/v1/search", {"q": "maize", "lang": "zh"})
    assert found["Content-Language"] == "zh"
    for response in (
        french,
        found,
        client.get("/api/v1/"),
        client.get(f"/api/v1/records/{uid}", HTTP_IF_NONE_MATCH="*"),
    ):
        assert "Accept-Language" in response["Vary"], response.status_code
    missing = client.get("/api/v1/records/BCH-LMO-SCBD-999999-1?lang=fr")
    assert missing.status_code == 404 and "Content-Language" not in missing
    # a French page before does not leave its language to the API answers of the same thread
    assert client.get("/fr/").status_code == 200
    assert client.get(f"/api/v1/records/{uid}")["Content-Language"] == "en"


def test_etag_and_if_none_match(client: Client) -> None:
    uid = Record.objects.filter(type="LMO").order_by("number").first().uid  # type: ignore[union-attr]
    first = client.get(f"/api/v1/records/{uid}")
    etag = first["ETag"]
    assert etag.startswith('"')
    again = client.get(f"/api/v1/records/{uid}", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert client.get(f"/api/v1/records/{uid}", HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_cors_allows_reads_from_any_origin(client: Client) -> None:
    response = client.get("/api/v1/", HTTP_ORIGIN="https://example.org")
    assert response["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/api/v1/records/x", HTTP_ORIGIN="https://example.org", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )
    assert preflight.status_code == 204
    assert (
        "GET" in preflight["Access-Control-Allow-Methods"] and "POST" not in preflight["Access-Control-Allow-Methods"]
    )


def test_rate_limits_per_ip_and_per_api_key_answer_429_with_retry_after(client: Client) -> None:
    from django.core.cache import cache

    cache.clear()
    with override_settings(OPENBCH_RATE_LIMIT_PER_IP=3, OPENBCH_RATE_LIMIT_PER_KEY=2, OPENBCH_RATE_LIMIT_WINDOW=60):
        statuses = [client.get("/api/v1/", REMOTE_ADDR="10.9.9.9").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        limited = client.get("/api/v1/", REMOTE_ADDR="10.9.9.9")
        assert limited["Content-Type"] == "application/problem+json"
        assert limited.json()["code"] == "rate_limited"
        assert 1 <= int(limited["Retry-After"]) <= 60
        assert client.get("/api/v1/", REMOTE_ADDR="10.9.9.10").status_code == 200
        keyed = [
            client.get("/api/v1/", REMOTE_ADDR=f"10.8.0.{i}", HTTP_AUTHORIZATION="Bearer k1").status_code
            for i in range(3)
        ]
        assert keyed == [200, 200, 429]
    cache.clear()


def test_vocabularies_and_record_types_are_served(bch: OpenBCHClient) -> None:
    names = {v["name"] for v in bch._get("/api/v1/vocabularies")}
    assert {"countries", "lmo-traits", "decision-types", "detection-method-types"} <= names
    traits = bch.vocabulary("lmo-traits")
    by_id = {t["id"]: t for t in traits["terms"]}
    assert by_id["insects"]["broader"] == "resistance-to-diseases-and-pests"
    decision = bch.record_type("DEC")
    assert decision["code"] == "DEC" and decision["definition"]["family"] == "national"
    assert "modifiedOrganisms" in decision["body_schema"]["properties"]
    with pytest.raises(ApiError):
        bch.vocabulary("no-such-vocabulary")


def test_api_root_reports_feature_level_and_changelog(bch: OpenBCHClient) -> None:
    from openbch.api.v1 import API_FEATURE_LEVEL

    info = bch.info()
    assert info["api_feature_level"] == API_FEATURE_LEVEL
    changelog = bch._get("/api/v1/changelog")["changelog"]
    assert f"## Feature level {API_FEATURE_LEVEL}" in changelog


def test_openapi_documents_every_error_status(client: Client) -> None:
    spec = client.get("/api/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert "429" in operation["responses"], (method, path)
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    # the Swagger UI comes from this server, not a CDN: the docs work offline
    assert b"/static/ninja/swagger-ui-bundle.js" in docs.content
    script = client.get("/static/ninja/swagger-ui-bundle.js")
    script.close()
    assert script.status_code == 200
