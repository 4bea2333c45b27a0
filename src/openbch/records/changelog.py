"""The change log: append events in the mutation's transaction; read them in order.

It is the one source for the search index, the public change feed, webhooks and federation:
those register as consumers (:mod:`openbch.records.consumers`, which says what they must
guarantee) and are nudged after each commit. Consumers remember the last ``seq`` they processed;
appends are serialized by the write lock so that sequence numbers become visible in increasing order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from openbch.records.consumers import notify_after_commit
from openbch.records.models import ChangeEvent, Record
from openbch.records.rows import insert_rows

__all__ = ["SEQ_MAX", "append_events", "events_after", "last_seq"]

#: the highest sequence number a change log holds (a 64-bit column): an API refuses larger ones by name
SEQ_MAX = 2**63 - 1


def append_events(events: Iterable[tuple[str, Record]], *, at: dt.datetime, notify_consumers: bool = True) -> int:
    """Append one event per (kind, record); the caller holds the write lock (see locking.py).

    Every public change passes here, so this is where the change log's consumers are told to catch
    up once the transaction commits. A bulk load passes ``notify_consumers=False``: a nudge per
    batch would make each consumer work once per batch, when catching up once is enough (consumers
    catch up on their own; the load brings the search index up to date at its end).
    """
    if notify_consumers:
        notify_after_commit()
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
