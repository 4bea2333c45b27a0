"""Storage of records, revisions, drafts, the change log and the audit log.

Write only through :mod:`openbch.records.services`: a mutation must also append a change-log event
and an audit entry in the same transaction. Published revisions, change events and audit entries
are append-only; the database itself refuses UPDATE and DELETE on them (triggers, migration 0002).
"""

from __future__ import annotations

from django.db import models

__all__ = [
    "AuditEntry",
    "ChangeEvent",
    "Draft",
    "NumberCounter",
    "PublicationRequest",
    "Record",
    "RecordKey",
    "RecordLink",
    "RecordState",
    "RequestStatus",
    "Revision",
    "WorkflowEvent",
]


class RecordState(models.TextChoices):
    DRAFT = "draft"
    PENDING = "pending"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class Record(models.Model):
    """One record across its revisions (the BCH document): identity, owner and current state."""

    identifier = models.CharField(max_length=36, unique=True)
    type = models.CharField(max_length=8)
    owner = models.CharField(max_length=4)
    #: minted on first publication; the number in BCH-{TYPE}-{OWNER}-{number}-{revision}
    number = models.PositiveIntegerField(null=True, unique=True)
    state = models.CharField(max_length=12, choices=RecordState.choices, default=RecordState.DRAFT)
    #: the latest published revision (0 while never published)
    revision = models.PositiveIntegerField(default=0)
    #: the record's key in the source it was loaded from (idempotent loads)
    source_key = models.CharField(max_length=300, null=True, unique=True)  # noqa: DJ001 NULL: no source, unique
    #: display title of the latest published revision, English fallback rule (lists, logs)
    title = models.TextField(blank=True, default="")
    #: the instance that published the record (this one's ``INSTANCE_ID``, or the origin of a copy)
    instance = models.CharField(max_length=64, default="local")
    #: for a copy: the sequence number, in its origin's change log, of the last change applied here
    origin_seq = models.BigIntegerField(null=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    first_published_at = models.DateTimeField(null=True)
    withdrawn_at = models.DateTimeField(null=True)
    withdrawn_reason = models.TextField(blank=True, default="")
    #: who created the record (a reference record's submitter may edit its drafts)
    created_by = models.CharField(max_length=150, blank=True, default="")
    created_by_id = models.BigIntegerField(null=True)
    #: last (re)confirmation; records whose body says ``expires`` must be re-confirmed every two years
    confirmed_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [models.Index(fields=["type", "owner", "state"])]

    def __str__(self) -> str:
        return self.uid or self.identifier

    @property
    def uid(self) -> str:
        if self.number is None or self.revision == 0:
            return ""
        return f"BCH-{self.type}-{self.owner}-{self.number}-{self.revision}"


class Revision(models.Model):
    """An immutable published revision of a record."""

    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="revisions")
    revision = models.PositiveIntegerField()
    body = models.JSONField()
    content_hash = models.CharField(max_length=64)
    languages = models.JSONField(default=list)
    warnings = models.JSONField(default=list)
    published_at = models.DateTimeField()
    published_by = models.CharField(max_length=150)
    #: who approved the publication request (empty for direct publication and loads)
    approved_by = models.CharField(max_length=150, blank=True, default="")
    #: the revision this one amends, with the reason given (amendments only)
    amends = models.PositiveIntegerField(null=True)
    amendment_reason = models.TextField(blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["record", "revision"], name="revision_unique_per_record")]


class Draft(models.Model):
    """The working copy of a record (at most one), saved with warnings."""

    record = models.OneToOneField(Record, on_delete=models.CASCADE, related_name="draft")
    body = models.JSONField()
    warnings = models.JSONField(default=list)
    base_revision = models.PositiveIntegerField(default=0)
    #: grows by one on every save: with the base revision it is the draft's If-Match precondition
    version = models.PositiveIntegerField(default=1)
    locked = models.BooleanField(default=False)
    updated_at = models.DateTimeField()
    updated_by = models.CharField(max_length=150)
    amends_revision = models.PositiveIntegerField(null=True)
    amendment_reason = models.TextField(blank=True, default="")

    @property
    def etag(self) -> str:
        return f'"{self.base_revision}.{self.version}"'


