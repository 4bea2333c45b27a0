"""Account services: every change to users, roles and API tokens goes through one of these.

Each function takes the acting :class:`~openbch.core.actors.Actor` first and keyword-only
arguments, checks permission, and in ONE transaction (holding the write lock) makes the change
and appends its audit entry. Slow password hashing happens before the lock is taken.

Who may do what:

| action | administrator / system | national publishing authority of X | the account's owner |
|---|---|---|---|
| create_user | yes | yes (the account starts without roles) | |
| grant_role / revoke_role | any role | national-authorized-user of X only | |
| disable_user | yes | accounts whose every role is national-authorized-user of X | |
| change_password | yes (no current password) | | yes, with the current password |
| create_token / revoke_token / list_tokens | system only, for another account | | yes |

A training coordinator may also create_user: trainees are accounts without roles.

Audit entries carry the actor's roles and the country concerned in their own columns, and the
action's own keys in ``details`` (see :mod:`openbch.accounts.audit`).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from openbch.accounts import login
from openbch.accounts.actors import ALL_SCOPES, grants_of, hash_token, require_scope
from openbch.accounts.audit import append_account_audit, audit_event
from openbch.accounts.models import ApiToken, RoleAssignment
from openbch.core.actors import Actor, Role
from openbch.core.errors import (
    BadRequestError,
    ConflictError,
    Issue,
    NotFoundError,
    PermissionDeniedError,
    UnauthenticatedError,
    ValidationFailedError,
)
from openbch.records.locking import acquire_write_lock
from openbch.recordtypes import get_record_type
from openbch.vocabularies import get_vocabulary

__all__ = [
    "MAX_ACTIVE_TOKENS",
    "NATIONAL_ROLES",
    "IssuedToken",
    "change_password",
    "create_token",
    "create_user",
    "disable_user",
    "grant_role",
    "list_tokens",
    "revoke_role",
    "revoke_token",
]

#: roles that apply to one country (the others apply everywhere and take no country)
NATIONAL_ROLES = frozenset({Role.NATIONAL_AUTHORIZED_USER, Role.NATIONAL_PUBLISHING_AUTHORITY})
#: a cap on live tokens per account, so a leaked session cannot mint tokens without end
MAX_ACTIVE_TOKENS = 50
_TOKEN_NAME_MAX = 100
#: C0 and C1 control characters: never part of a name (the API's schema says the same)
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class IssuedToken:
    """A new token: its row, and the plaintext, which exists only here and is never stored."""

    token: ApiToken
    plaintext: str


# -- helpers ---------------------------------------------------------------------------------


def _require_writer(actor: Actor) -> None:
    if not actor.is_registered:
        raise UnauthenticatedError("log in or send an API token")
    require_scope(actor, "write")


def _user(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise NotFoundError(f"no account {username!r}")
    return user


def _password_issues(password: str, user: User, path: str) -> list[Issue]:
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        return [Issue(path, error.code or "invalid_password", " ".join(error.messages)) for error in exc.error_list]
    return []


def _role(role: str | Role) -> Role:
    try:
        return Role(role)
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise ValidationFailedError(
            f"unknown role {role!r}", issues=[Issue("/role", "unknown_role", f"{role!r} is not one of: {known}")]
        ) from None


def _may_manage(actor: Actor, role: Role, country: str) -> bool:
    """A publishing authority manages its own country's national authorized users, nothing else."""
    if actor.is_administrator:
        return True
    return (
        role == Role.NATIONAL_AUTHORIZED_USER
        and bool(country)
        and actor.holds(Role.NATIONAL_PUBLISHING_AUTHORITY, country=country)
    )


