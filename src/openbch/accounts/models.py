"""Role grants per country and API tokens. Users are Django's own ``auth.User``.

Write only through :mod:`openbch.accounts.services`: every change is audited.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from openbch.core.actors import Role

__all__ = ["ApiToken", "Registration", "RoleAssignment"]


class RoleAssignment(models.Model):
    """One role a user holds, scoped to a country for the national roles.

    ``country`` is ``""`` (not NULL) for roles without a country, so that the unique constraint
    holds on PostgreSQL too (NULLs never collide there).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=40, choices=[(r.value, r.value) for r in Role])
    country = models.CharField(max_length=4, blank=True, default="")
    #: record-type codes the role is limited to (national authorized users only); [] = all types
    record_types = models.JSONField(default=list)
    #: the actor's name (``system`` for the CLI), not a foreign key: the granter may be no user
    granted_by = models.CharField(max_length=150)
    granted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "country"], name="accounts_one_grant_per_role_country")
        ]


class ApiToken(models.Model):
    """A bearer token. Only the SHA-256 of the token is kept; the token is shown once at creation.

    ``prefix`` (random, not secret) finds the row and names the token in lists; the rest of the
    token is a 256-bit secret, so a fast hash is enough (no password-style stretching).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"], name="accounts_token_user_created")]


class Registration(models.Model):
    """A self-service account of a member of the public, from registration to email confirmation.

    The account (``user``) stays inactive (``is_active=False``: no login, no session, no token)
    until the link mailed to ``email`` is followed; then ``confirmed_at`` is set. A confirmation
    link only works while ``confirmed_at`` is empty, so an old link can never re-enable an account
    an administrator disabled later.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="registration")
    email = models.EmailField(max_length=254)
    created_at = models.DateTimeField()
    last_sent_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["email"], name="accounts_registration_email")]
