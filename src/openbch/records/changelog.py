"""The change log: append events in the mutation's transaction; read them in order.

It is the one source for the search index, the public change feed, webhooks and federation.
Consumers remember the last ``seq`` they processed; appends are serialized by the write lock so
that sequence numbers become visible in increasing order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from openbch.records.models import ChangeEvent, Record
from openbch.records.rows import insert_rows
from openbch.search.live import index_after_commit

__all__ = ["append_events", "events_after", "last_seq"]


def append_events(events: Iterable[tuple[str, Record]], *, at: dt.datetime, schedule_index: bool = True) -> int:
    """Append one event per (kind, record); the caller holds the write lock (see locking.py).

    Every public change passes here, so this is where the search index is told to catch up once the
    transaction commits. A bulk load passes ``schedule_index=False``: it indexes once at its end (and
    the next query catches up anyway), instead of once per batch.
    """
    if schedule_index:
        index_after_commit()
    return insert_rows(
        ChangeEvent,
        ["at", "kind", "record", "uid", "type", "owner", "revision"],
        ((at, kind, r.pk, r.uid, r.type, r.owner, r.revision) for kind, r in events),
    )


def events_after(seq: int, limit: int = 1000) -> list[ChangeEvent]:
    return list(ChangeEvent.objects.filter(seq__gt=seq).select_related("record").order_by("seq")[:limit])


def last_seq() -> int:
    value = ChangeEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    return int(value or 0)
