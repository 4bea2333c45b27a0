"""Every write action × every role × record state × owner, against a policy table declared here.

The table below is written from the issue's words, independently of records/policy.py: if the
code drifts from what was promised, a cell fails. A refused action changes nothing (zero writes
across countries) and a draft one may not see is answered exactly like a missing record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from openbch.core.actors import Actor
from openbch.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    StaleRevisionError,
    ValidationFailedError,
)
from openbch.records import workflow
from openbch.records.models import ChangeEvent, Draft, PublicationRequest, Record, Revision, WorkflowEvent

from .workflow_fixtures import ACTORS, decision_body, make_record, organism_body

pytestmark = pytest.mark.django_db

KINDS = ("national", "reference")
STATES = ("draft", "pending", "published", "withdrawn")
AUTHORING = ("update", "submit", "amend")
DECIDING = ("approve", "reject", "publish", "withdraw", "confirm")

#: who may write drafts and ask for publication; who may decide — per the issue
MAY_AUTHOR = {"national": {"authorized-ca", "publisher-ca", "admin"}, "reference": {"submitter", "validator", "admin"}}
MAY_DECIDE = {"national": {"publisher-ca", "admin"}, "reference": {"validator", "admin"}}
#: who may see a draft (a read-only token still sees its country's drafts)
MAY_SEE_DRAFTS = {
    "national": MAY_AUTHOR["national"] | {"publisher-ca-read-only-token"},
    "reference": MAY_AUTHOR["reference"],
}
#: the state an action needs (else 409 for those allowed to act)
NEEDS: dict[str, set[str]] = {
    "update": {"draft", "published", "withdrawn"},
    "submit": {"draft"},
    "amend": {"published", "withdrawn"},
    "approve": {"pending"},
    "reject": {"pending"},
    "publish": {"draft"},
    "withdraw": {"published"},
    "confirm": {"published"},
}


def expected(action: str, actor: str, state: str, kind: str) -> int:
    if action == "create":
        if kind == "reference":
            return 201 if actor not in ("anonymous", "publisher-ca-read-only-token") else 403
        return 201 if actor in MAY_AUTHOR["national"] else 403
    permitted = actor in (MAY_AUTHOR if action in AUTHORING else MAY_DECIDE)[kind]
    if not permitted:
        visible = state in ("published", "withdrawn") or actor in MAY_SEE_DRAFTS[kind]
        return 403 if visible else 404
    if action == "confirm" and kind == "reference":
        return 409  # organisms do not ask to be re-confirmed
    return 200 if state in NEEDS[action] else 409


def etag_of(record: Record) -> str:
    draft = Draft.objects.filter(record=record).first()
    return draft.etag if draft else f'"{record.revision}.0"'


def run(action: str, actor: Actor, kind: str, record: Record) -> Any:
    identifier = record.identifier
    calls: dict[str, Callable[[], Any]] = {
        "create": lambda: workflow.create_draft(
            actor,
            record_type="DEC" if kind == "national" else "ORGA",
            owner="CA" if kind == "national" else "SCBD",
            body=decision_body() if kind == "national" else organism_body(),
        ),
        "update": lambda: workflow.update_draft(
            actor,
            identifier=identifier,
            body=decision_body("Edited") if kind == "national" else organism_body("Editus"),
            if_match=etag_of(record),
        ),
        "submit": lambda: workflow.submit(actor, identifier=identifier, message="please"),
        "amend": lambda: workflow.amend(actor, identifier=identifier, reason="correction"),
        "approve": lambda: workflow.approve(actor, identifier=identifier),
        "reject": lambda: workflow.reject(actor, identifier=identifier, reason="incomplete"),
        "publish": lambda: workflow.publish(actor, identifier=identifier),
        "withdraw": lambda: workflow.withdraw(actor, identifier=identifier, reason="superseded"),
        "confirm": lambda: workflow.confirm(actor, identifier=identifier),
    }
    return calls[action]()


def outcome(action: str, actor: Actor, kind: str, record: Record) -> int:
    try:
        run(action, actor, kind, record)
    except PermissionDeniedError:
        return 403
    except NotFoundError:
        return 404
    except ConflictError:
        return 409
    except StaleRevisionError:
        return 412
    except ValidationFailedError:
        return 422
    return 201 if action == "create" else 200


def snapshot() -> tuple[Any, ...]:
    return (
        Record.objects.count(),
        sorted(Record.objects.values_list("pk", "state", "revision", "number")),
        Revision.objects.count(),
        sorted(Draft.objects.values_list("pk", "version", "locked")),
        sorted(PublicationRequest.objects.values_list("pk", "status")),
        WorkflowEvent.objects.count(),
        ChangeEvent.objects.count(),
    )


CELLS = [(a, k, s) for k in KINDS for s in STATES for a in (*AUTHORING, *DECIDING)] + [
    ("create", k, "new") for k in KINDS
]


@pytest.mark.parametrize(("action", "kind", "state"), CELLS, ids=[f"{a}-{k}-{s}" for a, k, s in CELLS])
def test_policy_cell(action: str, kind: str, state: str) -> None:
    mismatches = []
    for name, actor in ACTORS.items():
        record = make_record(kind, "draft" if state == "new" else state)
        before = snapshot()
        got = outcome(action, actor, kind, record)
        want = expected(action, name, state, kind)
        if got != want:
            mismatches.append(f"{name}: got {got}, want {want}")
        if got >= 400:
            assert snapshot() == before, f"{name} was refused ({got}) but something changed"
    assert not mismatches, f"{action} on a {state} {kind} record: " + "; ".join(mismatches)


def test_matrix_size() -> None:
    """The figure for the closing note: cells = actions × actors × states × owners."""
    assert len(CELLS) * len(ACTORS) == (len(AUTHORING) + len(DECIDING)) * len(STATES) * len(KINDS) * len(
        ACTORS
    ) + 2 * len(ACTORS)


def test_a_hidden_draft_is_indistinguishable_from_a_missing_record() -> None:
    record = make_record("national", "draft")
    outsider = ACTORS["publisher-fr"]
    with pytest.raises(NotFoundError) as hidden:
        workflow.get_draft(outsider, record.identifier)
    with pytest.raises(NotFoundError) as missing:
        workflow.get_draft(outsider, "0A1B2C3D-0000-4000-8000-00000000FFFF")
    assert type(hidden.value).__mro__[-4:] == type(missing.value).__mro__[-4:]
    assert hidden.value.code == missing.value.code == "not_found"
    assert hidden.value.message.replace(record.identifier, "X") == missing.value.message.replace(
        "0A1B2C3D-0000-4000-8000-00000000FFFF", "X"
    )
