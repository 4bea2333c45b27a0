"""The e-mail outbox: mail is written to the database in the caller's transaction and sent later.

Why a table and not ``send_mail`` in the request: a slow or unreachable SMTP server must never
block or fail a post, and a message accepted here survives a restart until the worker
(:mod:`openbch.notifications.worker`) has handed it to the server.
"""

from __future__ import annotations

from django.utils import timezone

from openbch.core.errors import Issue, ValidationFailedError
from openbch.notifications.models import OutboxMessage

__all__ = ["enqueue_email", "enqueue_with_headers"]


def enqueue_email(*, to: str, subject: str, text: str, html: str = "", kind: str = "") -> OutboxMessage:
    """Queue one message for ``to``; it joins the caller's transaction (rolled back with it) and never sends."""
    return enqueue_with_headers(to=to, subject=subject, text=text, html=html, kind=kind)


def enqueue_with_headers(
    *, to: str, subject: str, text: str, html: str = "", kind: str = "", headers: dict[str, str] | None = None
) -> OutboxMessage:
    """:func:`enqueue_email` with extra headers, such as ``List-Unsubscribe``."""
    issues = []
    if not to.strip() or "@" not in to or "\n" in to or "\r" in to:
        issues.append(Issue("/to", "invalid", "to: one e-mail address is required"))
    if not subject.strip():
        issues.append(Issue("/subject", "required", "subject is required"))
    if issues:
        raise ValidationFailedError("the message was not queued", issues=issues)
    now = timezone.now()
    return OutboxMessage.objects.create(
        to=to.strip(),
        # a header may not contain line breaks (header injection)
        subject=" ".join(subject.split())[:500],
        text=text,
        html=html,
        kind=kind[:50],
        headers=dict(headers or {}),
        created_at=now,
        due_at=now,
    )