def _grant_scope(role: Role, country: str | None, record_types: Iterable[str]) -> tuple[str, list[str]]:
    """Normalized (country, record types) of a grant, or ValidationFailedError naming each problem."""
    code = (country or "").strip().upper()
    issues: list[Issue] = []
    if role in NATIONAL_ROLES:
        if not code:
            issues.append(Issue("/country", "country_required", f"the {role} role applies to one country"))
        elif code.lower() not in get_vocabulary("countries"):
            issues.append(Issue("/country", "unknown_country", f"{code!r} is not an ISO 3166-1 alpha-2 code"))
    elif code:
        issues.append(Issue("/country", "country_not_applicable", f"the {role} role applies to every country"))
    types: set[str] = set()
    for raw in record_types:
        if role != Role.NATIONAL_AUTHORIZED_USER:
            issues.append(
                Issue("/record_types", "not_applicable", "only national authorized users are limited by type")
            )
            break
        try:
            record_type = get_record_type(str(raw).strip())
        except NotFoundError:
            issues.append(Issue("/record_types", "unknown_type", f"{raw!r} is not a record type"))
            continue
        if not record_type.is_national:
            issues.append(Issue("/record_types", "not_national", f"{record_type.code} is not a national record type"))
            continue
        types.add(record_type.code)
    if issues:
        raise ValidationFailedError(f"{len(issues)} error(s); nothing was changed", issues=issues)
    return code, sorted(types)


# -- users -----------------------------------------------------------------------------------


def create_user(actor: Actor, *, username: str, password: str | None, email: str = "") -> User:
    """A new, active account without roles. ``password=None`` makes one that cannot log in with a password.

    Password rules are Django's validators (length >= 8, not common, not like the name); each
    refusal is an issue at ``/password`` with the validator's code and message.
    """
    _require_writer(actor)
    # a training coordinator creates trainees: ordinary accounts, without roles, as everyone's start
    if not (
        actor.is_administrator
        or actor.holds(Role.NATIONAL_PUBLISHING_AUTHORITY)
        or actor.holds(Role.TRAINING_COORDINATOR)
    ):
        raise PermissionDeniedError(f"{actor.name} may not create accounts")
    username = User.normalize_username(username.strip())
    email = User.objects.normalize_email(email.strip())
    issues: list[Issue] = []
    if not username or len(username) > 150:
        issues.append(Issue("/username", "invalid_username", "a user name has 1 to 150 characters"))
    else:
        try:
            User.username_validator(username)
        except DjangoValidationError as exc:
            issues.append(Issue("/username", "invalid_username", " ".join(exc.messages)))
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            issues.append(Issue("/email", "invalid_email", "not an e-mail address"))
    user = User(username=username, email=email)
    if password is not None:
        issues.extend(_password_issues(password, user, "/password"))
    if issues:
        raise ValidationFailedError(f"{len(issues)} error(s); no account was created", issues=issues)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)  # Argon2id: ~0.1 s, so before the write lock
    with transaction.atomic():
        acquire_write_lock()
        # case-insensitively unique: "Alice" and "alice" would be told apart by nobody reading a log
        if User.objects.filter(username__iexact=username).exists():
            raise ConflictError(f"the user name {username!r} is taken")
        now = timezone.now()
        user.date_joined = now
        user.save()
        append_account_audit(actor, "account.created", now, user=username)
    return user


def change_password(actor: Actor, *, username: str, new_password: str, current_password: str | None = None) -> User:
    """Set a new password. The owner must give the current one; an administrator need not.

    Changing the password ends the account's other sessions (Django checks a hash of the
    password on every request); API tokens stay valid. Wrong current passwords count towards
    the same per-account and per-IP limits as failed logins.
    """
    _require_writer(actor)
    user = _user(username)
    if actor.user_id is not None and actor.user_id == user.pk:
        if not current_password:
            raise ValidationFailedError(
                "the current password is required",
                issues=[Issue("/current_password", "required", "give your current password")],
            )
        reservation = login.reserve_attempt(username, actor.client_ip, actor=actor)
        if not user.check_password(current_password):
            audit_event(actor, "password.change_failed", user=username)
            raise ValidationFailedError(
                "the current password is not correct",
                issues=[Issue("/current_password", "wrong_password", "the current password is not correct")],
            )
        reservation.succeeded()
    elif not actor.is_administrator:
        raise PermissionDeniedError(f"{actor.name} may not change the password of {username!r}")
    issues = _password_issues(new_password, user, "/new_password")
    if issues:
        raise ValidationFailedError(f"{len(issues)} error(s); the password was not changed", issues=issues)
    user.set_password(new_password)
    with transaction.atomic():
        acquire_write_lock()
        User.objects.filter(pk=user.pk).update(password=user.password)
        append_account_audit(actor, "password.changed", timezone.now(), user=username)
    return user


