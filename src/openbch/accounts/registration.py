"""Self-service registration of members of the public, confirmed by email.

``register`` creates an **inactive** account (``is_active=False``) and mails a signed link;
``confirm`` activates it. Inactive rather than "active but may not post" because Django refuses
an inactive account everywhere at once (login, sessions, API tokens, reports), so an unconfirmed
address can do nothing at all, and no code path has to remember a second flag. The price, user
names held by registrations never confirmed, is bounded: a registration whose link expired gives
its user name back to the next one who registers with it.

The link is ``django.core.signing`` (HMAC with the secret key, salted for this use) over the
registration's id, with its time: tampered links fail the signature, links older than
``OPENBCH_REGISTRATION_CONFIRM_HOURS`` (default 48) are expired and a new one can be asked for
(``resend_confirmation``). A link works only while the registration is unconfirmed. Opening
the link shows a button; only pressing it (a POST, with its CSRF token) confirms, so mail
scanners that fetch every link in a message cannot confirm an address for someone who
registered it without owning it.

No answer reveals whether an email address is registered: registering with an address already
in use sends that address a "someone tried to register" message and answers as for a new one;
asking for a new link answers the same whether or not the address waits for confirmation.
(User names are not secret: they are shown with every post, so a taken one is said to be taken.)

The link's host is the request's (``link_for``), which Django checks against ``ALLOWED_HOSTS``, so
a forged ``Host`` header cannot point a confirmation link at another site.

Mail goes through :func:`openbch.notifications.outbox.enqueue_email` (sent outside the request by
the notification worker). Registering and asking for links are limited per client IP
(``OPENBCH_REGISTER_LIMIT_PER_IP`` per ``OPENBCH_REGISTER_LIMIT_WINDOW`` s, default 10 per hour).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import User
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from openbch.accounts.audit import append_account_audit
from openbch.accounts.models import Registration
from openbch.core.actors import Actor
from openbch.core.cache import take
from openbch.core.errors import BadRequestError, Issue, RateLimitedError, ValidationFailedError
from openbch.records.locking import acquire_write_lock

__all__ = [
    "ConfirmationExpiredError",
    "ConfirmationInvalidError",
    "confirm",
    "confirmation_token",
    "limit_registration",
    "register",
    "registration_for",
    "resend_confirmation",
]

SALT = "openbch.accounts.registration"
MAX_DISPLAY_NAME = 150  # Django's first_name, where the display name is kept

#: builds the absolute confirmation address from a token (the caller knows the site's host)
LinkFor = Callable[[str], str]


class ConfirmationInvalidError(BadRequestError):
    code = "confirmation_invalid"
    title = "The confirmation link is not valid"


class ConfirmationExpiredError(BadRequestError):
    code = "confirmation_expired"
    title = "The confirmation link has expired"


def _max_age() -> int:
    return int(getattr(settings, "OPENBCH_REGISTRATION_CONFIRM_HOURS", 48)) * 3600


def limit_registration(ip: str) -> None:
    """Count one registration (or resend) from ``ip``; RateLimitedError beyond the window's limit."""
    window = int(getattr(settings, "OPENBCH_REGISTER_LIMIT_WINDOW", 3600))
    limit = int(getattr(settings, "OPENBCH_REGISTER_LIMIT_PER_IP", 10))
    now = int(time.time())
    start = now - now % window
    allowed, _ = take(f"openbch:register:ip:{ip}:{start}", limit, window + 5)
    if not allowed:
        raise RateLimitedError(
            f"more than {limit} registrations from this address in {window} s; try again later",
            retry_after=max(1, start + window - now),
        )


def confirmation_token(registration: Registration) -> str:
    return signing.dumps({"r": registration.pk}, salt=SALT, compress=False)


def _enqueue(*, to: str, subject: str, text: str, kind: str) -> None:
    # imported here: notifications is a feature package that may be absent from a composition
    from openbch.notifications.outbox import enqueue_email

    enqueue_email(to=to, subject=subject, text=text, kind=kind)


def _send_link(registration: Registration, link_for: LinkFor) -> None:
    link = link_for(confirmation_token(registration))
    hours = _max_age() // 3600
    _enqueue(
        to=registration.email,
        subject="Confirm your openbch account",
        text=(
            f"Someone (we hope you) registered the account {registration.user.get_username()!r} "
            f"on openbch with this address.\n\n"
            f"To confirm it, open this link within {hours} hours:\n\n{link}\n\n"
            "If it was not you, ignore this message: the account stays disabled.\n"
        ),
        kind="account.confirm",
    )


def _send_already_registered(email: str) -> None:
    _enqueue(
        to=email,
        subject="Someone tried to register on openbch with your address",
        text=(
            "Someone tried to register a new openbch account with this email address, which "
            "already has an account (or a registration waiting for confirmation).\n\nIf it was you, "
            "log in with your existing account instead, or ask for a new confirmation link. If it was "
            "not you, you need do nothing: no account was created, and a registration nobody confirms "
            "is given up when its link expires.\n"
        ),
        kind="account.register_attempt",
    )


