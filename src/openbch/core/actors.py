"""Who is acting, with which roles. Every mutating service method takes an Actor first.

An Actor is built per request from the authenticated user's role grants (accounts app) and is
immutable for that request; role changes therefore take effect on the next request.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["ANONYMOUS", "SYSTEM", "Actor", "Grant", "Role"]


class Role(StrEnum):
    #: drafts and publication requests for its country (optionally only some record types)
    NATIONAL_AUTHORIZED_USER = "national-authorized-user"
    #: publishes, approves, rejects and withdraws its country's national records; manages its users
    NATIONAL_PUBLISHING_AUTHORITY = "national-publishing-authority"
    #: the Secretariat: approves or rejects reference records
    REFERENCE_VALIDATOR = "reference-validator"
    #: e-learning: sees the cohort (enrolments, progress, results), enrols and creates trainee
    #: accounts, allows extra quiz attempts, revokes certificates, exports modules (SCORM)
    TRAINING_COORDINATOR = "training-coordinator"
    #: public participation: moderates the forums and debates it is appointed to (approve, hide, lock)
    FORUM_MODERATOR = "forum-moderator"
    #: public participation: creates forums and debates, appoints their moderators, moderates all
    PARTICIPATION_ADMINISTRATOR = "participation-administrator"
    ADMINISTRATOR = "administrator"


@dataclass(frozen=True)
class Grant:
    role: Role
    #: ISO 3166-1 alpha-2 upper case (``CA``, ``EU``) for national roles, else None
    country: str | None = None
    #: record-type codes the grant is limited to; empty = all types
    record_types: frozenset[str] = frozenset()

    def covers(self, record_type: str) -> bool:
        return not self.record_types or record_type in self.record_types


@dataclass(frozen=True)
class Actor:
    name: str
    #: ``system`` may do anything through services (CLI, loaders); ``anonymous`` may only read;
    #: ``user`` is a registered account with the grants below
    kind: str = "user"
    grants: tuple[Grant, ...] = ()
    user_id: int | None = None
    #: what the credential allows: ``read`` and/or ``write`` (an API token may be read-only)
    scopes: frozenset[str] = frozenset({"read", "write"})
    request_id: str = ""
    client_ip: str = ""

    @property
    def is_system(self) -> bool:
        return self.kind == "system"

    @property
    def is_registered(self) -> bool:
        return self.kind in ("user", "system")

    @property
    def is_administrator(self) -> bool:
        return self.is_system or any(g.role == Role.ADMINISTRATOR for g in self.grants)

    def holds(self, role: Role, *, country: str | None = None, record_type: str | None = None) -> bool:
        for grant in self.grants:
            if grant.role != role:
                continue
            if country is not None and grant.country != country.upper():
                continue
            if record_type is not None and not grant.covers(record_type):
                continue
            return True
        return False

    def describe_roles(self) -> str:
        """For the audit log: ``national-publishing-authority:CA, reference-validator``."""
        if self.is_system:
            return "system"
        return ", ".join(f"{g.role}:{g.country}" if g.country else str(g.role) for g in self.grants)


SYSTEM = Actor(name="system", kind="system")
ANONYMOUS = Actor(name="anonymous", kind="anonymous", scopes=frozenset({"read"}))