def disable_user(actor: Actor, *, username: str) -> User:
    """Disable an account: no login, every token and session refused from the next request on.

    Disabling a disabled account changes nothing and is not audited.
    """
    _require_writer(actor)
    with transaction.atomic():
        # the check runs under the lock, so a concurrent grant cannot slip in between
        acquire_write_lock()
        user = _user(username)
        if not actor.is_administrator:
            grants = grants_of(int(user.pk))
            countries = {g.country for g in grants}
            managed = (
                bool(grants)
                and all(g.role == Role.NATIONAL_AUTHORIZED_USER for g in grants)
                and len(countries) == 1
                and actor.holds(Role.NATIONAL_PUBLISHING_AUTHORITY, country=next(iter(countries)) or "")
            )
            if not managed:
                raise PermissionDeniedError(f"{actor.name} may not disable {username!r}")
        if not user.is_active:
            return user
        User.objects.filter(pk=user.pk).update(is_active=False)
        user.is_active = False
        append_account_audit(actor, "account.disabled", timezone.now(), user=username)
    return user


# -- roles -----------------------------------------------------------------------------------


def grant_role(
    actor: Actor,
    *,
    username: str,
    role: str | Role,
    country: str | None = None,
    record_types: Iterable[str] = (),
) -> RoleAssignment:
    """Give ``username`` a role (for ``country`` when the role is national), optionally limited to
    some record types (national authorized users only). Granting an existing role again sets its
    record types; granting it unchanged changes nothing and is not audited.
    """
    _require_writer(actor)
    role_value = _role(role)
    code = (country or "").strip().upper()
    if not _may_manage(actor, role_value, code):
        where = f" for {code}" if code else ""
        raise PermissionDeniedError(f"{actor.name} may not grant {role_value}{where}")
    code, types = _grant_scope(role_value, country, record_types)
    with transaction.atomic():
        acquire_write_lock()
        user = _user(username)
        now = timezone.now()
        assignment = RoleAssignment.objects.filter(user=user, role=role_value, country=code).first()
        if assignment is not None and sorted(assignment.record_types) == types:
            return assignment
        if assignment is None:
            assignment = RoleAssignment(user=user, role=role_value, country=code)
        assignment.record_types = types
        assignment.granted_by = actor.name
        assignment.granted_at = now
        assignment.save()
        append_account_audit(
            actor, "role.granted", now, user=username, role=str(role_value), grant_country=code, record_types=types
        )
    return assignment


def revoke_role(actor: Actor, *, username: str, role: str | Role, country: str | None = None) -> None:
    """Take a role away; the holder's next request no longer carries it."""
    _require_writer(actor)
    role_value = _role(role)
    code = (country or "").strip().upper()
    if not _may_manage(actor, role_value, code):
        where = f" for {code}" if code else ""
        raise PermissionDeniedError(f"{actor.name} may not revoke {role_value}{where}")
    with transaction.atomic():
        acquire_write_lock()
        user = _user(username)
        deleted, _ = RoleAssignment.objects.filter(user=user, role=role_value, country=code).delete()
        if not deleted:
            where = f" for {code}" if code else ""
            raise NotFoundError(f"{username!r} does not hold {role_value}{where}")
        append_account_audit(
            actor, "role.revoked", timezone.now(), user=username, role=str(role_value), grant_country=code
        )


# -- API tokens ------------------------------------------------------------------------------