def _issues(username: str, display_name: str, email: str, password: str, user: User) -> list[Issue]:
    from openbch.accounts.services import _password_issues

    issues: list[Issue] = []
    if not username or len(username) > 150:
        issues.append(Issue("/username", "invalid_username", "a user name has 1 to 150 characters"))
    else:
        try:
            User.username_validator(username)
        except DjangoValidationError as exc:
            issues.append(Issue("/username", "invalid_username", " ".join(exc.messages)))
    if not display_name:
        issues.append(Issue("/display_name", "required", "the name shown with your posts is required"))
    elif len(display_name) > MAX_DISPLAY_NAME:
        issues.append(Issue("/display_name", "too_long", f"at most {MAX_DISPLAY_NAME} characters"))
    try:
        validate_email(email)
    except DjangoValidationError:
        issues.append(Issue("/email", "invalid_email", "not an e-mail address"))
    issues.extend(_password_issues(password, user, "/password"))
    return issues


def register(actor: Actor, *, username: str, display_name: str, email: str, password: str, link_for: LinkFor) -> None:
    """Register a member of the public: an inactive account and a confirmation link by email.

    Returns nothing, on purpose: the caller shows the same page whether the address was new (an
    account and a link) or already used (a warning to that address, no account).
    """
    username = User.normalize_username(username.strip())
    display_name = " ".join(display_name.split())
    email = User.objects.normalize_email(email.strip())
    user = User(username=username, email=email, first_name=display_name[:MAX_DISPLAY_NAME], is_active=False)
    issues = _issues(username, display_name, email, password, user)
    if issues:
        raise ValidationFailedError(f"{len(issues)} error(s); no account was created", issues=issues)
    limit_registration(actor.client_ip)
    user.set_password(password)  # Argon2id, before the lock; also paid for a known address (same timing)
    now = timezone.now()
    with transaction.atomic():
        acquire_write_lock()
        holder = User.objects.filter(email__iexact=email).order_by("pk").first()
        if holder is not None and _expired_unconfirmed(holder, now):
            # someone registered this address long ago and never confirmed: the address is free again
            holder.delete()
            holder = None
        if holder is not None:
            append_account_audit(actor, "account.registration_duplicate_email", now)
            _send_already_registered(holder.email)  # as the account has it, not as typed now
            return
        taken = User.objects.filter(username__iexact=username).first()
        if taken is not None:
            if not _expired_unconfirmed(taken, now):
                raise ValidationFailedError(
                    "the user name is taken",
                    issues=[Issue("/username", "taken", f"the user name {username!r} is taken; choose another")],
                )
            # a registration never confirmed whose link expired: its name is free again
            taken.delete()
        user.date_joined = now
        user.save()
        registration = Registration.objects.create(user=user, email=email, created_at=now, last_sent_at=now)
        append_account_audit(actor, "account.registered", now, user=username)
        _send_link(registration, link_for)


def _expired_unconfirmed(user: User, now: dt.datetime) -> bool:
    registration = Registration.objects.filter(user=user, confirmed_at=None).first()
    return (
        registration is not None
        and not user.is_active
        and registration.last_sent_at < now - dt.timedelta(seconds=_max_age())
    )


def registration_for(token: str) -> Registration:
    """The registration a confirmation link names, checking it and changing nothing;
    ConfirmationExpiredError or ConfirmationInvalidError else (the confirm page's GET)."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=_max_age())
    except signing.SignatureExpired:
        raise ConfirmationExpiredError("the confirmation link has expired; ask for a new one") from None
    except signing.BadSignature:
        raise ConfirmationInvalidError("the confirmation link is not valid (was it copied whole?)") from None
    registration_id = payload.get("r") if isinstance(payload, dict) else None
    registration = (
        Registration.objects.select_related("user").filter(pk=registration_id).first()
        if isinstance(registration_id, int)
        else None
    )
    if registration is None:
        raise ConfirmationInvalidError("the confirmation link is not valid (the registration is gone)")
    if registration.confirmed_at is not None and not registration.user.is_active:
        # disabled since it was confirmed: an old link never turns it on again
        raise ConfirmationInvalidError("this account was confirmed before and has been disabled since")
    return registration


def confirm(actor: Actor, *, token: str) -> User:
    """Activate the account a confirmation link names; ConfirmationExpired/InvalidError else.

    Confirming an account confirmed already changes nothing and is no error.
    """
    registration = registration_for(token)
    if registration.confirmed_at is not None:
        return registration.user
    now = timezone.now()
    with transaction.atomic():
        acquire_write_lock()
        changed = Registration.objects.filter(pk=registration.pk, confirmed_at=None).update(confirmed_at=now)
        if changed:
            User.objects.filter(pk=registration.user_id).update(is_active=True)
            append_account_audit(actor, "account.confirmed", now, user=registration.user.get_username())
    registration.user.refresh_from_db()
    return registration.user


def resend_confirmation(actor: Actor, *, email: str, link_for: LinkFor) -> None:
    """A new link for an address waiting for confirmation; nothing for any other (same answer)."""
    email = User.objects.normalize_email(email.strip())
    try:
        validate_email(email)
    except DjangoValidationError:
        raise ValidationFailedError(
            "not an e-mail address", issues=[Issue("/email", "invalid_email", "not an e-mail address")]
        ) from None
    limit_registration(actor.client_ip)
    waiting = (
        Registration.objects.select_related("user")
        .filter(email__iexact=email, confirmed_at=None, user__is_active=False)
        .order_by("-created_at")
        .first()
    )
    if waiting is None:
        return
    now = timezone.now()
    with transaction.atomic():
        Registration.objects.filter(pk=waiting.pk).update(last_sent_at=now)
        waiting.last_sent_at = now
        _send_link(waiting, link_for)
