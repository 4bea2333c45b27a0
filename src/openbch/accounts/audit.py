"""The audit entries of account actions: who did what to which account, and from which country.

Shared by the account services (inside their mutation's transaction) and the login flow (logins,
failed logins, rate limiting: events that change nothing, audited in a transaction of their own).
Entries carry the actor's roles and the country concerned in their own columns, and the action's
own keys in ``details`` (see :func:`audit_details`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from openbch.core.actors import Actor
from openbch.records.audit import AuditEvent, append_audit
from openbch.records.locking import acquire_write_lock

__all__ = ["append_account_audit", "audit_country", "audit_details", "audit_event"]


def audit_details(actor: Actor, **extra: Any) -> dict[str, Any]:
    """The ``details`` of an account audit entry: the action's own keys (roles have their column)."""
    return dict(extra)


def audit_country(actor: Actor, **extra: Any) -> str:
    """The country an account action concerns: the role's country, else the actor's only country."""
    if extra.get("grant_country"):
        return str(extra["grant_country"])
    countries = sorted({g.country for g in actor.grants if g.country})
    return countries[0] if len(countries) == 1 else ""


def append_account_audit(actor: Actor, action: str, at: dt.datetime, **extra: Any) -> None:
    """Append one account audit entry; the caller is in its transaction and holds the write lock."""
    event = AuditEvent(action, country=audit_country(actor, **extra), details=audit_details(actor, **extra))
    append_audit(actor, [event], at=at)


def audit_event(actor: Actor, action: str, **extra: Any) -> None:
    """Audit an event that is not part of a mutation (a login, a failed login) in its own transaction."""
    with transaction.atomic():
        acquire_write_lock()
        append_account_audit(actor, action, timezone.now(), **extra)