def _owner(actor: Actor, owner: str | None) -> User:
    """The account a token call is about: the actor's own, or (system only) a named one."""
    if owner is None:
        if actor.user_id is None:
            raise BadRequestError("name the account (owner=...)")
        user = User.objects.filter(pk=actor.user_id).first()
        if user is None:
            raise NotFoundError("the account no longer exists")
        return user
    user = _user(owner)
    if user.pk != actor.user_id and not actor.is_system:
        raise PermissionDeniedError("tokens are managed by their owner")
    return user


def create_token(actor: Actor, *, name: str, scopes: Iterable[str], owner: str | None = None) -> IssuedToken:
    """A new API token for the actor (or, for the system actor, for ``owner``).

    The plaintext is returned once in :class:`IssuedToken`; only its SHA-256 is stored. ``write``
    implies ``read``. A token cannot carry a scope the creating credential lacks.
    """
    _require_writer(actor)
    wanted = {str(s).strip().lower() for s in scopes}
    issues: list[Issue] = []
    if not name.strip() or len(name) > _TOKEN_NAME_MAX or _CONTROL_CHARACTERS.search(name):
        issues.append(
            Issue(
                "/name",
                "invalid_name",
                f"a token name has 1 to {_TOKEN_NAME_MAX} characters, not all spaces, no controls",
            )
        )
    name = name.strip()
    if not wanted or not wanted <= ALL_SCOPES:
        issues.append(Issue("/scopes", "invalid_scopes", "scopes are one or both of: read, write"))
    if issues:
        raise ValidationFailedError(f"{len(issues)} error(s); no token was created", issues=issues)
    if not wanted <= actor.scopes:
        raise PermissionDeniedError("a token cannot have more scopes than the credential creating it")
    user = _owner(actor, owner)
    normalized = sorted(wanted | {"read"})
    with transaction.atomic():
        acquire_write_lock()
        if not User.objects.filter(pk=user.pk, is_active=True).exists():
            raise ConflictError(f"the account {user.username!r} is disabled")
        if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
            raise ConflictError(f"an account has at most {MAX_ACTIVE_TOKENS} live tokens; revoke one first")
        prefix = secrets.token_hex(4)
        while ApiToken.objects.filter(prefix=prefix).exists():  # 32 bits: collisions are rare, not impossible
            prefix = secrets.token_hex(4)
        plaintext = f"obch_{prefix}_{secrets.token_urlsafe(32)}"
        now = timezone.now()
        token = ApiToken.objects.create(
            user=user, name=name, prefix=prefix, secret_hash=hash_token(plaintext), scopes=normalized, created_at=now
        )
        append_account_audit(
            actor,
            "token.created",
            now,
            user=user.username,
            token_id=token.pk,
            token_prefix=prefix,
            token_name=name,
            scopes=normalized,
        )
    return IssuedToken(token=token, plaintext=plaintext)


def revoke_token(actor: Actor, *, token_id: int) -> ApiToken:
    """Revoke one of the actor's live tokens. Another account's token is "not found", never "forbidden"."""
    _require_writer(actor)
    with transaction.atomic():
        acquire_write_lock()
        token = ApiToken.objects.select_related("user").filter(pk=token_id, revoked_at__isnull=True).first()
        if token is None or (token.user_id != actor.user_id and not actor.is_system):
            raise NotFoundError(f"no live token {token_id}")
        now = timezone.now()
        token.revoked_at = now
        token.save(update_fields=["revoked_at"])
        append_account_audit(
            actor, "token.revoked", now, user=token.user.username, token_id=token.pk, token_prefix=token.prefix
        )
    return token


def list_tokens(actor: Actor, *, owner: str | None = None) -> list[ApiToken]:
    """The actor's tokens (for the system actor: ``owner``'s), revoked ones included, oldest first."""
    if not actor.is_registered:
        raise UnauthenticatedError("log in or send an API token")
    user = _owner(actor, owner)
    return list(ApiToken.objects.filter(user=user).order_by("created_at", "id"))
