"""The record-by-UID read (plain SQL, converted as the ORM converts) gives the ORM's own instances."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Model

from openbch.core.errors import NotFoundError
from openbch.records import workflow
from openbch.records.models import Record, Revision
from openbch.records.queries import get_published

from .workflow_fixtures import ACTORS, make_record

pytestmark = pytest.mark.django_db


def _fields(instance: Model) -> dict[str, object]:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def _withdrawn_and_amended() -> tuple[Record, Record]:
    amended = make_record("national", "published")
    draft = workflow.amend(ACTORS["authorized-ca"], identifier=amended.identifier, reason="a new date")
    body = {**draft.body, "date": "2024-06-01", "title": {"fr": "Décision « modifiée »", "en": "Changed"}}
    workflow.update_draft(ACTORS["authorized-ca"], identifier=amended.identifier, body=body, if_match=draft.etag)
    workflow.submit(ACTORS["authorized-ca"], identifier=amended.identifier)
    amended = workflow.approve(ACTORS["publisher-ca"], identifier=amended.identifier)
    withdrawn = make_record("national", "published")
    withdrawn = workflow.withdraw(ACTORS["publisher-ca"], identifier=withdrawn.identifier, reason="superseded")
    return amended, withdrawn


def test_every_field_of_record_and_revision_is_the_orms() -> None:
    amended, withdrawn = _withdrawn_and_amended()
    cases = [
        (amended.uid, None, amended, amended.revision),
        (f"{amended.uid[:-2]}-1", None, amended, 1),
        (amended.uid[:-2], 1, amended, 1),  # four-part UID and a named revision
        (amended.identifier.lower(), None, amended, amended.revision),  # GUID, any case
        (withdrawn.uid, None, withdrawn, withdrawn.revision),
    ]
    for reference, revision, record, number in cases:
        found = get_published(reference, revision)
        expected_record = Record.objects.get(pk=record.pk)
        expected_revision = Revision.objects.get(record=record, revision=number)
        assert _fields(found.record) == _fields(expected_record), reference
        assert _fields(found.revision) == _fields(expected_revision), reference
        # complete instances: nothing deferred, and the revision's record needs no further query
        assert not found.record.get_deferred_fields() and not found.revision.get_deferred_fields()
        assert found.revision.record is found.record
        assert isinstance(found.revision.published_at, dt.datetime) and found.revision.published_at.tzinfo
        assert isinstance(found.body, dict) and isinstance(found.revision.languages, list)
    assert get_published(withdrawn.uid).envelope()["withdrawn"]["reason"] == "superseded"


def test_unpublished_and_missing_records_and_revisions_are_named() -> None:
    draft = make_record("national", "draft")
    published = make_record("national", "published")
    with pytest.raises(NotFoundError, match="no published record"):
        get_published(draft.identifier)
    with pytest.raises(NotFoundError, match="has no revision 7 \\(latest is 1\\)"):
        get_published(published.uid[:-2], 7)
    with pytest.raises(NotFoundError, match="no published record"):
        get_published("BCH-DEC-CA-999999-1")
