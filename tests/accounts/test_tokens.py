"""API tokens: shown once, stored hashed, scoped, bound to the owner's current roles, revocable."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client, RequestFactory

from openbch.accounts.actors import TOKEN_PATTERN, actor_for_request, authenticate_token
from openbch.accounts.auth import require_scope, token_or_anonymous
from openbch.accounts.models import ApiToken
from openbch.accounts.services import create_token, disable_user, grant_role, list_tokens, revoke_role
from openbch.core.actors import SYSTEM, Role
from openbch.core.errors import PermissionDeniedError, UnauthenticatedError
from openbch.records.models import AuditEntry


def _bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _csrf_client(login: Callable[..., Client], username: str) -> tuple[Client, str]:
    """A logged-in browser session and its CSRF token, as a page's form would carry it."""
    client = login(username)
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    strict.get("/accounts/logout/")  # any page with a form sets the CSRF cookie
    return strict, strict.cookies[settings.CSRF_COOKIE_NAME].value


def test_a_token_is_shown_once_and_only_its_hash_is_stored(
    make_user: Callable[..., User], login: Callable[..., Client]
) -> None:
    make_user("holder")
    client, csrf = _csrf_client(login, "holder")
    created = client.post(
        "/api/v1/tokens",
        {"name": "harvester", "scopes": ["read"]},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    plaintext = body["token"]
    assert TOKEN_PATTERN.match(plaintext) and body["prefix"] in plaintext and body["scopes"] == ["read"]
    secret = plaintext.split("_", 2)[2]
    assert len(secret) == 43  # 32 random bytes: 256 bits

    listed = client.get("/api/v1/tokens").json()
    assert [t["id"] for t in listed] == [body["id"]] and "token" not in listed[0]
    assert plaintext not in client.get("/api/v1/tokens").content.decode()

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")
        stored = repr(cursor.fetchall())
        cursor.execute(f"SELECT details FROM {AuditEntry._meta.db_table}")
        audited = repr(cursor.fetchall())
    assert secret not in stored and plaintext not in stored
    assert secret not in audited
    row = ApiToken.objects.get(pk=body["id"])
    assert len(row.secret_hash) == 64 and row.secret_hash != secret


def test_tokens_need_a_credential_and_a_session_needs_csrf(
    make_user: Callable[..., User], login: Callable[..., Client]
) -> None:
    make_user("browser")
    nobody = Client().post("/api/v1/tokens", {"name": "x", "scopes": ["read"]}, content_type="application/json")
    assert nobody.status_code == 401 and nobody["Content-Type"] == "application/problem+json"
    garbage = Client().get("/api/v1/tokens", **_bearer("obch_00000000_" + "A" * 43))
    assert garbage.status_code == 401
    client, _ = _csrf_client(login, "browser")
    forged = client.post("/api/v1/tokens", {"name": "x", "scopes": ["read"]}, content_type="application/json")
    assert forged.status_code == 403 and forged.json()["code"] == "permission_denied"
    assert client.get("/api/v1/tokens").status_code == 200  # reads need no CSRF token
    assert not ApiToken.objects.exists()


def test_a_read_only_token_cannot_write(make_user: Callable[..., User], actor_of: Callable[..., Any]) -> None:
    user = make_user("reader", ("national-authorized-user", "CA"))
    issued = create_token(actor_of(user), name="read only", scopes=["read"])
    actor = authenticate_token(issued.plaintext)
    assert actor is not None and actor.scopes == frozenset({"read"})
    with pytest.raises(PermissionDeniedError):
        require_scope(actor, "write")
    with pytest.raises(PermissionDeniedError):
        create_token(actor, name="escalate", scopes=["write"])
    client = Client()
    assert client.get("/api/v1/tokens", **_bearer(issued.plaintext)).status_code == 200
    refused = client.post(
        "/api/v1/tokens",
        {"name": "x", "scopes": ["read"]},
        content_type="application/json",
        **_bearer(issued.plaintext),
    )
    assert refused.status_code == 403
    assert client.delete(f"/api/v1/tokens/{issued.token.pk}", **_bearer(issued.plaintext)).status_code == 403


def test_a_write_token_creates_and_revokes_tokens_and_a_revoked_token_is_refused_at_once(
    make_user: Callable[..., User],
) -> None:
    make_user("writer")
    first = create_token(SYSTEM, name="cli", scopes=["read", "write"], owner="writer")
    client = Client()
    second = client.post(
        "/api/v1/tokens",
        {"name": "ci", "scopes": ["write"]},
        content_type="application/json",
        **_bearer(first.plaintext),
    )
    assert second.status_code == 201 and second.json()["scopes"] == ["read", "write"]
    token = second.json()["token"]
    assert client.get("/api/v1/tokens", **_bearer(token)).status_code == 200
    revoked = client.delete(f"/api/v1/tokens/{second.json()['id']}", **_bearer(first.plaintext))
    assert revoked.status_code == 204
    refused = client.get("/api/v1/tokens", **_bearer(token))
    assert refused.status_code == 401 and refused.json()["code"] == "unauthenticated"
    assert client.delete(f"/api/v1/tokens/{second.json()['id']}", **_bearer(first.plaintext)).status_code == 404
    listed = {t["name"]: t for t in client.get("/api/v1/tokens", **_bearer(first.plaintext)).json()}
    assert listed["ci"]["revoked_at"] is not None and listed["cli"]["revoked_at"] is None


def test_another_accounts_token_is_not_found(make_user: Callable[..., User]) -> None:
    make_user("mine")
    make_user("theirs")
    mine = create_token(SYSTEM, name="a", scopes=["read", "write"], owner="mine")
    theirs = create_token(SYSTEM, name="b", scopes=["read", "write"], owner="theirs")
    client = Client()
    other = client.delete(f"/api/v1/tokens/{theirs.token.pk}", **_bearer(mine.plaintext))
    missing = client.delete("/api/v1/tokens/999999999", **_bearer(mine.plaintext))
    assert other.status_code == missing.status_code == 404
    assert other.json()["title"] == missing.json()["title"]
    assert [t["id"] for t in client.get("/api/v1/tokens", **_bearer(mine.plaintext)).json()] == [mine.token.pk]
    assert authenticate_token(theirs.plaintext) is not None


def test_a_disabled_accounts_tokens_stop_on_the_next_request(make_user: Callable[..., User]) -> None:
    make_user("suspended")
    issued = create_token(SYSTEM, name="t", scopes=["read"], owner="suspended")
    client = Client()
    assert client.get("/api/v1/tokens", **_bearer(issued.plaintext)).status_code == 200
    disable_user(SYSTEM, username="suspended")
    assert client.get("/api/v1/tokens", **_bearer(issued.plaintext)).status_code == 401
    assert authenticate_token(issued.plaintext) is None


def test_a_tokens_actor_loses_a_role_on_the_very_next_request(make_user: Callable[..., User]) -> None:
    make_user("official", ("national-publishing-authority", "CA"))
    issued = create_token(SYSTEM, name="t", scopes=["read", "write"], owner="official")
    factory = RequestFactory()

    def next_request() -> Any:
        return actor_for_request(factory.get("/api/v1/records", **_bearer(issued.plaintext)))

    assert next_request().holds(Role.NATIONAL_PUBLISHING_AUTHORITY, country="CA")
    revoke_role(SYSTEM, username="official", role="national-publishing-authority", country="CA")
    assert not next_request().holds(Role.NATIONAL_PUBLISHING_AUTHORITY, country="CA")
    grant_role(SYSTEM, username="official", role="national-authorized-user", country="CA", record_types=["DEC"])
    actor = next_request()
    assert actor.holds(Role.NATIONAL_AUTHORIZED_USER, country="CA", record_type="DEC")
    assert not actor.holds(Role.NATIONAL_AUTHORIZED_USER, country="CA", record_type="LAW")


def test_the_request_actor_carries_request_id_client_ip_and_the_right_kind(
    make_user: Callable[..., User], login: Callable[..., Client]
) -> None:
    make_user("carrier", ("reference-validator", None))
    issued = create_token(SYSTEM, name="t", scopes=["read"], owner="carrier")
    factory = RequestFactory()
    request = factory.get("/x", REMOTE_ADDR="192.0.2.5", **_bearer(issued.plaintext))
    request.META["OPENBCH_REQUEST_ID"] = "abc123"
    actor = actor_for_request(request)
    assert (actor.name, actor.kind, actor.request_id, actor.client_ip) == ("carrier", "user", "abc123", "192.0.2.5")
    assert actor.describe_roles() == "reference-validator" and actor.scopes == frozenset({"read"})

    anonymous = actor_for_request(factory.get("/x"))
    assert anonymous.kind == "anonymous" and len(anonymous.request_id) == 32 and anonymous.client_ip == "127.0.0.1"
    with pytest.raises(UnauthenticatedError):
        actor_for_request(factory.get("/x", **_bearer("obch_nope")))
    with pytest.raises(UnauthenticatedError):
        token_or_anonymous(factory.get("/x", **_bearer("obch_nope")))
    assert token_or_anonymous(factory.get("/x")).kind == "anonymous"
    assert token_or_anonymous(factory.get("/x", **_bearer(issued.plaintext))).name == "carrier"


def test_only_the_system_manages_another_accounts_tokens(
    make_user: Callable[..., User], actor_of: Callable[..., Any]
) -> None:
    make_user("alpha")
    admin = make_user("admin", ("administrator", None))
    with pytest.raises(PermissionDeniedError):
        create_token(actor_of(admin), name="impersonate", scopes=["read"], owner="alpha")
    with pytest.raises(PermissionDeniedError):
        list_tokens(actor_of(admin), owner="alpha")
    assert list_tokens(SYSTEM, owner="alpha") == []


def test_token_input_is_validated(make_user: Callable[..., User]) -> None:
    make_user("strict")
    issued = create_token(SYSTEM, name="t", scopes=["read", "write"], owner="strict")
    client = Client()
    for payload in ({"name": "", "scopes": ["read"]}, {"name": "x", "scopes": []}, {"name": "x", "scopes": ["admin"]}):
        response = client.post("/api/v1/tokens", payload, content_type="application/json", **_bearer(issued.plaintext))
        assert response.status_code == 400, payload
    assert client.delete("/api/v1/tokens/0", **_bearer(issued.plaintext)).status_code == 400
