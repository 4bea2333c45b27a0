"""The publishing workflow on a real database: requests, decisions, amendments, expiry, failures."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from openbch.core.actors import SYSTEM
from openbch.core.errors import (
    ConflictError,
    NotFoundError,
    OpenBCHError,
    PermissionDeniedError,
    StaleRevisionError,
    ValidationFailedError,
)
from openbch.records import publishing, workflow
from openbch.records.audit import verify_chain
from openbch.records.models import (
    AuditEntry,
    ChangeEvent,
    Draft,
    PublicationRequest,
    Record,
    RecordState,
    RequestStatus,
    Revision,
)
from openbch.records.queries import get_published

from .workflow_fixtures import ACTORS, decision_body, make_record

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_request_approve_publishes_with_the_approver_and_a_change_event() -> None:
    draft = workflow.create_draft(ACTORS["authorized-ca"], record_type="DEC", owner="CA", body=decision_body())
    identifier = draft.record.identifier
    request = workflow.submit(ACTORS["authorized-ca"], identifier=identifier, message="new decision, please check")
    assert Record.objects.get(identifier=identifier).state == RecordState.PENDING
    with pytest.raises(ConflictError):  # the draft is locked while the request is pending
        workflow.update_draft(ACTORS["authorized-ca"], identifier=identifier, body=decision_body(), if_match='"0.1"')
    inbox = workflow.list_requests(ACTORS["publisher-ca"], decidable_only=True)
    assert request.pk in {r.pk for r in inbox}
    assert not workflow.list_requests(ACTORS["publisher-fr"], decidable_only=True)
    record = workflow.approve(ACTORS["publisher-ca"], identifier=identifier)
    assert record.state == RecordState.PUBLISHED and record.uid.startswith("BCH-DEC-CA-")
    revision = Revision.objects.get(record=record, revision=1)
    assert (revision.published_by, revision.approved_by) == ("npa-ca", "npa-ca")
    approval = AuditEntry.objects.filter(action="request.approved", record_identifier=identifier).get()
    assert (approval.actor, approval.roles, approval.country) == ("npa-ca", "national-publishing-authority:CA", "CA")
    assert ChangeEvent.objects.filter(record=record, kind="published").count() == 1
    assert PublicationRequest.objects.get(pk=request.pk).status == RequestStatus.APPROVED
    assert not Draft.objects.filter(record=record).exists()
    with pytest.raises(ConflictError):  # already decided
        workflow.approve(ACTORS["publisher-ca"], identifier=identifier)


def test_rejection_needs_a_reason_that_the_submitter_sees_and_unlocks_the_draft() -> None:
    record = make_record("national", "pending")
    with pytest.raises(ValidationFailedError):
        workflow.reject(ACTORS["publisher-ca"], identifier=record.identifier, reason="  ")
    workflow.reject(ACTORS["publisher-ca"], identifier=record.identifier, reason="Add the risk assessment")
    _, draft, request = workflow.get_draft(ACTORS["authorized-ca"], record.identifier)
    assert request is not None and request.status == RequestStatus.REJECTED
    assert request.reason == "Add the risk assessment" and request.decided_by == "npa-ca"
    assert draft is not None and not draft.locked
    assert Record.objects.get(pk=record.pk).state == RecordState.DRAFT
    workflow.update_draft(
        ACTORS["authorized-ca"], identifier=record.identifier, body=decision_body("Fixed"), if_match=draft.etag
    )


def test_a_stale_edit_gets_412_and_loses_nothing() -> None:
    record = make_record("national", "draft")
    first = Draft.objects.get(record=record).etag
    workflow.update_draft(
        ACTORS["authorized-ca"], identifier=record.identifier, body=decision_body("Alice"), if_match=first
    )
    with pytest.raises(StaleRevisionError):
        workflow.update_draft(
            ACTORS["publisher-ca"], identifier=record.identifier, body=decision_body("Bob"), if_match=first
        )
    assert Draft.objects.get(record=record).body["title"] == {"en": "Alice"}


def test_submission_is_strict_and_refuses_an_incomplete_draft() -> None:
    body = decision_body()
    del body["modifiedOrganisms"]
    draft = workflow.create_draft(ACTORS["authorized-ca"], record_type="DEC", owner="CA", body=body)
    assert "required" in {w["code"] for w in draft.warnings}
    with pytest.raises(ValidationFailedError) as caught:
        workflow.submit(ACTORS["authorized-ca"], identifier=draft.record.identifier)
    assert ("/modifiedOrganisms", "required") in {(i.path, i.code) for i in caught.value.issues}
    assert not PublicationRequest.objects.filter(record=draft.record).exists()


def test_amendment_is_a_new_revision_linking_the_one_it_amends() -> None:
    record = make_record("national", "published")
    draft = workflow.amend(ACTORS["authorized-ca"], identifier=record.identifier, reason="corrected the date")
    body = {**draft.body, "date": "2024-06-01"}
    workflow.update_draft(ACTORS["authorized-ca"], identifier=record.identifier, body=body, if_match=draft.etag)
    workflow.submit(ACTORS["authorized-ca"], identifier=record.identifier)
    amended = workflow.approve(ACTORS["publisher-ca"], identifier=record.identifier)
    second = Revision.objects.get(record=amended, revision=2)
    assert (second.amends, second.amendment_reason) == (1, "corrected the date")
    assert get_published(f"{amended.uid[:-2]}-1").body["date"] == "2024-05-01"
    assert get_published(amended.uid).body["date"] == "2024-06-01"
    assert amended.number == record.number


def test_requests_expire_after_twelve_weeks() -> None:
    record = make_record("national", "pending")
    request = PublicationRequest.objects.get(record=record, status=RequestStatus.PENDING)
    PublicationRequest.objects.filter(pk=request.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(ConflictError, match="expired"):
        workflow.approve(ACTORS["publisher-ca"], identifier=record.identifier)
    assert PublicationRequest.objects.get(pk=request.pk).status == RequestStatus.EXPIRED
    assert not Draft.objects.get(record=record).locked
    other = make_record("national", "pending")
    PublicationRequest.objects.filter(record=other).update(expires_at=timezone.now() - dt.timedelta(days=1))
    assert workflow.expire_requests(SYSTEM) == 1
    assert request.expires_at - request.submitted_at == dt.timedelta(weeks=12)


def test_records_with_expiry_must_be_reconfirmed_every_two_years() -> None:
    record = make_record("national", "published")
    body = get_published(record.uid).body
    assert workflow.confirmation_status(record, body) == "confirmed"
    later = timezone.now() + dt.timedelta(days=731)
    assert workflow.confirmation_status(record, body, now=later) == "not_confirmed"
    confirmed = workflow.confirm(ACTORS["publisher-ca"], identifier=record.identifier)
    assert confirmed.confirmed_at is not None
    assert (
        workflow.confirmation_status(confirmed, body, now=confirmed.confirmed_at + dt.timedelta(days=700))
        == "confirmed"
    )
    assert ChangeEvent.objects.filter(record=record, kind="confirmed").count() == 1


def test_refused_attempts_are_audited() -> None:
    record = make_record("national", "pending")
    before = AuditEntry.objects.count()
    with pytest.raises(PermissionDeniedError):
        workflow.approve(ACTORS["authorized-ca"], identifier=record.identifier)
    with pytest.raises(NotFoundError):
        workflow.approve(ACTORS["publisher-fr"], identifier=record.identifier)
    denied = list(AuditEntry.objects.filter(seq__gt=0).order_by("-seq")[:2])
    assert AuditEntry.objects.count() == before + 2
    assert {e.action for e in denied} == {"denied.approve"}
    assert {e.actor for e in denied} == {"nau-ca", "npa-fr"}
    assert {e.roles for e in denied} == {"national-authorized-user:CA", "national-publishing-authority:FR"}
    assert verify_chain()[0]


def test_an_exception_in_the_middle_of_publication_leaves_nothing_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    record = make_record("national", "pending")

    def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk on fire")

    # the revision rows are written by then: the change-log append fails after them
    monkeypatch.setattr(publishing, "append_events", fail)
    counts = (Revision.objects.count(), ChangeEvent.objects.count(), AuditEntry.objects.count())
    with pytest.raises(RuntimeError):
        workflow.approve(ACTORS["publisher-ca"], identifier=record.identifier)
    assert (Revision.objects.count(), ChangeEvent.objects.count(), AuditEntry.objects.count()) == counts
    fresh = Record.objects.get(pk=record.pk)
    assert (fresh.state, fresh.revision, fresh.number) == (RecordState.PENDING, 0, None)
    assert PublicationRequest.objects.get(record=record).status == RequestStatus.PENDING
    assert Draft.objects.get(record=record).locked


# -- random sequences of actions by random actors ------------------------------------------------

ACTIONS = ("create", "update", "submit", "approve", "reject", "publish", "withdraw", "amend")


class WorkflowMachine(RuleBasedStateMachine):
    """Random actions by random actors; after each step the invariants of the issue must hold."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[str] = []
        self.seen_revisions: dict[tuple[int, int], str] = {}
        self.numbers: dict[int, int] = {}
        self.states: dict[int, str] = {}

    @rule(actor=st.sampled_from(sorted(ACTORS)), action=st.sampled_from(ACTIONS), pick=st.integers(0, 50))
    def act(self, actor: str, action: str, pick: int) -> None:
        who = ACTORS[actor]
        if action == "create" or not self.records:
            try:
                draft = workflow.create_draft(
                    who, record_type="DEC", owner="CA", body=decision_body(f"Seq {len(self.records)}")
                )
            except OpenBCHError:
                return
            self.records.append(draft.record.identifier)
            return
        identifier = self.records[pick % len(self.records)]
        record = Record.objects.get(identifier=identifier)
        before = record.state
        draft = Draft.objects.filter(record=record).first()
        etag = draft.etag if draft else f'"{record.revision}.0"'
        calls = {
            "update": lambda: workflow.update_draft(
                who, identifier=identifier, body=decision_body(f"Edit {pick}"), if_match=etag
            ),
            "submit": lambda: workflow.submit(who, identifier=identifier),
            "approve": lambda: workflow.approve(who, identifier=identifier),
            "reject": lambda: workflow.reject(who, identifier=identifier, reason="no"),
            "publish": lambda: workflow.publish(who, identifier=identifier),
            "withdraw": lambda: workflow.withdraw(who, identifier=identifier, reason="gone"),
            "amend": lambda: workflow.amend(who, identifier=identifier, reason="fix"),
        }
        try:
            calls[action]()
        except OpenBCHError:
            assert Record.objects.get(identifier=identifier).state == before, "a refused action changed the state"
            return
        after = Record.objects.get(identifier=identifier).state
        # states are never skipped: each action leads only where the state machine allows
        allowed_moves = {
            "update": {(before, before)},
            "amend": {(before, before)},
            "submit": {("draft", "pending"), ("published", "published"), ("withdrawn", "withdrawn")},
            "approve": {("pending", "published"), ("published", "published"), ("withdrawn", "published")},
            "reject": {("pending", "draft"), ("published", "published"), ("withdrawn", "withdrawn")},
            "publish": {("draft", "published"), ("published", "published"), ("withdrawn", "published")},
            "withdraw": {("published", "withdrawn")},
        }
        assert (before, after) in allowed_moves[action], f"{action}: {before} → {after}"

    @invariant()
    def published_revisions_never_change_and_each_has_one_authorised_publisher(self) -> None:
        for revision in Revision.objects.filter(record__identifier__in=self.records).select_related("record"):
            key = (revision.record_id, revision.revision)
            assert self.seen_revisions.setdefault(key, revision.content_hash) == revision.content_hash
            publisher = revision.approved_by or revision.published_by
            assert publisher in {"npa-ca", "admin", "system"}, publisher
            approvals = PublicationRequest.objects.filter(
                record_id=revision.record_id, revision=revision.revision, status=RequestStatus.APPROVED
            ).count()
            assert approvals == (1 if revision.approved_by else 0)

    @invariant()
    def record_numbers_never_change(self) -> None:
        for pk, number in Record.objects.filter(identifier__in=self.records).values_list("pk", "number"):
            if number is not None:
                assert self.numbers.setdefault(pk, number) == number


