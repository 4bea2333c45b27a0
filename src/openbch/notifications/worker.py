"""The outbox's delivery worker: claim due messages, send them through Django's e-mail backend,
mark them sent, or note the error and try again later (exponential backoff) until giving up.

Several workers may run against one database: PostgreSQL claims with ``SELECT … FOR UPDATE SKIP
LOCKED``; SQLite claims under its write lock (``BEGIN IMMEDIATE``). A claim is a lease: it pushes the
message's ``due_at`` forward, so nothing is held while the SMTP server is talked to, and a message
whose worker died is due again when the lease ends.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import Count, F
from django.utils import timezone

from openbch.notifications.models import OutboxMessage, OutboxStatus

__all__ = ["LEASE", "backoff", "deliver_due"]

log = logging.getLogger(__name__)

#: how long a claimed message is left alone before another worker may take it again
LEASE = dt.timedelta(minutes=5)


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failure: base × 2^(attempts-1), at most six hours."""
    base = float(settings.OPENBCH_EMAIL_RETRY_SECONDS)
    return dt.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


def _claim(limit: int, now: dt.datetime) -> list[OutboxMessage]:
    if not OutboxMessage.objects.filter(status=OutboxStatus.PENDING, due_at__lte=now).exists():
        return []  # an idle pass reads only: it never takes SQLite's write lock from the writers
    with transaction.atomic():
        due = OutboxMessage.objects.filter(status=OutboxStatus.PENDING, due_at__lte=now).order_by("due_at", "pk")
        if connection.vendor == "postgresql":
            due = due.select_for_update(skip_locked=True)
        claimed = list(due[:limit])
        if claimed:
            # an attempt counts when claimed, so a message that kills its worker still runs out of attempts
            OutboxMessage.objects.filter(pk__in=[m.pk for m in claimed]).update(
                due_at=now + LEASE, attempts=F("attempts") + 1
            )
            for message in claimed:
                message.attempts += 1
    return claimed


def _email(message: OutboxMessage, conn: object) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        headers=dict(message.headers or {}),
        connection=conn,
    )
    if message.html:
        email.attach_alternative(message.html, "text/html")
    return email


def deliver_due(*, limit: int = 100, now: dt.datetime | None = None) -> int:
    """Send up to ``limit`` due messages; returns how many the e-mail backend accepted."""
    now = now or timezone.now()
    claimed = _claim(limit, now)
    if not claimed:
        return 0
    max_attempts = int(settings.OPENBCH_EMAIL_MAX_ATTEMPTS)
    sent = 0
    conn = get_connection(fail_silently=False)
    try:
        try:
            conn.open()
            opened: Exception | None = None
        except Exception as exc:  # the server is down: every claimed message waits for a retry
            opened = exc
        for message in claimed:
            error: Exception | None = opened
            if error is None:
                try:
                    _email(message, conn).send()
                except Exception as exc:
                    error = exc
            if error is None:
                OutboxMessage.objects.filter(pk=message.pk).update(
                    status=OutboxStatus.SENT, sent_at=timezone.now(), last_error=""
                )
                sent += 1
                continue
            text = f"{type(error).__name__}: {error}"[:2000]
            if message.attempts >= max_attempts:
                log.warning(
                    "giving up on e-mail %s to %s after %s attempts: %s", message.pk, message.to, message.attempts, text
                )
                OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.FAILED, last_error=text)
            else:
                OutboxMessage.objects.filter(pk=message.pk).update(
                    due_at=now + backoff(message.attempts), last_error=text
                )
    finally:
        try:
            conn.close()
        except Exception:  # closing a broken connection: nothing left to save
            log.debug("closing the e-mail connection failed", exc_info=True)
    return sent


def outbox_status() -> dict[str, object]:
    """Counts per status and the newest error, for ``openbch notify status``."""
    counts = dict.fromkeys(OutboxStatus.values, 0)
    for row in OutboxMessage.objects.values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    last = OutboxMessage.objects.exclude(last_error="").order_by("-pk").values("pk", "to", "last_error").first()
    return {**counts, "last_error": last}


def work_once(*, limit: int = 100, now: dt.datetime | None = None) -> dict[str, int]:
    """One pass of ``openbch notify work``: fan out new events, the daily digest when due, then deliver."""
    from openbch.notifications.digest import digest_if_due
    from openbch.notifications.fanout import catch_up

    events = catch_up()
    digests = digest_if_due(now=now)
    return {"events": events, "digests": digests, "sent": deliver_due(limit=limit, now=now)}
