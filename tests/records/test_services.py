"""Record services on a real database: publication, immutability, change log, audit chain."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from openbch.core.actors import ANONYMOUS, SYSTEM
from openbch.core.errors import ConflictError, PermissionDeniedError, StaleRevisionError, ValidationFailedError
from openbch.records.audit import verify_chain
from openbch.records.changelog import events_after, last_seq
from openbch.records.models import AuditEntry, ChangeEvent, Draft, Record, RecordState, Revision
from openbch.records.queries import get_published
from openbch.records.services import RecordInput, publish_records
from openbch.records.workflow import create_draft, publish, update_draft, withdraw

pytestmark = pytest.mark.django_db


def organism(name: str = "Testus plantus") -> RecordInput:
    return RecordInput("ORGA", "SCBD", {"scientificName": name, "organismType": {"identifier": "plants"}})


def counts() -> tuple[int, int, int, int]:
    return Record.objects.count(), Revision.objects.count(), ChangeEvent.objects.count(), AuditEntry.objects.count()


def test_publish_mints_number_and_uid_and_appends_event_and_audit() -> None:
    before_seq = last_seq()
    report = publish_records(SYSTEM, [organism()])
    record = report.records[0]
    assert record.uid == f"BCH-ORGA-SCBD-{record.number}-1"
    events = events_after(before_seq)
    assert [(e.kind, e.uid) for e in events] == [("published", record.uid)]
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry is not None and entry.action == "record.published" and entry.record_uid == record.uid
    assert verify_chain()[0]


def test_a_new_revision_keeps_the_number_and_the_old_revision() -> None:
    first = publish_records(SYSTEM, [organism("Alpha beta")]).records[0]
    second = publish_records(
        SYSTEM, [RecordInput("ORGA", "SCBD", {"scientificName": "Alpha gamma"}, identifier=first.identifier)]
    ).records[0]
    assert second.number == first.number and second.revision == 2
    assert get_published(f"BCH-ORGA-SCBD-{first.number}-1").body["scientificName"] == "Alpha beta"
    assert get_published(f"BCH-ORGA-SCBD-{first.number}").body["scientificName"] == "Alpha gamma"


def test_republishing_the_same_body_changes_nothing() -> None:
    first = publish_records(SYSTEM, [RecordInput("ORGA", "SCBD", {"scientificName": "Idem idem"}, source_key="t/idem")])
    before = counts()
    again = publish_records(SYSTEM, [RecordInput("ORGA", "SCBD", {"scientificName": "Idem idem"}, source_key="t/idem")])
    assert (first.created, again.created, again.unchanged) == (1, 0, 1)
    assert counts() == before


def test_invalid_input_writes_nothing_and_reports_every_error() -> None:
    before = counts()
    with pytest.raises(ValidationFailedError) as caught:
        publish_records(
            SYSTEM,
            [
                organism("Fine fine"),
                RecordInput("ORGA", "SCBD", {"scientificName": 3}),
                RecordInput("NOPE", "SCBD", {}),
                RecordInput("DEC", "SCBD", {}),
            ],
        )
    found = {(i.location["item"], i.path, i.code) for i in caught.value.issues}
    assert (1, "/scientificName", "invalid_type") in found
    assert (2, "/type", "unknown_type") in found
    assert (3, "/owner", "invalid_owner") in found
    assert (3, "/title", "required") in found
    assert counts() == before


def test_published_revisions_are_immutable_in_the_database() -> None:
    record = publish_records(SYSTEM, [organism("Fixus fixus")]).records[0]
    revision = Revision.objects.get(record=record, revision=1)
    for statement in (
        f"UPDATE records_revision SET body = '{{}}' WHERE id = {revision.pk}",
        f"DELETE FROM records_revision WHERE id = {revision.pk}",
        f"UPDATE records_auditentry SET actor = 'mallory' WHERE seq = {AuditEntry.objects.order_by('-seq').first().seq}",  # type: ignore[union-attr]
        "DELETE FROM records_changeevent",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert Revision.objects.get(pk=revision.pk).body["scientificName"] == "Fixus fixus"


def test_change_log_sequence_strictly_increases() -> None:
    publish_records(SYSTEM, [organism(f"Seq {i}") for i in range(5)])
    seqs = list(ChangeEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == sorted(set(seqs)) and len(seqs) >= 5


def test_tampering_with_the_audit_log_is_detected() -> None:
    publish_records(SYSTEM, [organism("Audit one"), organism("Audit two")])
    assert verify_chain()[0]
    target = AuditEntry.objects.order_by("-seq")[1]
    vendor = connection.vendor
    with connection.cursor() as cursor:
        # an attacker with database access drops the guard first; the chain still tells
        if vendor == "sqlite":
            cursor.execute("DROP TRIGGER records_auditentry_no_update")
        else:
            cursor.execute("ALTER TABLE records_auditentry DISABLE TRIGGER records_auditentry_append_only")
        cursor.execute("UPDATE records_auditentry SET actor = 'mallory' WHERE seq = %s", [target.seq])
    intact, bad, _ = verify_chain()
    assert not intact and bad == target.seq


def test_anonymous_may_not_publish() -> None:
    with pytest.raises(PermissionDeniedError):
        publish_records(ANONYMOUS, [organism()])


def test_draft_then_publish_then_withdraw() -> None:
    draft = create_draft(SYSTEM, record_type="ORGA", owner="SCBD", body={"organismType": {"identifier": "plants"}})
    assert [w["code"] for w in draft.warnings] == ["required"]
    record = draft.record
    assert record.state == RecordState.DRAFT and record.uid == ""
    with pytest.raises(ValidationFailedError):
        publish(SYSTEM, identifier=record.identifier)
    update_draft(SYSTEM, identifier=record.identifier, body={"scientificName": "Drafta drafta"}, if_match='"0.1"')
    published = publish(SYSTEM, identifier=record.identifier)
    assert published.state == RecordState.PUBLISHED and published.revision == 1
    assert not Draft.objects.filter(record=published).exists()
    with pytest.raises(StaleRevisionError):
        update_draft(SYSTEM, identifier=record.identifier, body={"scientificName": "X y"}, if_match='"0.2"')
    withdrawn = withdraw(SYSTEM, identifier=record.identifier, reason="duplicate of another record")
    assert get_published(withdrawn.uid).envelope()["withdrawn"]["reason"] == "duplicate of another record"
    assert events_after(last_seq() - 1)[0].kind == "withdrawn"
    with pytest.raises(ConflictError):
        withdraw(SYSTEM, identifier=record.identifier, reason="again")


def test_draft_with_malformed_value_is_refused() -> None:
    before = counts()
    with pytest.raises(ValidationFailedError) as caught:
        create_draft(SYSTEM, record_type="ORGA", owner="SCBD", body={"scientificName": {"en": 1}})
    assert caught.value.issues[0].path == "/scientificName"
    assert counts() == before


def body_of(uid: str) -> dict[str, Any]:
    return get_published(uid).body
