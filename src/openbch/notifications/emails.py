"""The messages notifications send: one item at once, or a day's items in a digest.

Every message carries its unsubscribe link in the text and in ``List-Unsubscribe`` with
``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058), so mail clients offer a
one-click unsubscribe that needs no login (the link is signed, see
:func:`openbch.notifications.services.unsubscribe_token`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from openbch.notifications.models import OutboxMessage, Subscription
from openbch.notifications.outbox import enqueue_with_headers
from openbch.notifications.services import unsubscribe_token

__all__ = ["MAX_LISTED", "Item", "send_digest", "send_item", "unsubscribe_url"]

#: items one message lists at most (a digest or a bundle says how many more there were)
MAX_LISTED = 100


@dataclass(frozen=True)
class Item:
    """What happened, in words: the subject line, what it is about, where to read it, an excerpt."""

    subject: str
    title: str
    url: str
    summary: str = ""


def unsubscribe_url(user_id: int, subscription_id: int | None) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse("web:unsubscribe", args=[unsubscribe_token(user_id, subscription_id)])
    return f"{settings.OPENBCH_SITE_URL}{path}"


def _headers(link: str) -> dict[str, str]:
    return {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _context(user: User, **extra: object) -> dict[str, object]:
    return {
        "name": user.get_full_name() or user.get_username(),
        "site": settings.OPENBCH_SITE_URL,
        "subscriptions_url": f"{settings.OPENBCH_SITE_URL}/{settings.LANGUAGE_CODE}/subscriptions/",
        **extra,
    }


def send_item(user: User, subscription: Subscription, item: Item) -> OutboxMessage:
    """Queue one notification for ``user`` about ``item`` (in the caller's transaction)."""
    link = unsubscribe_url(int(user.pk), subscription.pk)
    context = _context(
        user,
        item=item,
        unsubscribe_url=link,
        unsubscribe_all_url=unsubscribe_url(int(user.pk), None),
        followed=f"{subscription.get_target_display()}: {subscription.key}",
    )
    return enqueue_with_headers(
        to=user.email,
        subject=f"[openbch] {item.subject}",
        text=render_to_string("notifications/email/item.txt", context),
        html=render_to_string("notifications/email/item.html", context),
        kind="notification",
        headers=_headers(link),
    )


def send_digest(user: User, items: Sequence[Item], *, bundle: bool = False) -> OutboxMessage:
    """Queue one message listing ``items``: the day's, for a daily subscriber, or (``bundle``) many
    at once for an immediate one (a country publishing a whole load of records). At most
    ``MAX_LISTED`` are listed, then how many more."""
    link = unsubscribe_url(int(user.pk), None)
    listed, more = items[:MAX_LISTED], max(0, len(items) - MAX_LISTED)
    context = _context(user, items=listed, more=more, bundle=bundle, unsubscribe_url=link, unsubscribe_all_url=link)
    count = f"{len(items)} new item{'s' if len(items) != 1 else ''}"
    return enqueue_with_headers(
        to=user.email,
        subject=f"[openbch] {count} in what you follow" if bundle else f"[openbch] Your daily digest: {count}",
        text=render_to_string("notifications/email/digest.txt", context),
        html=render_to_string("notifications/email/digest.html", context),
        kind="bundle" if bundle else "digest",
        headers=_headers(link),
    )
