"""Logging in and out, with brute-force limits per account and per client IP (ASVS 6.3.1).

Every password check first reserves a slot in two counters kept in Django's cache: one for the
account name tried and one for the client IP. A counter's window starts at its first attempt and
lasts ``OPENBCH_LOGIN_LIMIT_WINDOW`` seconds; once ``OPENBCH_LOGIN_LIMIT_PER_ACCOUNT`` (or
``_PER_IP``) attempts failed in it, every further attempt is refused with 429 and ``Retry-After``
until it ends, without checking the password, so a correct password is refused too. Reserving
before checking (and giving the slot back on success) keeps the limit exact under concurrent
attempts: at most N password checks per window, never N plus the requests in flight.

A success clears the account's counter (whoever got the password right owns it) but only gives
back its slot in the IP's counter, so logging into one's own account cannot reset the budget an
address has for guessing other accounts.

Counters live in the process's memory by default; with several server processes set
``OPENBCH_CACHE_URL=redis://…`` so that they share them (else each process counts on its own).
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth import login as django_login
from django.contrib.auth import logout as django_logout
from django.contrib.auth.models import User
from django.core.cache import cache
from django.http import HttpRequest

from openbch.accounts.actors import actor_for_user, anonymous_actor, client_ip, request_id
from openbch.accounts.audit import audit_event
from openbch.core.actors import Actor
from openbch.core.errors import RateLimitedError, UnauthenticatedError

__all__ = ["LoginAttempt", "log_in", "log_out", "reserve_attempt"]

#: the longest user name kept in the audit log of a failed login (Django's own limit)
_USERNAME_AUDIT_MAX = 150


def _key(kind: str, value: str) -> str:
    # hashed: user input never forms a cache key (memcached rejects spaces and long keys)
    digest = hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:40]
    return f"openbch:login:{kind}:{digest}"


def _window() -> int:
    return int(settings.OPENBCH_LOGIN_LIMIT_WINDOW)


def _take(key: str) -> int:
    """Count one attempt in ``key``'s window (starting the window if none is open); the new count."""
    window = _window()
    now = int(time.time())
    cache.add(f"{key}:start", now, timeout=window)
    cache.add(key, 0, timeout=window)
    try:
        return int(cache.incr(key))
    except ValueError:  # the window ended between add and incr: open a new one
        cache.set(f"{key}:start", now, timeout=window)
        cache.set(key, 1, timeout=window)
        return 1


def _give_back(key: str) -> None:
    with contextlib.suppress(ValueError):  # the window already ended
        cache.decr(key)


def _retry_after(key: str) -> int:
    started = cache.get(f"{key}:start")
    if started is None:
        return 1
    return max(1, int(started) + _window() - int(time.time()))


@dataclass(frozen=True)
class LoginAttempt:
    """A reserved password check; call :meth:`succeeded` when the password was right."""

    account_key: str
    ip_key: str

    def succeeded(self) -> None:
        cache.delete(self.account_key)
        cache.delete(f"{self.account_key}:start")
        _give_back(self.ip_key)


def reserve_attempt(username: str, ip: str, *, actor: Actor) -> LoginAttempt:
    """Reserve one password check for ``username`` from ``ip``, or raise RateLimitedError.

    The first refusal of a window is audited (``login.rate_limited``); later ones are not, so a
    flood of attempts cannot flood the audit log (each entry takes the global write lock).
    """
    account_key = _key("account", username.casefold())
    ip_key = _key("ip", ip)
    limits = (
        (account_key, int(settings.OPENBCH_LOGIN_LIMIT_PER_ACCOUNT), "account"),
        (ip_key, int(settings.OPENBCH_LOGIN_LIMIT_PER_IP), "ip"),
    )
    taken: list[str] = []
    for key, limit, kind in limits:
        taken.append(key)
        if _take(key) > limit:
            # refused attempts are not counted: the counters stay the number of checks made
            for reserved in taken:
                _give_back(reserved)
            retry_after = _retry_after(key)
            if cache.add(f"{key}:audited", 1, timeout=retry_after):
                audit_event(actor, "login.rate_limited", username=username[:_USERNAME_AUDIT_MAX], limited_by=kind)
            raise RateLimitedError(
                f"too many failed attempts for this {'account' if kind == 'account' else 'address'}; "
                f"try again in {retry_after} s",
                retry_after=retry_after,
            )
    return LoginAttempt(account_key=account_key, ip_key=ip_key)


def log_in(request: HttpRequest, *, username: str, password: str) -> User:
    """Check the credentials and start a session, or raise RateLimitedError / UnauthenticatedError.

    The session key is replaced (``django.contrib.auth.login`` cycles it: no session fixation).
    Success and failure are audited; a failure in its own transaction, as nothing else is written.
    """
    anonymous = anonymous_actor(request)
    attempt = reserve_attempt(username, client_ip(request), actor=anonymous)
    # Django's backend hashes even for unknown names (same timing) and refuses disabled accounts
    user = authenticate(request, username=username, password=password)
    if not isinstance(user, User):
        audit_event(anonymous, "login.failed", username=username[:_USERNAME_AUDIT_MAX])
        raise UnauthenticatedError("the user name or password is not correct")
    attempt.succeeded()
    django_login(request, user)
    actor = actor_for_user(user, request_id=request_id(request), client_ip=client_ip(request))
    audit_event(actor, "login.succeeded")
    return user


def log_out(request: HttpRequest) -> None:
    """End the session server-side (flush): the old cookie no longer maps to anything."""
    user = getattr(request, "user", None)
    if isinstance(user, User) and user.is_active:
        audit_event(actor_for_user(user, request_id=request_id(request), client_ip=client_ip(request)), "logout")
    django_logout(request)
