"""Daily digests: the items waiting for each daily subscriber, in one message per account.

``openbch notify digest`` sends them on demand; the worker (``openbch notify work``) does it once
a day, at the first pass of a new UTC day (its date is kept in the ``digest`` position).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from openbch.notifications.emails import Item, send_digest
from openbch.notifications.models import ConsumerPosition, DigestItem
from openbch.records.locking import acquire_write_lock

__all__ = ["digest_if_due", "send_digests"]


def send_digests(*, now: dt.datetime | None = None, only_if_due: bool = False) -> int:
    """Queue one digest per account with waiting items; how many digests were queued.

    ``only_if_due``: only if none went out yet today (UTC), checked under the write lock so that two
    workers never both send the day's digests.
    """
    now = now or timezone.now()
    with transaction.atomic():
        acquire_write_lock()
        position, _ = ConsumerPosition.objects.get_or_create(name="digest")
        if only_if_due and position.last_run_at is not None and position.last_run_at.date() >= now.date():
            return 0
        waiting = list(DigestItem.objects.filter(digested_at__isnull=True, at__lte=now).order_by("user_id", "at", "pk"))
        by_user: dict[int, list[DigestItem]] = defaultdict(list)
        for row in waiting:
            by_user[row.user_id].append(row)
        users = User.objects.in_bulk(list(by_user))
        sent = 0
        for user_id, rows in by_user.items():
            user = users.get(user_id)
            if user is not None and user.is_active and user.email:
                send_digest(user, [Item(subject=r.title, title=r.title, url=r.url, summary=r.summary) for r in rows])
                sent += 1
        DigestItem.objects.filter(pk__in=[row.pk for row in waiting]).update(digested_at=now)
        position.last_run_at = now
        position.save(update_fields=["last_run_at"])
    return sent


def digest_if_due(*, now: dt.datetime | None = None) -> int:
    """Send the digests if none went out yet today (UTC); how many were queued."""
    now = now or timezone.now()
    last = ConsumerPosition.objects.filter(name="digest").values_list("last_run_at", flat=True).first()
    if last is not None and last.date() >= now.date():
        return 0
    return send_digests(now=now, only_if_due=True)
