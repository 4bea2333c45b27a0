"""Subscriptions: what a signed-in account follows, and how (at once or in a daily digest).

Each function takes the acting :class:`~openbch.core.actors.Actor` first. An account manages only
its own subscriptions; anonymous visitors follow nothing (they have the Atom feeds). Unsubscribing
without signing in goes through a signed link (:func:`unsubscribe_token`, :func:`unsubscribe_with_token`),
which names the subscription (or "all") and the account, so it works only for the address it was sent to.

What a target's ``key`` is: a forum's or debate's slug, a thread's or comment period's number, a
country's code (upper case), an LMO's record identifier.
"""

from __future__ import annotations

import re
from contextlib import suppress
from dataclasses import dataclass

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from openbch.core.actors import Actor
from openbch.core.errors import Issue, NotFoundError, PermissionDeniedError, UnauthenticatedError, ValidationFailedError
from openbch.identifiers.record_uid import parse_record_uid
from openbch.notifications.models import Subscription, SubscriptionMode, SubscriptionTarget
from openbch.participation.models import CommentPeriod, Debate, Forum, Thread
from openbch.records.models import Record, RecordState

__all__ = [
    "UnsubscribeRequest",
    "follow",
    "is_following",
    "list_subscriptions",
    "read_unsubscribe_token",
    "resolve_target",
    "set_mode",
    "unfollow",
    "unfollow_id",
    "unsubscribe_token",
    "unsubscribe_with_token",
]

_SALT = "openbch.notifications.unsubscribe"
_COUNTRY = re.compile(r"^[A-Z][A-Z0-9]{1,3}$")
TARGETS = tuple(SubscriptionTarget.values)
MODES = tuple(SubscriptionMode.values)


def _require_account(actor: Actor) -> int:
    if not actor.is_registered or actor.user_id is None:
        raise UnauthenticatedError("sign in to follow forums, threads, debates, comment periods, countries or LMOs")
    return actor.user_id


def _lmo(text: str) -> Record:
    value = text.strip()
    found = Record.objects.filter(type="LMO", identifier=value.upper()).first()
    if found is None:
        try:
            uid = parse_record_uid(value)
        except ValueError:
            uid = None
        if uid is not None:
            found = Record.objects.filter(type="LMO", owner=uid.owner, number=uid.number).first()
    if found is None or found.state != RecordState.PUBLISHED:
        raise NotFoundError(f"no published LMO {value[:80]!r}")
    return found


def resolve_target(target: str, key: str) -> str:
    """The stored key of ``target``/``key`` (a country upper-cased, an LMO's identifier); 404 if it does not exist."""
    key = str(key).strip()
    if target not in TARGETS:
        raise ValidationFailedError(
            "nothing was followed", issues=[Issue("/target", "invalid", f"target is one of: {', '.join(TARGETS)}")]
        )
    if not key or len(key) > 200:
        raise ValidationFailedError("nothing was followed", issues=[Issue("/key", "required", "key is required")])
    if target == SubscriptionTarget.FORUM:
        if not Forum.objects.filter(slug=key).exists():
            raise NotFoundError(f"no forum {key[:100]!r}")
    elif target == SubscriptionTarget.DEBATE:
        if not Debate.objects.filter(slug=key).exists():
            raise NotFoundError(f"no debate {key[:100]!r}")
    elif target in (SubscriptionTarget.THREAD, SubscriptionTarget.COMMENT_PERIOD):
        model = Thread if target == SubscriptionTarget.THREAD else CommentPeriod
        if not key.isdigit() or not model.objects.filter(pk=int(key)).exists():
            raise NotFoundError(f"no {target.replace('_', ' ')} {key[:100]!r}")
        key = str(int(key))
    elif target == SubscriptionTarget.COUNTRY:
        key = key.upper()
        if not _COUNTRY.match(key):
            raise ValidationFailedError(
                "nothing was followed", issues=[Issue("/key", "invalid", "a country is its ISO code, e.g. CA")]
            )
    else:
        key = _lmo(key).identifier
    return key


def follow(actor: Actor, *, target: str, key: str, mode: str = SubscriptionMode.IMMEDIATE) -> Subscription:
    """Follow one thing (following it again changes the mode)."""
    user_id = _require_account(actor)
    if mode not in MODES:
        raise ValidationFailedError(
            "nothing was followed", issues=[Issue("/mode", "invalid", f"mode is one of: {', '.join(MODES)}")]
        )
    key = resolve_target(target, key)
    now = timezone.now()
    try:
        with transaction.atomic():
            subscription, created = Subscription.objects.get_or_create(
                user_id=user_id, target=target, key=key, defaults={"mode": mode, "created_at": now}
            )
    except IntegrityError:  # two requests at once: the other one created it
        subscription, created = Subscription.objects.get(user_id=user_id, target=target, key=key), False
    if not created and subscription.mode != mode:
        Subscription.objects.filter(pk=subscription.pk).update(mode=mode)
        subscription.mode = mode
    return subscription


