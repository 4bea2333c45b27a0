"""The feed's page with records is read with one plain query (central's side of a node's pull): it
must be the page :func:`change_out` writes from the ORM, change for change, on either database."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from openbch.core.actors import SYSTEM
from openbch.core.jsonbytes import compact_json
from openbch.federation.feed import change_out, changes_with_records_json
from openbch.records.changelog import SEQ_MAX, events_after, last_seq
from openbch.records.models import Record
from openbch.records.queries import revisions_of
from openbch.records.rows import _adapter
from openbch.records.services import RecordInput, publish_records
from openbch.records.workflow import withdraw

pytestmark = pytest.mark.django_db


def _as_change_out(after: int, limit: int) -> list[dict[str, Any]]:
    events = events_after(after, limit)
    found = revisions_of((e.record_id, e.revision) for e in events)
    return [change_out(e, found.get((e.record_id, e.revision)), with_record=True) for e in events]


def test_the_page_read_in_one_query_is_the_page_change_out_writes() -> None:
    start = last_seq()
    body = {"scientificName": "Paginus ünus", "commonNames": [{"en": "Pagewort « one »", "fr": "Pagière"}]}
    record = publish_records(SYSTEM, [RecordInput("ORGA", "SCBD", body)]).records[0]
    publish_records(
        SYSTEM, [RecordInput("ORGA", "SCBD", {"scientificName": "Paginus duo"}, identifier=record.identifier)]
    )
    withdraw(SYSTEM, identifier=record.identifier, reason="a test of the page, « withdrawn »")
    # the new events, and some of the test database's (other types, languages, links)
    for after, limit in ((start, 10), (max(0, start - 200), 203)):
        items, last = changes_with_records_json(after, limit)
        expected = _as_change_out(after, limit)
        assert [json.loads(item) for item in items] == expected
        assert last == expected[-1]["seq"]
    new = [json.loads(item) for item in changes_with_records_json(start, 10)[0]]
    assert [(c["kind"], c["record"]["revision"], c["record"]["state"]) for c in new] == [
        ("published", 1, "withdrawn"),
        ("published", 2, "withdrawn"),
        ("withdrawn", 2, "withdrawn"),
    ]
    assert new[0]["record"]["body"] == body and new[2]["record"]["withdrawn"]["reason"].endswith("« withdrawn »")
    assert changes_with_records_json(last_seq(), 10) == ([], None)


def test_on_sqlite_each_change_is_the_bytes_change_out_writes() -> None:
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL gives a jsonb body back in its own spacing (the same JSON value)")
    start = max(0, last_seq() - 50)
    items, _ = changes_with_records_json(start, 50)
    assert items == [compact_json(c) for c in _as_change_out(start, 50)]


def test_the_api_page_with_records_links_the_next_page(client: Any) -> None:
    start = max(0, last_seq() - 3)
    page = client.get(f"/api/v1/changes?after={start}&limit=2&include=record").json()
    assert [c["seq"] for c in page["changes"]] == [c["seq"] for c in _as_change_out(start, 2)]
    assert page["last_seq"] == last_seq()
    assert page["next"] == f"/api/v1/changes?after={page['changes'][-1]['seq']}&limit=2&include=record"
    end = client.get(f"/api/v1/changes?after={last_seq()}&limit=2&include=record").json()
    assert end == {"changes": [], "last_seq": last_seq(), "next": None}


@pytest.mark.parametrize("include", ["", "&include=record"])
def test_a_seq_beyond_the_change_logs_range_is_refused_by_name(client: Any, include: str) -> None:
    # found by schemathesis: the read with records passed it to the database, which failed (a 500)
    answer = client.get(f"/api/v1/changes?after={SEQ_MAX + 1}{include}")
    assert answer.status_code == 400
    assert [(e["path"], e["code"]) for e in answer.json()["errors"]] == [("/query/after", "invalid_parameter")]
    assert client.get(f"/api/v1/changes?after={SEQ_MAX}{include}").json()["changes"] == []


def test_datetimes_are_inserted_as_the_field_adapts_them() -> None:
    from django.db import connection

    field = Record._meta.get_field("first_published_at")
    adapt = _adapter(field)
    assert adapt is not None
    paris = dt.timezone(dt.timedelta(hours=2))
    for value in (
        dt.datetime(2024, 5, 1, 10, 0, tzinfo=dt.UTC),
        dt.datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=dt.UTC),
        dt.datetime(2024, 5, 1, 23, 30, 1, tzinfo=paris),
        None,
    ):
        assert adapt(value) == field.get_db_prep_save(value, connection)
        assert adapt(value) == field.get_db_prep_save(value, connection)  # cached
