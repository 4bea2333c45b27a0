"""Bulk publication (loads, imports): the fast path stores exactly what the workflow path stores.

A batch above ``LIVE_INDEX_LIMIT`` takes every shortcut of the bulk path: raw inserts (COPY on
PostgreSQL), key look-ups in raw SQL, the cycle collector paused. None of it may change a row.
"""

from __future__ import annotations

import gc
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from openbch.core.actors import SYSTEM
from openbch.core.errors import ValidationFailedError
from openbch.records.audit import verify_chain
from openbch.records.models import AuditEntry, ChangeEvent, Record, RecordKey, RecordLink, RecordState, Revision
from openbch.records.publishing import LIVE_INDEX_LIMIT
from openbch.records.rows import select_where_in
from openbch.records.services import RecordInput, publish_records
from openbch.records.workflow import create_draft, publish

pytestmark = pytest.mark.django_db


def _published(record_type: str) -> list[str]:
    rows = Record.objects.filter(type=record_type, state=RecordState.PUBLISHED).order_by("number")
    return list(rows.values_list("identifier", flat=True)[:3])


def _lmo(name: str) -> dict[str, Any]:
    organism, genes = _published("ORGA")[0], _published("GENE")
    return {
        "identity": {"en": f"Bulk {name}", "fr": f"Lot {name}"},
        "transformationEvent": name,
        "hasUniqueIdentification": True,
        "uniqueIdentification": "mon 00810 6",
        "recipientOrganisms": [{"identifier": organism}],
        "genes": [{"identifier": genes[0]}, {"identifier": f"{genes[1]}@1"}],
        "traits": [{"identifier": "other", "customValue": {"en": "glows"}}],
    }


def _organisms(count: int, prefix: str) -> list[RecordInput]:
    return [
        RecordInput("ORGA", "SCBD", {"scientificName": f"{prefix} {i}", "organismType": {"identifier": "plants"}})
        for i in range(count)
    ]


def _stored(record: Record) -> dict[str, Any]:
    revision = Revision.objects.get(record=record, revision=record.revision)
    event = ChangeEvent.objects.get(record=record, revision=record.revision)
    audit = AuditEntry.objects.get(record_uid=record.uid, action="record.published")
    return {
        "record": (record.type, record.owner, record.state, record.revision, record.title),
        "revision": (
            revision.body,
            revision.content_hash,
            revision.languages,
            revision.warnings,
            revision.published_by,
            revision.approved_by,
        ),
        "links": sorted(
            RecordLink.objects.filter(source=record).values_list(
                "field", "position", "target_identifier", "target_revision"
            )
        ),
        "keys": sorted(RecordKey.objects.filter(record=record).values_list("kind", "value")),
        "event": (event.kind, event.type, event.owner, event.revision, event.at == revision.published_at),
        "audit": (audit.action, audit.before_hash, audit.after_hash, audit.actor, audit.at == revision.published_at),
    }


def test_the_bulk_path_stores_the_same_rows_as_the_workflow_path() -> None:
    draft = create_draft(SYSTEM, record_type="LMO", owner="SCBD", body=_lmo("EV-1"))
    by_workflow = publish(SYSTEM, identifier=draft.record.identifier)
    report = publish_records(
        SYSTEM, [RecordInput("LMO", "SCBD", _lmo("EV-1")), *_organisms(LIVE_INDEX_LIMIT, "Filler")]
    )
    by_bulk = report.records[0]
    assert len(report.records) > LIVE_INDEX_LIMIT
    assert _stored(by_bulk) == _stored(by_workflow)
    assert _stored(by_bulk)["keys"] == [("oecd", "MON008106")]
    assert by_bulk.pk == Record.objects.get(identifier=by_bulk.identifier).pk
    assert verify_chain()[0]


def test_a_bulk_load_appends_one_event_per_revision_in_order_and_keeps_the_chain() -> None:
    report = publish_records(SYSTEM, _organisms(LIVE_INDEX_LIMIT + 50, "Ordo"))
    events = list(ChangeEvent.objects.filter(record__in=report.records).order_by("seq"))
    assert [e.record_id for e in events] == [r.pk for r in report.records]
    assert [e.uid for e in events] == [r.uid for r in report.records]
    assert len({e.seq for e in events}) == len(events)
    assert verify_chain()[0]
    assert gc.isenabled()
    revision = Revision.objects.get(record=report.records[-1])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE records_revision SET body = '{{}}' WHERE id = {revision.pk}")


def test_a_bulk_load_with_one_bad_record_writes_nothing() -> None:
    before = (Record.objects.count(), Revision.objects.count(), ChangeEvent.objects.count(), AuditEntry.objects.count())
    items = _organisms(LIVE_INDEX_LIMIT + 10, "Nope")
    items[57] = RecordInput("ORGA", "SCBD", {"scientificName": 57})
    with pytest.raises(ValidationFailedError) as caught:
        publish_records(SYSTEM, items)
    assert [(i.location, i.path, i.code) for i in caught.value.issues] == [
        ({"item": 57}, "/scientificName", "invalid_type")
    ]
    after = (Record.objects.count(), Revision.objects.count(), ChangeEvent.objects.count(), AuditEntry.objects.count())
    assert after == before
    assert gc.isenabled()


def test_reloading_a_bulk_load_changes_nothing() -> None:
    items = [
        RecordInput(i.type, i.owner, i.body, source_key=f"bulk/{n}")
        for n, i in enumerate(_organisms(LIVE_INDEX_LIMIT + 5, "Idem"))
    ]
    first = publish_records(SYSTEM, items)
    again = publish_records(SYSTEM, items)
    assert (first.created, again.created, again.revised, again.unchanged) == (len(items), 0, 0, len(items))


def test_key_lookups_beyond_the_database_parameter_limit() -> None:
    known = list(Record.objects.order_by("pk").values_list("identifier", "type")[:5])
    limit = connection.features.max_query_params or 999
    wanted = [f"00000000-0000-4000-8000-{n:012d}" for n in range(limit + 10)] + [i for i, _ in known]
    assert sorted(select_where_in(Record, ["identifier", "type"], "identifier", wanted)) == sorted(known)
    found = select_where_in(Record, ["identifier"], "identifier", wanted, where="state = %s", params=["nope"])
    assert found == []