def unfollow(actor: Actor, *, target: str, key: str) -> int:
    """Stop following; how many subscriptions ended (0 when there was none)."""
    user_id = _require_account(actor)
    stored = key.strip().upper() if target == SubscriptionTarget.COUNTRY else key.strip()
    if target == SubscriptionTarget.LMO:
        with suppress(NotFoundError):  # an LMO withdrawn since: its subscription still ends
            stored = _lmo(key).identifier
    deleted, _ = Subscription.objects.filter(user_id=user_id, target=target, key=stored).delete()
    return deleted


def unfollow_id(actor: Actor, *, subscription_id: int) -> int:
    """End one of the actor's own subscriptions by its number (404 for another account's)."""
    user_id = _require_account(actor)
    deleted, _ = Subscription.objects.filter(user_id=user_id, pk=subscription_id).delete()
    if not deleted:
        raise NotFoundError(f"no subscription {subscription_id} of yours")
    return deleted


def set_mode(actor: Actor, *, subscription_id: int, mode: str) -> Subscription:
    """Change how one of the actor's own subscriptions is sent (404 for another account's)."""
    user_id = _require_account(actor)
    if mode not in MODES:
        raise ValidationFailedError(
            "nothing was changed", issues=[Issue("/mode", "invalid", f"mode is one of: {', '.join(MODES)}")]
        )
    found = Subscription.objects.filter(user_id=user_id, pk=subscription_id).first()
    if found is None:
        raise NotFoundError(f"no subscription {subscription_id} of yours")
    Subscription.objects.filter(pk=found.pk).update(mode=mode)
    found.mode = mode
    return found


def list_subscriptions(actor: Actor) -> list[Subscription]:
    user_id = _require_account(actor)
    return list(Subscription.objects.filter(user_id=user_id).order_by("target", "key"))


def is_following(actor: Actor, *, target: str, key: str) -> Subscription | None:
    if not actor.is_registered or actor.user_id is None:
        return None
    return Subscription.objects.filter(user_id=actor.user_id, target=target, key=key).first()


# -- unsubscribing from a link in a message ------------------------------------------------------


def unsubscribe_token(user_id: int, subscription_id: int | None = None) -> str:
    """A signed token naming one subscription of ``user_id``, or all of them (``None``). It does not
    expire: an unsubscribe link must work as long as mail is sent."""
    payload: dict[str, int | str] = {"u": user_id, "s": subscription_id if subscription_id is not None else "all"}
    return signing.dumps(payload, salt=_SALT, compress=False)


@dataclass(frozen=True)
class UnsubscribeRequest:
    """What a valid token asks: the account, and one subscription (``None``: every one)."""

    user_id: int
    subscription_id: int | None
    #: the subscription as shown on the confirm page ("forum: aarhus"); "" for all
    label: str
    #: whether there is still something to end
    active: bool


def read_unsubscribe_token(token: str) -> UnsubscribeRequest:
    """Check a token's signature; PermissionDeniedError if it was altered or made elsewhere."""
    try:
        payload = signing.loads(token, salt=_SALT)
        user_id = int(payload["u"])
        which = payload["s"]
        subscription_id = None if which == "all" else int(which)
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise PermissionDeniedError("this unsubscribe link is not valid (altered or incomplete)") from None
    if subscription_id is None:
        active = Subscription.objects.filter(user_id=user_id).exists()
        return UnsubscribeRequest(user_id, None, "", active)
    found = Subscription.objects.filter(user_id=user_id, pk=subscription_id).first()
    label = f"{found.get_target_display()}: {found.key}" if found else ""
    return UnsubscribeRequest(user_id, subscription_id, label, found is not None)


def unsubscribe_with_token(token: str) -> int:
    """End what a valid token names; how many subscriptions ended (0 if already ended)."""
    request = read_unsubscribe_token(token)
    found = Subscription.objects.filter(user_id=request.user_id)
    if request.subscription_id is not None:
        found = found.filter(Q(pk=request.subscription_id))
    deleted, _ = found.delete()
    return deleted
