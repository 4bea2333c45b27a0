"""Roles per country: who may grant, revoke and disable what."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from django.contrib.auth.models import User

from openbch.accounts.models import RoleAssignment
from openbch.accounts.services import create_user, disable_user, grant_role, revoke_role
from openbch.core.actors import ANONYMOUS, SYSTEM, Role
from openbch.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    UnauthenticatedError,
    ValidationFailedError,
)

NAU = "national-authorized-user"
NPA = "national-publishing-authority"


@pytest.fixture
def ca_authority(make_user: Callable[..., User], actor_of: Callable[..., Any]) -> Any:
    return actor_of(make_user("ca-npa", (NPA, "CA")))


def _roles(username: str) -> set[tuple[str, str]]:
    return set(RoleAssignment.objects.filter(user__username=username).values_list("role", "country"))


def test_a_publishing_authority_grants_national_users_of_its_country_only(
    ca_authority: Any, make_user: Callable[..., User]
) -> None:
    make_user("clerk")
    grant_role(ca_authority, username="clerk", role=NAU, country="ca", record_types=["DEC", "ra"])
    assignment = RoleAssignment.objects.get(user__username="clerk")
    assert (assignment.role, assignment.country, assignment.record_types) == (NAU, "CA", ["DEC", "RA"])
    assert assignment.granted_by == "ca-npa"
    for role, country in (
        (NAU, "FR"),
        (NPA, "CA"),
        (NPA, "FR"),
        ("reference-validator", None),
        ("administrator", None),
    ):
        with pytest.raises(PermissionDeniedError):
            grant_role(ca_authority, username="clerk", role=role, country=country)
    assert _roles("clerk") == {(NAU, "CA")}


def test_a_publishing_authority_revokes_national_users_of_its_country_only(
    ca_authority: Any, make_user: Callable[..., User]
) -> None:
    make_user("dual", (NAU, "CA"), (NAU, "FR"))
    with pytest.raises(PermissionDeniedError):
        revoke_role(ca_authority, username="dual", role=NAU, country="FR")
    revoke_role(ca_authority, username="dual", role=NAU, country="CA")
    assert _roles("dual") == {(NAU, "FR")}
    with pytest.raises(NotFoundError):
        revoke_role(ca_authority, username="dual", role=NAU, country="CA")


@pytest.mark.parametrize(
    ("grants", "allowed"),
    [
        (((NAU, "CA"),), True),
        (((NAU, "FR"),), False),
        (((NAU, "CA"), (NAU, "FR")), False),
        (((NAU, "CA"), ("reference-validator", None)), False),
        (((NPA, "CA"),), False),  # a fellow authority is the administrators' to disable
        (((NAU, "CA"), ("administrator", None)), False),
        ((), False),  # an account with no national role is no country's to disable
    ],
)
def test_a_publishing_authority_disables_only_its_own_national_users(
    ca_authority: Any, make_user: Callable[..., User], grants: tuple[tuple[str, str | None], ...], allowed: bool
) -> None:
    make_user("someone", *grants)
    if allowed:
        disable_user(ca_authority, username="someone")
    else:
        with pytest.raises(PermissionDeniedError):
            disable_user(ca_authority, username="someone")
    assert User.objects.get(username="someone").is_active is not allowed


def test_an_administrator_grants_any_role_and_disables_anyone(
    make_user: Callable[..., User], actor_of: Callable[..., Any]
) -> None:
    admin = actor_of(make_user("admin", ("administrator", None)))
    make_user("anyone", (NPA, "FR"))
    grant_role(admin, username="anyone", role=NPA, country="CA")
    grant_role(admin, username="anyone", role="reference-validator")
    assert _roles("anyone") == {(NPA, "FR"), (NPA, "CA"), ("reference-validator", "")}
    disable_user(admin, username="anyone")
    assert not User.objects.get(username="anyone").is_active


def test_registered_users_without_roles_and_anonymous_manage_nothing(
    make_user: Callable[..., User], actor_of: Callable[..., Any]
) -> None:
    plain = actor_of(make_user("plain"))
    make_user("victim")
    for call in (
        lambda actor: grant_role(actor, username="victim", role=NAU, country="CA"),
        lambda actor: disable_user(actor, username="victim"),
        lambda actor: create_user(actor, username="sockpuppet", password="a fine long phrase"),
    ):
        with pytest.raises(PermissionDeniedError):
            call(plain)
        with pytest.raises(UnauthenticatedError):
            call(ANONYMOUS)


def test_a_read_only_credential_changes_nothing(ca_authority: Any, make_user: Callable[..., User]) -> None:
    make_user("clerk")
    with pytest.raises(PermissionDeniedError):
        grant_role(replace(ca_authority, scopes=frozenset({"read"})), username="clerk", role=NAU, country="CA")


@pytest.mark.parametrize(
    ("role", "country", "types", "path", "code"),
    [
        ("superuser", None, [], "/role", "unknown_role"),
        (NAU, None, [], "/country", "country_required"),
        (NAU, "XX", [], "/country", "unknown_country"),
        ("administrator", "CA", [], "/country", "country_not_applicable"),
        (NAU, "CA", ["NOPE"], "/record_types", "unknown_type"),
        (NAU, "CA", ["LMO"], "/record_types", "not_national"),
        (NPA, "CA", ["DEC"], "/record_types", "not_applicable"),
    ],
)
def test_grants_are_validated(
    make_user: Callable[..., User], role: str, country: str | None, types: list[str], path: str, code: str
) -> None:
    make_user("target")
    with pytest.raises(ValidationFailedError) as caught:
        grant_role(SYSTEM, username="target", role=role, country=country, record_types=types)
    assert [(i.path, i.code) for i in caught.value.issues] == [(path, code)]


def test_granting_again_sets_the_record_types_and_unknown_accounts_are_not_found(
    make_user: Callable[..., User], actor_of: Callable[..., Any]
) -> None:
    user = make_user("typed")
    grant_role(SYSTEM, username="typed", role=NAU, country="CA", record_types=["DEC"])
    grant_role(SYSTEM, username="typed", role=NAU, country="CA")
    actor = actor_of(user)
    assert actor.holds(Role.NATIONAL_AUTHORIZED_USER, country="CA", record_type="LAW")
    assert RoleAssignment.objects.filter(user=user).count() == 1
    with pytest.raises(NotFoundError):
        grant_role(SYSTEM, username="ghost", role=NAU, country="CA")


def test_user_names_are_unique_ignoring_case(make_user: Callable[..., User]) -> None:
    make_user("Alice")
    with pytest.raises(ConflictError):
        create_user(SYSTEM, username="alice", password="a fine long phrase")
    with pytest.raises(ValidationFailedError) as caught:
        create_user(SYSTEM, username="bad name!", password="a fine long phrase", email="not-an-email")
    assert {i.path for i in caught.value.issues} == {"/username", "/email"}
