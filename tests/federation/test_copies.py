"""Copies of another instance's records, in process: what is refused, and that nothing is half-written.

The pages here are built from real published records of the test database (their bodies and hashes
as stored), given new identifiers and numbers so that they are records this instance does not hold.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.db.models import Max

from openbch.core.actors import ANONYMOUS, SYSTEM, Actor, Grant, Role
from openbch.core.errors import BadRequestError, PermissionDeniedError, ValidationFailedError
from openbch.federation.feed import read_page
from openbch.records.copies import store_copies
from openbch.records.hashing import content_hash
from openbch.records.models import ChangeEvent, Record, RecordState, Revision
from openbch.records.publishing import new_identifier
from tests.federation.feed_entries import feed_change

pytestmark = pytest.mark.django_db


def _change(
    seq: int, record: Record, *, number: int, identifier: str, revision: int = 1, **body: Any
) -> dict[str, Any]:
    stored = Revision.objects.get(record=record, revision=record.revision).body
    return feed_change(
        seq,
        record_type=record.type,
        owner=record.owner,
        number=number,
        revision=revision,
        identifier=identifier,
        body={**copy.deepcopy(stored), **body},
        instance="central-test",
        published_at="2024-05-01T10:00:00+00:00",
        published_by="alice@central",
    )


@pytest.fixture
def page() -> dict[str, Any]:
    organism = Record.objects.filter(type="ORGA", state=RecordState.PUBLISHED).order_by("number").first()
    decision = Record.objects.filter(type="DEC", owner="CA", state=RecordState.PUBLISHED).order_by("number").first()
    assert organism and decision
    top = (Record.objects.aggregate(n=Max("number"))["n"] or 0) + 1000
    first = _change(11, organism, number=top, identifier=new_identifier(), scientificName="Copius primus")
    second = _change(12, decision, number=top + 1, identifier=new_identifier())
    withdrawn = copy.deepcopy(first)
    withdrawn.update(seq=13, kind="withdrawn")
    withdrawn["record"]["withdrawn"] = {"at": "2024-06-01T00:00:00+00:00", "reason": "duplicate at central"}
    return {"changes": [first, second, withdrawn], "last_seq": 20, "next": None}


def _count() -> tuple[int, int, int]:
    return Record.objects.count(), Revision.objects.count(), ChangeEvent.objects.count()


def test_a_page_is_stored_as_copies_that_keep_their_origin(page: dict[str, Any]) -> None:
    before = _count()
    feed = read_page(page, after=10)
    report = store_copies(SYSTEM, feed.changes)
    assert (report.published, report.withdrawn, report.unchanged) == (2, 1, 0)
    first = page["changes"][0]["record"]
    copied = Record.objects.get(identifier=first["identifier"])
    # the same UID as at the origin, its publisher and time, its instance and seq
    assert copied.uid == first["uid"] and copied.instance == "central-test" and copied.origin_seq == 13
    assert copied.state == RecordState.WITHDRAWN and copied.withdrawn_reason == "duplicate at central"
    revision = Revision.objects.get(record=copied, revision=1)
    assert revision.content_hash == first["content_hash"] and revision.published_by == "alice@central"
    assert revision.published_at.isoformat() == "2024-05-01T10:00:00+00:00"
    # local change-log events (search and this instance's own feed see the copies)
    after = _count()
    assert after == (before[0] + 2, before[1] + 2, before[2] + 3)
    # the same page again changes nothing
    again = store_copies(SYSTEM, read_page(page, after=10).changes)
    assert (again.published, again.withdrawn, again.unchanged) == (0, 0, 3) and _count() == after


@pytest.mark.parametrize(
    ("spoil", "path", "code"),
    [
        (
            lambda p: p["changes"][1]["record"]["body"].update(title={"en": "forged"}),
            "changes[1]/content_hash",
            "hash_mismatch",
        ),
        (
            lambda p: p["changes"][1]["record"].update(revision=2, uid=p["changes"][1]["record"]["uid"][:-1] + "2"),
            "changes[1]/revision",
            "revision_gap",
        ),
        (
            lambda p: p["changes"][1]["record"].update(
                uid=p["changes"][0]["record"]["uid"].replace("ORGA", "DEC").replace("SCBD", "CA")
            ),
            "changes[1]/number",
            "number_taken",
        ),
        (
            lambda p: _rehash(p["changes"][0]["record"], scientificName=None),
            "changes[0]/body/scientificName",
            "required",
        ),
    ],
    ids=["altered body", "revision gap", "number held by another", "invalid body"],
)
def test_a_bad_change_is_refused_by_name_and_nothing_is_written(
    page: dict[str, Any], spoil: Any, path: str, code: str
) -> None:
    spoil(page)
    before = _count()
    with pytest.raises(ValidationFailedError) as caught:
        store_copies(SYSTEM, read_page(page, after=10).changes)
    assert (path, code) in {(i.path, i.code) for i in caught.value.issues}, caught.value.issues
    assert _count() == before


def _rehash(record: dict[str, Any], **changes: Any) -> None:
    record["body"] = {k: v for k, v in {**record["body"], **changes}.items() if v is not None}
    record["content_hash"] = content_hash(record["body"])


def test_a_page_that_is_not_a_feed_page_names_what_is_wrong(page: dict[str, Any]) -> None:
    del page["changes"][0]["record"]
    page["changes"][1]["record"]["published_at"] = "yesterday"
    page["changes"][2]["seq"] = 5  # goes back
    with pytest.raises(BadRequestError) as caught:
        read_page(page, after=10)
    paths = {i.path for i in caught.value.issues}
    assert {"changes[0].record", "changes[1].record.published_at", "changes[2].seq"} <= paths
    with pytest.raises(BadRequestError):
        read_page({"changes": "nope"}, after=0)
    page = {**page, "changes": [{**page["changes"][0], "seq": 2**63}]}
    with pytest.raises(BadRequestError) as caught:
        read_page(page, after=10)
    assert [(i.path, i.code) for i in caught.value.issues] == [("changes[0].seq", "out_of_range")]


def test_only_an_authority_of_the_owner_may_store_copies(page: dict[str, Any]) -> None:
    changes = read_page(page, after=10).changes
    colombia = Actor("co-node", grants=(Grant(Role.NATIONAL_PUBLISHING_AUTHORITY, "CO"),), user_id=1)
    for actor in (ANONYMOUS, colombia):
        with pytest.raises(PermissionDeniedError):
            store_copies(actor, changes)
    canada = Actor("ca-node", grants=(Grant(Role.NATIONAL_PUBLISHING_AUTHORITY, "CA"),), user_id=1)
    assert store_copies(canada, [c for c in changes if c.owner == "CA"]).published == 1
