"""Who may do what to which record: the declared policy table, and the one function that applies it.

    action          national record of country C (type T)        reference record (owner SCBD)
    ─────────────   ──────────────────────────────────────────   ─────────────────────────────────
    view_draft      authorized user of C (for T), publishing     its creator, reference validator
    edit, submit    authority of C, administrator                or administrator (any registered
                                                                  user may create one)
    approve,        publishing authority of C, administrator      reference validator, administrator
    reject,
    publish,
    withdraw,
    confirm

Every mutation also needs a credential with the ``write`` scope. The system actor (CLI, loaders)
may do everything. An actor who may not even see a draft gets NotFoundError, exactly as for a
record that does not exist, so drafts of other countries do not leak.
"""

from __future__ import annotations

from enum import StrEnum

from openbch.core.actors import Actor, Role

__all__ = ["POLICY", "Action", "allowed"]


class Action(StrEnum):
    VIEW_DRAFT = "view_draft"
    EDIT = "edit"
    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    PUBLISH = "publish"
    WITHDRAW = "withdraw"
    CONFIRM = "confirm"


_AUTHORING = frozenset({Action.VIEW_DRAFT, Action.EDIT, Action.SUBMIT})

#: (family, action) → the roles that allow it; "creator" = the record's creator (reference records)
POLICY: dict[tuple[str, Action], frozenset[str]] = {
    **{
        ("national", a): frozenset({Role.NATIONAL_AUTHORIZED_USER, Role.NATIONAL_PUBLISHING_AUTHORITY})
        for a in _AUTHORING
    },
    **{("national", a): frozenset({Role.NATIONAL_PUBLISHING_AUTHORITY}) for a in Action if a not in _AUTHORING},
    **{("reference", a): frozenset({"creator", Role.REFERENCE_VALIDATOR}) for a in _AUTHORING},
    **{("reference", a): frozenset({Role.REFERENCE_VALIDATOR}) for a in Action if a not in _AUTHORING},
}


def allowed(
    actor: Actor,
    action: Action,
    *,
    family: str,
    owner: str,
    record_type: str,
    created_by_id: int | None = None,
) -> bool:
    """Whether ``actor`` may do ``action`` on a record with this family, owner, type and creator."""
    if action != Action.VIEW_DRAFT and "write" not in actor.scopes:
        return False
    if actor.is_administrator:
        return True
    if not actor.is_registered:
        return False
    for role in POLICY[(family, action)]:
        if role == "creator":
            if created_by_id is not None and created_by_id == actor.user_id:
                return True
        elif family == "national":
            if actor.holds(Role(role), country=owner, record_type=record_type):
                return True
        elif actor.holds(Role(role)):
            return True
    return False
