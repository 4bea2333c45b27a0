"""Every account mutation and every login attempt leaves one audit entry; the chain stays intact."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.test import Client

from openbch.accounts.services import (
    change_password,
    create_token,
    create_user,
    disable_user,
    grant_role,
    revoke_role,
    revoke_token,
)
from openbch.core.actors import SYSTEM
from openbch.records.audit import verify_chain
from openbch.records.models import AuditEntry

from .conftest import PASSWORD


def _new_entries(after: int) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(seq__gt=after).order_by("seq"))


def _last_seq() -> int:
    return AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def test_one_entry_per_mutation_with_roles_and_country(
    make_user: Callable[..., User], actor_of: Callable[..., Any]
) -> None:
    authority = actor_of(
        make_user("fr-npa", ("national-publishing-authority", "FR")), request_id="r1", client_ip="192.0.2.1"
    )
    start = _last_seq()
    create_user(authority, username="agent", password=PASSWORD)
    grant_role(authority, username="agent", role="national-authorized-user", country="FR", record_types=["DEC"])
    grant_role(
        authority, username="agent", role="national-authorized-user", country="FR", record_types=["DEC"]
    )  # no change
    revoke_role(authority, username="agent", role="national-authorized-user", country="FR")
    grant_role(authority, username="agent", role="national-authorized-user", country="FR")
    issued = create_token(SYSTEM, name="t", scopes=["read"], owner="agent")
    revoke_token(SYSTEM, token_id=issued.token.pk)
    change_password(SYSTEM, username="agent", new_password="a new long phrase")
    disable_user(authority, username="agent")
    disable_user(authority, username="agent")  # already disabled: no change
    entries = _new_entries(start)
    assert [e.action for e in entries] == [
        "account.created",
        "role.granted",
        "role.revoked",
        "role.granted",
        "token.created",
        "token.revoked",
        "password.changed",
        "account.disabled",
    ]
    first = entries[0]
    assert (first.actor, first.actor_kind, first.request_id, first.client_ip) == ("fr-npa", "user", "r1", "192.0.2.1")
    assert first.details == {"user": "agent"}
    assert (first.roles, first.country) == ("national-publishing-authority:FR", "FR")
    assert entries[1].details["record_types"] == ["DEC"] and entries[1].details["grant_country"] == "FR"
    assert entries[4].roles == "system" and entries[4].country == ""
    assert entries[4].details["token_prefix"] == issued.token.prefix and entries[4].details["scopes"] == ["read"]
    assert all(e.at.utcoffset() == dt.timedelta(0) for e in entries)  # stored and read back in UTC
    assert verify_chain()[0]


def test_logins_are_audited_with_the_request_id_and_address(make_user: Callable[..., User]) -> None:
    make_user("visitor", ("national-authorized-user", "CA"))
    start = _last_seq()
    client = Client(REMOTE_ADDR="192.0.2.44")
    client.post("/accounts/login/", {"username": "visitor", "password": "not the password"})
    client.post("/accounts/login/", {"username": "nobody\r\n\x1b[31mforged", "password": "x"})
    client.post("/accounts/login/", {"username": "visitor", "password": PASSWORD})
    client.post("/accounts/logout/")
    failed, unknown, succeeded, logout = _new_entries(start)
    assert (failed.action, failed.actor_kind, failed.details["username"]) == ("login.failed", "anonymous", "visitor")
    assert failed.client_ip == "192.0.2.44" and len(failed.request_id) == 32
    assert failed.roles == "" and failed.country == ""
    assert unknown.details["username"] == "nobody\r\n\x1b[31mforged"  # stored as data, JSON-escaped on disk
    assert (succeeded.action, succeeded.actor) == ("login.succeeded", "visitor")
    assert succeeded.details == {}
    assert (succeeded.roles, succeeded.country) == ("national-authorized-user:CA", "CA")
    assert (logout.action, logout.actor) == ("logout", "visitor")
    assert len({failed.request_id, unknown.request_id, succeeded.request_id}) == 3
    assert verify_chain()[0]


def test_api_requests_use_the_request_id_the_api_answers_with(make_user: Callable[..., User]) -> None:
    make_user("apiuser")
    issued = create_token(SYSTEM, name="t", scopes=["read", "write"], owner="apiuser")
    response = Client().post(
        "/api/v1/tokens",
        {"name": "second", "scopes": ["read"]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {issued.plaintext}",
    )
    assert response.status_code == 201
    entry = AuditEntry.objects.filter(action="token.created").latest("seq")
    assert entry.actor == "apiuser" and entry.request_id == response["X-Request-Id"]
    assert entry.details["token_name"] == "second"