def test_random_workflow_sequences_keep_the_invariants() -> None:
    run_state_machine_as_test(
        WorkflowMachine,
        settings=settings(
            max_examples=int(os.environ.get("OPENBCH_STATEFUL_EXAMPLES", "60")),
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


# -- two approvals racing ------------------------------------------------------------------------


@pytest.mark.slow
def test_two_racing_approvals_exactly_one_wins(tmp_path: Path) -> None:
    """Real concurrency needs real commits: the race runs in a child process on its own database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENBCH_", "DJANGO_"))}
    env["OPENBCH_DATA_DIR"] = str(tmp_path)
    env["PYTHONPATH"] = str(ROOT)
    database = None
    if connection.vendor == "postgresql":
        import psycopg

        settings_dict = connection.settings_dict
        database = f"openbch_race_{uuid.uuid4().hex[:8]}"
        admin = f"postgresql://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        env["OPENBCH_DATABASE_URL"] = admin.rsplit("/", 1)[0] + f"/{database}"
    try:
        result = subprocess.run(
            [sys.executable, "-m", "tests.records.race_harness", "--trials", "20"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        if database:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [line for line in result.stdout.splitlines() if line.startswith("trial")]
    assert len(lines) == 20
    assert all(line.endswith("winners=1 conflicts=1 revisions=1") for line in lines), result.stdout
