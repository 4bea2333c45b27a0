"""Actors and records in known workflow states, shared by the workflow tests."""

from __future__ import annotations

from typing import Any

from openbch.core.actors import ANONYMOUS, SYSTEM, Actor, Grant, Role
from openbch.records.models import Record
from openbch.records.workflow import create_draft, publish, submit, withdraw

ACTORS: dict[str, Actor] = {
    "anonymous": ANONYMOUS,
    "submitter": Actor("submitter", user_id=9001),
    "stranger": Actor("stranger", user_id=9002),
    "authorized-ca": Actor("nau-ca", user_id=9003, grants=(Grant(Role.NATIONAL_AUTHORIZED_USER, "CA"),)),
    "authorized-ca-laws-only": Actor(
        "nau-ca-law", user_id=9004, grants=(Grant(Role.NATIONAL_AUTHORIZED_USER, "CA", frozenset({"LAW"})),)
    ),
    "publisher-ca": Actor("npa-ca", user_id=9005, grants=(Grant(Role.NATIONAL_PUBLISHING_AUTHORITY, "CA"),)),
    "publisher-fr": Actor("npa-fr", user_id=9006, grants=(Grant(Role.NATIONAL_PUBLISHING_AUTHORITY, "FR"),)),
    "validator": Actor("scbd-validator", user_id=9007, grants=(Grant(Role.REFERENCE_VALIDATOR),)),
    "admin": Actor("admin", user_id=9008, grants=(Grant(Role.ADMINISTRATOR),)),
    "publisher-ca-read-only-token": Actor(
        "npa-ca-ro",
        user_id=9005,
        grants=(Grant(Role.NATIONAL_PUBLISHING_AUTHORITY, "CA"),),
        scopes=frozenset({"read"}),
    ),
}


def demo_identifier(source_key: str) -> str:
    return Record.objects.get(source_key=source_key).identifier


def decision_body(title: str = "Test decision") -> dict[str, Any]:
    return {
        "government": {"identifier": "ca"},
        "authorities": [{"identifier": demo_identifier("cna/ca/cfia")}],
        "title": {"en": title},
        "date": "2024-05-01",
        "decisionTypes": [{"identifier": "8.1"}],
        "isAmendment": False,
        "expires": True,
        "modifiedOrganisms": [{"identifier": demo_identifier("lmo/MON-ØØ81Ø-6")}],
    }


def organism_body(name: str = "Testa workflowia") -> dict[str, Any]:
    return {"scientificName": name}


def make_record(kind: str, state: str, *, title: str = "Matrix") -> Record:
    """A CA decision (``national``) or an organism submitted by "submitter" (``reference``) in ``state``."""
    if kind == "national":
        draft = create_draft(SYSTEM, record_type="DEC", owner="CA", body=decision_body(title))
    else:
        draft = create_draft(ACTORS["submitter"], record_type="ORGA", owner="SCBD", body=organism_body(f"{title} sp"))
    identifier = draft.record.identifier
    if state == "pending":
        submit(SYSTEM, identifier=identifier, message="please publish")
    elif state in ("published", "withdrawn"):
        publish(SYSTEM, identifier=identifier)
        if state == "withdrawn":
            withdraw(SYSTEM, identifier=identifier, reason="test")
    return Record.objects.get(identifier=identifier)
