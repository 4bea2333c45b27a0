"""Passwords: Argon2id hashes, Django's validators with their messages, the change-password page."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from openbch.accounts.services import change_password, create_user
from openbch.core.actors import SYSTEM
from openbch.core.errors import PermissionDeniedError, ValidationFailedError
from openbch.records.models import AuditEntry
from tests.hashers import PRODUCTION_HASHERS

from .conftest import PASSWORD


def test_the_stored_hash_is_argon2id_with_at_least_the_asvs_costs(
    make_user: Callable[..., User], settings: Any
) -> None:
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS  # the suite hashes at lower costs (tests/hashers.py)
    user = make_user("hasher")
    assert user.password.startswith("argon2$argon2id$v=19$")
    params = dict(re.findall(r"([mtp])=(\d+)", user.password.split("$")[3]))
    assert int(params["m"]) >= 19 * 1024 and int(params["t"]) >= 2
    assert PASSWORD not in user.password


@pytest.mark.parametrize(
    ("username", "password", "code", "message"),
    [
        (
            "shorty",
            "abc123",
            "password_too_short",
            "This password is too short. It must contain at least 8 characters.",
        ),
        ("commoner", "password123", "password_too_common", "This password is too common."),
        ("commoner2", "qwertyuiop", "password_too_common", "This password is too common."),
        ("similar-sam", "similar-sam1", "password_too_similar", "The password is too similar to the username."),
    ],
)
def test_weak_passwords_are_refused_with_the_validators_message_at_the_password_field(
    username: str, password: str, code: str, message: str
) -> None:
    with pytest.raises(ValidationFailedError) as caught:
        create_user(SYSTEM, username=username, password=password)
    issues = [i for i in caught.value.issues if i.code == code]
    assert issues and issues[0].path == "/password" and issues[0].message == message
    assert not User.objects.filter(username=username).exists()


def test_no_composition_rules_and_long_passphrases_are_kept_exactly(make_user: Callable[..., User]) -> None:
    passphrase = "a long sentence with only lower case letters that no one would guess " * 2
    assert len(passphrase) > 64
    make_user("phrase", password=passphrase)
    client = Client()
    refused = client.post("/accounts/login/", {"username": "phrase", "password": passphrase.upper()})
    assert refused.status_code == 200 and "not correct" in refused.content.decode()
    refused = client.post("/accounts/login/", {"username": "phrase", "password": passphrase.strip()})
    assert refused.status_code == 200  # no trimming: the trailing space is part of the password
    accepted = client.post("/accounts/login/", {"username": "phrase", "password": passphrase})
    assert accepted.status_code == 302


def test_changing_the_password_keeps_this_session_and_ends_the_others(
    make_user: Callable[..., User], login: Callable[..., Client]
) -> None:
    make_user("changer")
    here = login("changer")
    elsewhere = login("changer")
    old_key = here.cookies["openbch_session"].value
    new_password = "another fine passphrase 42"
    response = here.post(
        "/accounts/password/",
        {"current_password": PASSWORD, "new_password": new_password, "new_password_again": new_password},
    )
    assert response.status_code == 200 and "Password changed" in response.content.decode()
    assert here.cookies["openbch_session"].value != old_key  # rotated
    assert not SessionStore().exists(old_key)
    assert here.get("/accounts/password/").status_code == 200  # still logged in
    assert elsewhere.get("/accounts/password/").status_code == 302  # logged out, sent to the login page
    assert Client().post("/accounts/login/", {"username": "changer", "password": new_password}).status_code == 302
    entry = AuditEntry.objects.filter(action="password.changed").latest("seq")
    assert entry.actor == "changer" and entry.details["user"] == "changer"


def test_the_change_password_page_names_the_field_of_each_problem(
    make_user: Callable[..., User], login: Callable[..., Client]
) -> None:
    make_user("fields")
    client = login("fields")
    wrong = client.post(
        "/accounts/password/",
        {
            "current_password": "not it at all",
            "new_password": "a fine new phrase",
            "new_password_again": "a fine new phrase",
        },
    )
    page = wrong.content.decode()
    assert wrong.status_code == 200 and "the current password is not correct" in page
    assert 'id="id_current_password_error"' in page
    weak = client.post(
        "/accounts/password/",
        {"current_password": PASSWORD, "new_password": "12345678", "new_password_again": "12345678"},
    )
    page = weak.content.decode()
    assert "This password is too common." in page and 'id="id_new_password_error"' in page
    differ = client.post(
        "/accounts/password/",
        {"current_password": PASSWORD, "new_password": "one phrase", "new_password_again": "another"},
    )
    assert "The two new passwords differ." in differ.content.decode()
    assert AuditEntry.objects.filter(action="password.change_failed", details__user="fields").count() == 1


def test_only_the_owner_or_an_administrator_changes_a_password(
    make_user: Callable[..., User], actor_of: Callable[..., Any]
) -> None:
    owner = make_user("owner")
    other = make_user("nosy", ("national-publishing-authority", "CA"))
    admin = make_user("root", ("administrator", None))
    with pytest.raises(PermissionDeniedError):
        change_password(actor_of(other), username="owner", new_password="a brand new phrase")
    with pytest.raises(ValidationFailedError) as caught:
        change_password(actor_of(owner), username="owner", new_password="a brand new phrase")
    assert caught.value.issues[0].path == "/current_password"
    change_password(actor_of(admin), username="owner", new_password="a brand new phrase")
    owner.refresh_from_db()
    assert owner.check_password("a brand new phrase")


def test_the_password_page_needs_a_login() -> None:
    response = Client().get("/accounts/password/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")
