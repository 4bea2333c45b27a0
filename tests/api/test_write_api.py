"""The write API with real API tokens: Canada publishes, France cannot touch it, rejections explain."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from openbch.accounts.services import create_token, create_user, grant_role
from openbch.core.actors import SYSTEM
from openbch.records.changelog import last_seq
from openbch.records.models import Draft, PublicationRequest, Record, Revision

from ..records.workflow_fixtures import decision_body

pytestmark = pytest.mark.django_db


def token_for(username: str, *grants: tuple[str, str | None], scopes: tuple[str, ...] = ("read", "write")) -> str:
    create_user(SYSTEM, username=username, password="correct horse battery staple")
    for role, country in grants:
        grant_role(SYSTEM, username=username, role=role, country=country)
    return create_token(SYSTEM, name="api", scopes=scopes, owner=username).plaintext


class Api:
    def __init__(self, client: Client, token: str | None) -> None:
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def call(self, method: str, path: str, payload: Any = None, **headers: str) -> Any:
        kwargs: dict[str, Any] = {**self.headers, **headers}
        if payload is not None:
            kwargs.update(data=json.dumps(payload), content_type="application/json")
        return getattr(self.client, method)(f"/api/v1{path}", **kwargs)


@pytest.fixture
def canada(client: Client) -> Api:
    return Api(client, token_for("ca-publisher", ("national-publishing-authority", "CA")))


@pytest.fixture
def canada_user(client: Client) -> Api:
    return Api(client, token_for("ca-officer", ("national-authorized-user", "CA")))


@pytest.fixture
def france(client: Client) -> Api:
    return Api(client, token_for("fr-officer", ("national-authorized-user", "FR")))


def test_canada_publishes_a_decision_that_reaches_the_change_feed_and_search(canada: Api, client: Client) -> None:
    start = last_seq()
    created = canada.call(
        "post", "/drafts", {"type": "DEC", "owner": "CA", "body": decision_body("Canada API decision")}
    )
    assert created.status_code == 201, created.content
    identifier = created.json()["identifier"]
    assert created["ETag"] == '"0.1"'
    published = canada.call("post", f"/drafts/{identifier}/publish")
    assert published.status_code == 200, published.content
    uid = published.json()["uid"]
    feed = client.get(f"/api/v1/changes?after={start}").json()["changes"]
    assert [(c["uid"], c["kind"]) for c in feed] == [(uid, "published")]
    assert client.get(f"/api/v1/records/{uid}").json()["body"]["title"] == {"en": "Canada API decision"}
    found = client.get("/api/v1/search?q=%22Canada+API+decision%22&type=DEC")
    if found.status_code != 404:  # the search route lands with the search work
        assert uid in {r["uid"] for r in found.json()["results"]}
    history = client.get(f"/api/v1/records/{uid}/history").json()
    assert history["events"][0]["action"] == "published" and history["events"][0]["actor"] == "ca-publisher"


def test_france_cannot_touch_canadas_records(canada: Api, france: Api) -> None:
    draft = canada.call("post", "/drafts", {"type": "DEC", "owner": "CA", "body": decision_body()}).json()["identifier"]
    before = (Record.objects.count(), Revision.objects.count(), Draft.objects.count())
    # the draft is invisible to France: 404, exactly like a draft that does not exist
    assert france.call("get", f"/drafts/{draft}").status_code == 404
    assert (
        france.call("put", f"/drafts/{draft}", {"body": decision_body("Hijack")}, HTTP_IF_MATCH='"0.1"').status_code
        == 404
    )
    assert france.call("post", f"/drafts/{draft}/submit", {"message": "x"}).status_code == 404
    # France cannot create Canadian records either
    assert france.call("post", "/drafts", {"type": "DEC", "owner": "CA", "body": decision_body()}).status_code == 403
    published = canada.call("post", f"/drafts/{draft}/publish").json()["uid"]
    assert france.call("post", f"/records/{published}/withdraw", {"reason": "no"}).status_code == 403
    assert france.call("post", f"/records/{published}/amend", {"reason": "no"}).status_code == 403
    assert (Record.objects.count(), Draft.objects.count()) == (before[0], before[2] - 1)
    assert Revision.objects.count() == before[1] + 1


def test_a_rejected_request_carries_its_reason_back(canada: Api, canada_user: Api) -> None:
    identifier = canada_user.call("post", "/drafts", {"type": "DEC", "owner": "CA", "body": decision_body()}).json()[
        "identifier"
    ]
    submitted = canada_user.call("post", f"/drafts/{identifier}/submit", {"message": "please review"})
    assert submitted.status_code == 202 and submitted.json()["status"] == "pending"
    assert canada_user.call("post", f"/drafts/{identifier}/publish").status_code == 403
    inbox = canada.call("get", "/requests?inbox=true").json()
    assert identifier in {r["identifier"] for r in inbox}
    assert canada.call("post", f"/requests/{identifier}/reject", {"reason": ""}).status_code == 400
    rejected = canada.call("post", f"/requests/{identifier}/reject", {"reason": "Link the risk assessment"})
    assert rejected.status_code == 200
    seen = canada_user.call("get", f"/drafts/{identifier}").json()
    assert seen["request"]["status"] == "rejected" and seen["request"]["reason"] == "Link the risk assessment"
    assert seen["locked"] is False


def test_stale_and_missing_if_match(canada_user: Api) -> None:
    created = canada_user.call("post", "/drafts", {"type": "DEC", "owner": "CA", "body": decision_body()})
    identifier, etag = created.json()["identifier"], created["ETag"]
    ok = canada_user.call("put", f"/drafts/{identifier}", {"body": decision_body("One")}, HTTP_IF_MATCH=etag)
    assert ok.status_code == 200 and ok["ETag"] == '"0.2"'
    stale = canada_user.call("put", f"/drafts/{identifier}", {"body": decision_body("Two")}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and stale.json()["code"] == "stale_revision"
    missing = canada_user.call("put", f"/drafts/{identifier}", {"body": decision_body("Three")})
    assert missing.status_code == 428
    assert Draft.objects.get(record__identifier=identifier).body["title"] == {"en": "One"}


@pytest.mark.parametrize("field", ["state", "owner", "revision", "published_at", "created_by"])
def test_mass_assignment_is_refused(canada: Api, field: str) -> None:
    created = canada.call("post", "/drafts", {"type": "DEC", "owner": "CA", "body": decision_body()})
    identifier, etag = created.json()["identifier"], created["ETag"]
    before = (Record.objects.count(), Revision.objects.count(), PublicationRequest.objects.count())
    # beside the body: the request schema refuses unknown keys
    response = canada.call(
        "put", f"/drafts/{identifier}", {"body": decision_body(), field: "published"}, HTTP_IF_MATCH=etag
    )
    assert response.status_code == 400
    # inside the body: not a field of the record type
    response = canada.call(
        "put", f"/drafts/{identifier}", {"body": {**decision_body(), field: "x"}}, HTTP_IF_MATCH=etag
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == f"/{field}"
    # on creation too
    response = canada.call("post", "/drafts", {"type": "DEC", "owner": "CA", "body": decision_body(), field: 1})
    assert response.status_code == 400
    assert (Record.objects.count(), Revision.objects.count(), PublicationRequest.objects.count()) == before
    assert Record.objects.get(identifier=identifier).state == "draft"


def test_writes_need_a_token_with_write_scope(client: Client) -> None:
    anonymous = Api(client, None)
    assert anonymous.call("post", "/drafts", {"type": "ORGA", "owner": "SCBD", "body": {}}).status_code == 401
    read_only = Api(client, token_for("reader", ("national-publishing-authority", "CA"), scopes=("read",)))
    response = read_only.call("post", "/drafts", {"type": "DEC", "owner": "CA", "body": decision_body()})
    assert response.status_code == 403
    bogus = Api(client, "obch_nothing_this_is_not_a_token")
    assert bogus.call("post", "/drafts", {"type": "ORGA", "owner": "SCBD", "body": {}}).status_code == 401


def test_any_registered_user_may_submit_a_reference_record(client: Client) -> None:
    someone = Api(client, token_for("lab-scientist"))
    created = someone.call(
        "post", "/drafts", {"type": "ORGA", "owner": "SCBD", "body": {"scientificName": "Novus organismus"}}
    )
    assert created.status_code == 201
    identifier = created.json()["identifier"]
    assert someone.call("post", f"/drafts/{identifier}/submit", {"message": "new crop"}).status_code == 202
    assert someone.call("post", f"/requests/{identifier}/approve").status_code == 403
    validator = Api(client, token_for("scbd", ("reference-validator", None)))
    approved = validator.call("post", f"/requests/{identifier}/approve")
    assert approved.status_code == 200 and approved.json()["uid"].startswith("BCH-ORGA-SCBD-")
