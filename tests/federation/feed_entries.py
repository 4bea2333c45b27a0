"""Change-feed entries with their records, written by hand as central's feed serves them: for the
tests that build a page, a push or a bundle without a second instance (change_out is what the feed
itself writes)."""

from __future__ import annotations

import copy
from typing import Any

from django.db.models import Max

from openbch.records.hashing import content_hash
from openbch.records.models import Record, RecordState, Revision
from openbch.records.publishing import new_identifier

__all__ = ["canadian_decision_copy", "feed_change"]


def feed_change(
    seq: int,
    *,
    record_type: str,
    owner: str,
    number: int,
    revision: int,
    identifier: str,
    body: dict[str, Any],
    instance: str,
    published_at: str = "2026-05-01T10:00:00+00:00",
    published_by: str = "someone",
) -> dict[str, Any]:
    """The publication of ``body`` as revision ``revision`` of record ``identifier`` at ``instance``."""
    uid = f"BCH-{record_type}-{owner}-{number}-{revision}"
    return {
        "seq": seq,
        "kind": "published",
        "uid": uid,
        "owner": owner,
        "record": {
            "uid": uid,
            "identifier": identifier,
            "revision": revision,
            "published_at": published_at,
            "first_published_at": published_at,
            "published_by": published_by,
            "instance": instance,
            "content_hash": content_hash(body),
            "body": body,
        },
    }


def canadian_decision_copy(seq: int, *, instance: str) -> dict[str, Any]:
    """A Canadian decision of the test database as a new record of ``instance`` (renumbered, not held here)."""
    decision = Record.objects.filter(type="DEC", owner="CA", state=RecordState.PUBLISHED).order_by("number").first()
    assert decision is not None
    body = copy.deepcopy(Revision.objects.get(record=decision, revision=decision.revision).body)
    number = (Record.objects.aggregate(n=Max("number"))["n"] or 0) + 1000
    return feed_change(
        seq,
        record_type="DEC",
        owner="CA",
        number=number,
        revision=1,
        identifier=new_identifier(),
        body=body,
        instance=instance,
    )
