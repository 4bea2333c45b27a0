"""The publishing workflow: drafts, publication requests, approval, rejection, withdrawal, amendment.

State machine of a record (the BCH's, with its gaps closed):

    (new) ─create_draft→ draft ─submit→ pending ─approve→ published ─withdraw→ withdrawn
                           ▲               │                  │  ▲
                           └──── reject ───┘ (reason kept)    │  └─ approve/publish (new revision)
                           └──── expire (12 weeks) ──┘        └─ update_draft / amend → draft of the
                                                                 next revision (the record stays public)
    publish: direct publication of a draft by those who hold the publishing role.

Every function takes the acting Actor first, checks the policy (records/policy.py), validates, and
changes storage in one transaction with its audit entry (and change-log event for public changes).
A denied action is itself audited. Drafts carry an ETag (base revision + version): an edit must
name the one it read (If-Match) or it gets StaleRevisionError and nothing is lost.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from openbch.core.actors import Actor, Role
from openbch.core.errors import (
    ConflictError,
    Issue,
    NotFoundError,
    PermissionDeniedError,
    StaleRevisionError,
    ValidationFailedError,
)
from openbch.identifiers.record_uid import parse_record_uid
from openbch.records.audit import AuditEvent, append_audit
from openbch.records.changelog import append_events
from openbch.records.hashing import content_hash
from openbch.records.locking import acquire_write_lock
from openbch.records.models import (
    Draft,
    PublicationRequest,
    Record,
    RecordState,
    RequestStatus,
    Revision,
    WorkflowEvent,
)
from openbch.records.policy import Action, allowed
from openbch.records.publishing import PreparedRevision, new_identifier, write_revisions
from openbch.records.services import draft_validation, normalize_owner, reference_types
from openbch.records.withdrawal import write_withdrawal
from openbch.recordtypes import RecordType, get_record_type
from openbch.recordtypes.validate import GUID, ValidationResult, check_references, validate

__all__ = [
    "RECONFIRMATION_PERIOD",
    "REQUEST_LIFETIME",
    "HiddenRecordError",
    "amend",
    "approve",
    "confirm",
    "confirmation_status",
    "create_draft",
    "expire_requests",
    "get_draft",
    "list_drafts",
    "list_requests",
    "publish",
    "reject",
    "submit",
    "update_draft",
    "withdraw",
]

#: a publication request not decided within this time expires (the BCH's 12 weeks)
REQUEST_LIFETIME = dt.timedelta(weeks=12)
#: records whose body says ``expires`` must be re-confirmed within this period
RECONFIRMATION_PERIOD = dt.timedelta(days=730)

P = ParamSpec("P")
T = TypeVar("T")


class HiddenRecordError(NotFoundError):
    """The record exists but the actor may not see it: answered exactly like a missing record."""


@dataclass(frozen=True)
class _Target:
    record_type: RecordType
    owner: str
    created_by_id: int | None
    identifier: str = ""
    public: bool = False


def _target(record: Record) -> _Target:
    return _Target(
        get_record_type(record.type),
        record.owner,
        record.created_by_id,
        record.identifier,
        record.state in (RecordState.PUBLISHED, RecordState.WITHDRAWN) or record.revision > 0,
    )


def _allows(actor: Actor, action: Action, target: _Target) -> bool:
    return allowed(
        actor,
        action,
        family=target.record_type.family,
        owner=target.owner,
        record_type=target.record_type.code,
        created_by_id=target.created_by_id,
    )


def _guard(actor: Actor, action: Action, target: _Target) -> None:
    if _allows(actor, action, target):
        return
    if target.public or _allows(actor, Action.VIEW_DRAFT, target):
        raise PermissionDeniedError(f"{actor.name} may not {action} this {target.record_type.code} of {target.owner}")
    raise HiddenRecordError(f"no record {target.identifier}")


def _audit_denials(action: str) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Audit every refused attempt (in its own transaction: the refused one was rolled back)."""

    def decorate(function: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return function(*args, **kwargs)
            except (PermissionDeniedError, HiddenRecordError) as exc:
                actor = args[0]
                assert isinstance(actor, Actor)
                with transaction.atomic():
                    acquire_write_lock()
                    append_audit(
                        actor,
                        [
                            AuditEvent(
                                f"denied.{action}",
                                record_identifier=str(kwargs.get("identifier", ""))[:36],
                                details={"error": exc.code},
                            )
                        ],
                        at=timezone.now(),
                    )
                raise

        return wrapper

    return decorate


def _load(identifier: str, *, lock: bool = True) -> Record:
    """A record by identifier (GUID) or record UID, locked for update inside a transaction."""
    text = identifier.strip()
    records = Record.objects.select_for_update() if lock else Record.objects.all()
    if GUID.match(text):
        record = records.filter(identifier=text.upper()).first()
    else:
        try:
            uid = parse_record_uid(text)
        except ValueError:
            record = None
        else:
            record = records.filter(number=uid.number, type=uid.type, owner=uid.owner).first()
    if record is None:
        raise NotFoundError(f"no record {text[:80]}")
    return record


def _audit(actor: Actor, action: str, record: Record, *, before: str = "", after: str = "", **details: Any) -> None:
    append_audit(
        actor,
        [
            AuditEvent(
                action,
                record_identifier=record.identifier,
                record_uid=record.uid,
                before_hash=before,
                after_hash=after,
                country=record.owner,
                details=details,
            )
        ],
        at=timezone.now(),
    )


def _pending_request(record: Record) -> PublicationRequest | None:
    return PublicationRequest.objects.select_for_update().filter(record=record, status=RequestStatus.PENDING).first()


def _strict_validation(record: Record, body: Mapping[str, Any]) -> ValidationResult:
    """Publication-level validation of a body for ``record``, references included."""
    result = validate(get_record_type(record.type), dict(body), level="publish", owner=record.owner)
    referenced = {use.identifier for use in result.references}
    check_references(result, reference_types(referenced, published_only=True), level="publish")
    return result


def _publish_draft(actor: Actor, record: Record, draft: Draft, *, approved_by: str = "") -> Record:
    record_type = get_record_type(record.type)
    result = _strict_validation(record, draft.body)
    if result.errors:
        raise ValidationFailedError(f"{len(result.errors)} error(s); nothing was published", issues=result.errors)
    previous = Revision.objects.filter(record=record, revision=record.revision).values_list("content_hash", flat=True)
    prepared = PreparedRevision(
        record_type=record_type,
        owner=record.owner,
        body=dict(draft.body),
        identifier=record.identifier,
        languages=sorted(result.languages),
        warnings=result.warnings,
        existing=record,
        previous_hash=previous.first() or "",
        approved_by=approved_by,
        amends=draft.amends_revision,
        amendment_reason=draft.amendment_reason,
    )
    now = timezone.now()
    (published,) = write_revisions(actor, [prepared], at=now)
    if draft.amends_revision is not None:
        WorkflowEvent.objects.create(
            record=published,
            at=now,
            action="amended",
            actor=actor.name,
            revision=published.revision,
            reason=draft.amendment_reason,
        )
    draft.delete()
    return published


# -- drafts ---------------------------------------------------------------------------------------


@_audit_denials("create")
def create_draft(actor: Actor, *, record_type: str, owner: str, body: Mapping[str, Any]) -> Draft:
    """Save a new record as a draft (lenient validation: the warnings are kept with the draft)."""
    rt = get_record_type(record_type)
    owner = normalize_owner(rt, owner)
    with transaction.atomic():
        acquire_write_lock()
        # nothing exists yet, so nothing to hide: a refusal is a plain 403
        _guard(actor, Action.EDIT, _Target(rt, owner, actor.user_id, public=True))
        result = draft_validation(rt, body, owner)
        now = timezone.now()
        record = Record.objects.create(
            identifier=new_identifier(),
            type=rt.code,
            owner=owner,
            created_at=now,
            updated_at=now,
            created_by=actor.name,
            created_by_id=actor.user_id,
        )
        draft = Draft.objects.create(
            record=record,
            body=dict(body),
            warnings=[w.as_dict() for w in result.warnings],
            updated_at=now,
            updated_by=actor.name,
        )
        _audit(actor, "draft.created", record, after=content_hash(draft.body))
    return draft


@_audit_denials("edit")
def update_draft(actor: Actor, *, identifier: str, body: Mapping[str, Any], if_match: str | None) -> Draft:
    """Replace the draft's body; on a published record this starts the draft of its next revision.

    ``if_match`` is the draft's ETag as read (``"<base revision>.<version>"``; for a published record
    without a draft, ``"<revision>.0"``). A stale or missing one is refused and nothing changes.
    """
    with transaction.atomic():
        acquire_write_lock()
        record = _load(identifier)
        target = _target(record)
        _guard(actor, Action.EDIT, target)
        draft = Draft.objects.filter(record=record).first()
        current = draft.etag if draft else f'"{record.revision}.0"'
        if if_match is None or if_match.strip().removeprefix("W/") != current:
            raise StaleRevisionError(f"the record changed since it was read: its current version is {current}")
        if draft is not None and draft.locked:
            raise ConflictError("a publication request is pending: the draft is locked until it is decided")
        result = draft_validation(target.record_type, body, record.owner)
        now = timezone.now()
        before = content_hash(draft.body) if draft else ""
        if draft is None:
            draft = Draft(record=record, base_revision=record.revision, version=0)
        draft.body = dict(body)
        draft.warnings = [w.as_dict() for w in result.warnings]
        draft.version += 1
        draft.updated_at = now
        draft.updated_by = actor.name
        draft.save()
        Record.objects.filter(pk=record.pk).update(updated_at=now)
        _audit(actor, "draft.updated", record, before=before, after=content_hash(draft.body))
    return draft


@_audit_denials("edit")
def amend(actor: Actor, *, identifier: str, reason: str) -> Draft:
    """Start an amendment: a draft of the next revision, linked to the revision it amends."""
    if not reason.strip():
        raise ValidationFailedError(issues=[Issue("/reason", "required", "an amendment needs a reason")])
    with transaction.atomic():
        acquire_write_lock()
        record = _load(identifier)
        _guard(actor, Action.EDIT, _target(record))
        if record.revision == 0:
            raise ConflictError("only a published record can be amended; edit its draft instead")
        if Draft.objects.filter(record=record).exists():
            raise ConflictError("the record already has a draft; edit or publish it first")
        latest = Revision.objects.get(record=record, revision=record.revision)
        now = timezone.now()
        draft = Draft.objects.create(
            record=record,
            body=latest.body,
            base_revision=record.revision,
            updated_at=now,
            updated_by=actor.name,
            amends_revision=record.revision,
            amendment_reason=reason.strip(),
        )
        _audit(actor, "draft.amendment_started", record, after=content_hash(draft.body), reason=reason.strip())
    return draft


# -- requests -------------------------------------------------------------------------------------


@_audit_denials("submit")
def submit(actor: Actor, *, identifier: str, message: str = "") -> PublicationRequest:
    """Ask for publication: strict validation, the draft is locked, the approver gets the message."""
    with transaction.atomic():
        acquire_write_lock()
        record = _load(identifier)
        _guard(actor, Action.SUBMIT, _target(record))
        draft = Draft.objects.filter(record=record).first()
        if draft is None:
            raise ConflictError("there is no draft to submit")
        if draft.locked:
            raise ConflictError("a publication request is already pending")
        errors = _strict_validation(record, draft.body).errors
        if errors:
            raise ValidationFailedError(f"{len(errors)} error(s); the request was not made", issues=errors)
        now = timezone.now()
        request = PublicationRequest.objects.create(
            record=record,
            message=message.strip()[:4000],
            draft_hash=content_hash(draft.body),
            submitted_by=actor.name,
            submitted_by_id=actor.user_id,
            submitted_at=now,
            expires_at=now + REQUEST_LIFETIME,
        )
        draft.locked = True
        draft.save(update_fields=["locked"])
        if record.revision == 0:
            Record.objects.filter(pk=record.pk).update(state=RecordState.PENDING, updated_at=now)
        _audit(actor, "request.submitted", record, after=request.draft_hash, message=request.message)
    return request


def _expire(actor: Actor, request: PublicationRequest, now: dt.datetime) -> None:
    request.status = RequestStatus.EXPIRED
    request.decided_at = now
    request.decided_by = actor.name
    request.reason = "not decided within 12 weeks"
    request.save(update_fields=["status", "decided_at", "decided_by", "reason"])
    Draft.objects.filter(record=request.record).update(locked=False)
    if request.record.revision == 0:
        Record.objects.filter(pk=request.record_id).update(state=RecordState.DRAFT)
    _audit(actor, "request.expired", request.record)


@_audit_denials("approve")
def approve(actor: Actor, *, identifier: str) -> Record:
    """Approve the pending request: its draft becomes the record's next published revision."""
    with transaction.atomic():
        acquire_write_lock()
        record = _load(identifier)
        _guard(actor, Action.APPROVE, _target(record))
        request = _pending_request(record)
        if request is None:
            raise ConflictError("there is no pending publication request (already decided?)")
        now = timezone.now()
        expired = request.expires_at <= now
        if expired:
            # committed: the expiry stands even though the approval is refused
            _expire(actor, request, now)
        else:
            draft = Draft.objects.get(record=record)
            published = _publish_draft(actor, record, draft, approved_by=actor.name)
            request.status = RequestStatus.APPROVED
            request.decided_by = actor.name
            request.decided_at = now
            request.revision = published.revision
            request.save(update_fields=["status", "decided_by", "decided_at", "revision"])
            _audit(actor, "request.approved", published, after=request.draft_hash)
    if expired:
        raise ConflictError("the publication request expired after 12 weeks; submit it again")
    return published


@_audit_denials("reject")
def reject(actor: Actor, *, identifier: str, reason: str) -> PublicationRequest:
    """Reject the pending request with a reason the submitter sees; the draft is unlocked."""
    if not reason.strip():
        raise ValidationFailedError(issues=[Issue("/reason", "required", "a rejection needs a reason")])
    with transaction.atomic():
        acquire_write_lock()
        record = _load(identifier)
        _guard(actor, Action.REJECT, _target(record))
        request = _pending_request(record)
        if request is None:
            raise ConflictError("there is no pending publication request (already decided?)")
        now = timezone.now()
        request.status = RequestStatus.REJECTED
        request.decided_by = actor.name
        request.decided_at = now
        request.reason = reason.strip()[:4000]
        request.save(update_fields=["status", "decided_by", "decided_at", "reason"])
        Draft.objects.filter(record=record).update(locked=False)
        if record.revision == 0:
            Record.objects.filter(pk=record.pk).update(state=RecordState.DRAFT, updated_at=now)
        _audit(actor, "request.rejected", record, reason=request.reason)
    return request


@_audit_denials("publish")
def publish(actor: Actor, *, identifier: str) -> Record:
    """Direct publication of the draft by one who holds the publishing role (no request needed)."""
    with transaction.atomic():
        acquire_write_lock()
        record = _load(identifier)
        _guard(actor, Action.PUBLISH, _target(record))
        if _pending_request(record) is not None:
            raise ConflictError("a publication request is pending: approve or reject it")
        draft = Draft.objects.filter(record=record).first()
        if draft is None:
            raise ConflictError("there is no draft to publish")
        return _publish_draft(actor, record, draft)


def expire_requests(actor: Actor) -> int:
    """Expire the pending requests older than 12 weeks (run daily: ``openbch workflow expire``)."""
    now = timezone.now()
    count = 0
    with transaction.atomic():
        acquire_write_lock()
        for request in PublicationRequest.objects.select_for_update().filter(
            status=RequestStatus.PENDING, expires_at__lte=now
        ):
            _expire(actor, request, now)
            count += 1
    return count


# -- published records ----------------------------------------------------------------------------


@_audit_denials("withdraw")
def withdraw(actor: Actor, *, identifier: str, reason: str) -> Record:
    """Withdraw a published record: it stays retrievable, marked withdrawn with the reason."""
    if not reason.strip():
        raise ValidationFailedError(issues=[Issue("/reason", "required", "a withdrawal needs a reason")])
    with transaction.atomic():
        acquire_write_lock()
        record = _load(identifier)
        _guard(actor, Action.WITHDRAW, _target(record))
        if record.state != RecordState.PUBLISHED:
            raise ConflictError(f"the record is {record.state}; only a published record can be withdrawn")
        write_withdrawal(actor, record, reason=reason, at=timezone.now())
    return record


@_audit_denials("confirm")
def confirm(actor: Actor, *, identifier: str) -> Record:
    """Re-confirm a record whose information must be confirmed every two years."""
    with transaction.atomic():
        acquire_write_lock()
        record = _load(identifier)
        _guard(actor, Action.CONFIRM, _target(record))
        if record.state != RecordState.PUBLISHED:
            raise ConflictError(f"the record is {record.state}; only a published record is confirmed")
        body = Revision.objects.get(record=record, revision=record.revision).body
        if body.get("expires") is not True:
            raise ConflictError("this record does not ask to be re-confirmed (expires is not set)")
        now = timezone.now()
        record.confirmed_at = now
        record.save(update_fields=["confirmed_at"])
        append_events([("confirmed", record)], at=now)
        WorkflowEvent.objects.create(
            record=record, at=now, action="confirmed", actor=actor.name, revision=record.revision
        )
        _audit(actor, "record.confirmed", record)
    return record


def confirmation_status(record: Record, body: Mapping[str, Any], *, now: dt.datetime | None = None) -> str:
    """``not_required``, ``confirmed`` or ``not_confirmed`` (past two years without re-confirmation)."""
    if body.get("expires") is not True:
        return "not_required"
    latest = Revision.objects.filter(record=record).order_by("-revision").values_list("published_at", flat=True).first()
    since = max(d for d in (record.confirmed_at, latest, record.first_published_at) if d is not None)
    return "confirmed" if (now or timezone.now()) - since <= RECONFIRMATION_PERIOD else "not_confirmed"


# -- reading drafts and requests (policy applies) -------------------------------------------------


def get_draft(actor: Actor, identifier: str) -> tuple[Record, Draft | None, PublicationRequest | None]:
    """The record's draft and latest request, for those who may see them."""
    record = _load(identifier, lock=False)
    target = _target(record)
    if not _allows(actor, Action.VIEW_DRAFT, target):
        if target.public:
            raise PermissionDeniedError("you may not see this record's draft")
        raise HiddenRecordError(f"no record {identifier[:80]}")
    draft = Draft.objects.filter(record=record).first()
    request = PublicationRequest.objects.filter(record=record).order_by("-submitted_at", "-pk").first()
    return record, draft, request


def _visible(actor: Actor) -> Q:
    """The records whose drafts ``actor`` may see, as a query filter."""
    if actor.is_administrator:
        return Q()
    condition = Q(pk__in=[])
    if actor.user_id is not None:
        condition |= Q(created_by_id=actor.user_id, owner="SCBD")
    for grant in actor.grants:
        if grant.role in (Role.NATIONAL_AUTHORIZED_USER, Role.NATIONAL_PUBLISHING_AUTHORITY) and grant.country:
            scope = Q(owner=grant.country)
            if grant.record_types:
                scope &= Q(type__in=sorted(grant.record_types))
            condition |= scope
        elif grant.role == Role.REFERENCE_VALIDATOR:
            condition |= Q(owner="SCBD")
    return condition


def list_drafts(actor: Actor, *, limit: int = 200) -> list[tuple[Record, Draft]]:
    drafts = (
        Draft.objects.select_related("record")
        .filter(record__in=Record.objects.filter(_visible(actor)))
        .order_by("-updated_at")[:limit]
    )
    return [(d.record, d) for d in drafts]


def list_requests(
    actor: Actor, *, status: str = "pending", decidable_only: bool = False, limit: int = 200
) -> list[PublicationRequest]:
    """Requests the actor may see; ``decidable_only``: those it may approve (its inbox)."""
    requests = (
        PublicationRequest.objects.select_related("record")
        .filter(status=status, record__in=Record.objects.filter(_visible(actor)))
        .order_by("submitted_at")[: limit * 4]
    )
    found = []
    for request in requests:
        if decidable_only and not _allows(actor, Action.APPROVE, _target(request.record)):
            continue
        found.append(request)
        if len(found) >= limit:
            break
    return found