class RequestStatus(models.TextChoices):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"


class PublicationRequest(models.Model):
    """A request to publish a record's (locked) draft, decided by an approver."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="requests")
    status = models.CharField(max_length=12, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    message = models.TextField(blank=True, default="")
    draft_hash = models.CharField(max_length=64)
    submitted_by = models.CharField(max_length=150)
    submitted_by_id = models.BigIntegerField(null=True)
    submitted_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    decided_by = models.CharField(max_length=150, blank=True, default="")
    decided_at = models.DateTimeField(null=True)
    reason = models.TextField(blank=True, default="")
    #: the revision the approval published
    revision = models.PositiveIntegerField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["record"], condition=models.Q(status="pending"), name="one_pending_request_per_record"
            )
        ]
        indexes = [models.Index(fields=["status", "expires_at"])]


class WorkflowEvent(models.Model):
    """The public history of a record beyond its revisions: withdrawals, confirmations, amendments.

    Append-only like the change log; reasons given by the authorities are kept here.
    """

    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="workflow_events")
    at = models.DateTimeField()
    action = models.CharField(max_length=32)
    actor = models.CharField(max_length=150)
    revision = models.PositiveIntegerField(null=True)
    reason = models.TextField(blank=True, default="")


class RecordLink(models.Model):
    """A reference from the latest published revision of ``source`` to another record.

    Derived from the body (rewritten on each publication) so that reverse links — an LMO's
    decisions, a gene's LMOs — are one indexed query.
    """

    source = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="links")
    field = models.CharField(max_length=64)
    position = models.PositiveIntegerField(default=0)
    target_identifier = models.CharField(max_length=36)
    target_revision = models.PositiveIntegerField(null=True)

    class Meta:
        indexes = [models.Index(fields=["target_identifier", "field"])]


class RecordKey(models.Model):
    """A normalised identifier of a record (e.g. the compact key of an OECD unique identifier)."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="keys")
    kind = models.CharField(max_length=16)
    value = models.CharField(max_length=300)

    class Meta:
        indexes = [models.Index(fields=["kind", "value"])]


class ChangeEvent(models.Model):
    """The change log: what happened to which record, in commit order (``seq`` strictly increases)."""

    seq = models.BigAutoField(primary_key=True)
    at = models.DateTimeField()
    kind = models.CharField(max_length=16)
    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="events")
    uid = models.CharField(max_length=64)
    type = models.CharField(max_length=8)
    owner = models.CharField(max_length=4)
    revision = models.PositiveIntegerField()


class AuditEntry(models.Model):
    """Append-only, hash-chained audit trail: one entry per mutation."""

    seq = models.BigAutoField(primary_key=True)
    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    actor_kind = models.CharField(max_length=16)
    #: the actor's roles when it acted (``national-publishing-authority:CA, …``) and the country concerned
    roles = models.CharField(max_length=500, blank=True, default="")
    country = models.CharField(max_length=4, blank=True, default="")
    action = models.CharField(max_length=64)
    record_identifier = models.CharField(max_length=36, blank=True, default="")
    record_uid = models.CharField(max_length=64, blank=True, default="")
    before_hash = models.CharField(max_length=64, blank=True, default="")
    after_hash = models.CharField(max_length=64, blank=True, default="")
    request_id = models.CharField(max_length=64, blank=True, default="")
    client_ip = models.CharField(max_length=64, blank=True, default="")
    details = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)


class NumberCounter(models.Model):
    """The next record number to mint (one row); updated under the write lock."""

    next_number = models.PositiveIntegerField(default=1)
