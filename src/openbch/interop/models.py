"""Storage of harvests: runs, raw payloads, external items, their keys, and curators' decisions.

External items are *not* clearing-house records: they are what another database holds, kept with
the payload they came from, linked to a clearing-house record by identity resolution. Write only
through :mod:`openbch.interop.services` / :mod:`openbch.interop.harvest`, which hold the write lock
and append an audit entry in the same transaction.

Records are referred to by their ``identifier`` (GUID), not by a foreign key: a record's rows are
the records app's business, and an external item outlives any change to them.
"""

from __future__ import annotations

from django.db import models

__all__ = [
    "Decision",
    "ExternalItem",
    "ExternalItemKey",
    "HarvestRun",
    "HarvestStatus",
    "MatchDecision",
    "RawPayload",
    "Verdict",
]


class HarvestStatus(models.TextChoices):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Verdict(models.TextChoices):
    PENDING = "pending"
    MATCHED = "matched"
    MATCHED_WITH_WARNING = "matched_with_warning"
    AMBIGUOUS = "ambiguous"
    UNMATCHED = "unmatched"
    CONFLICTING = "conflicting"
    #: the item describes no clearing-house record kind (a non-LMO product, a construct)
    NOT_APPLICABLE = "not_applicable"


class Decision(models.TextChoices):
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class HarvestRun(models.Model):
    """One harvest of one source: what was fetched, what changed, what failed and why."""

    source = models.CharField(max_length=64)
    status = models.CharField(max_length=12, choices=HarvestStatus.choices, default=HarvestStatus.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True)
    #: ``bundled`` (payloads shipped with openbch) or ``http``
    transport = models.CharField(max_length=16)
    actor = models.CharField(max_length=150)
    #: the failed run whose gathered tasks this run took over
    resumed_from = models.ForeignKey("self", null=True, on_delete=models.SET_NULL, related_name="+")
    payloads_fetched = models.PositiveIntegerField(default=0)
    payloads_unchanged = models.PositiveIntegerField(default=0)
    #: tasks a resumed run did not fetch again because the failed run had finished them
    tasks_resumed = models.PositiveIntegerField(default=0)
    items_new = models.PositiveIntegerField(default=0)
    items_changed = models.PositiveIntegerField(default=0)
    items_unchanged = models.PositiveIntegerField(default=0)
    items_rejected = models.PositiveIntegerField(default=0)
    items_removed = models.PositiveIntegerField(default=0)
    #: ``[{"external_id", "reason", "where"}]``, the first few hundred
    rejections = models.JSONField(default=list)
    #: ``[{"stage", "locator", "code", "message"}]``
    errors = models.JSONField(default=list)
    #: resume state: ``{"gathered": bool, "cursor": {...}, "tasks": [...], "done": {locator: sha256}}``
    state = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["source", "started_at"])]


class RawPayload(models.Model):
    """A response body exactly as fetched, kept once per distinct content of one locator."""

    source = models.CharField(max_length=64)
    #: the request relative to the source's base (path and sorted query): the same for every transport
    locator = models.TextField()
    url = models.TextField()
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField()
    content_type = models.CharField(max_length=200, blank=True, default="")
    fetched_at = models.DateTimeField()
    #: the latest time this same content was fetched again
    last_fetched_at = models.DateTimeField()
    #: hash of the source definition the payload was imported with: a new mapping re-imports it
    definition_hash = models.CharField(max_length=64, blank=True, default="")
    run = models.ForeignKey(HarvestRun, null=True, on_delete=models.SET_NULL, related_name="payloads")
    body = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "locator", "sha256"], name="payload_unique_content_per_locator")
        ]
        indexes = [models.Index(fields=["source", "last_fetched_at"])]


class ExternalItem(models.Model):
    """What one source holds on one thing (an LMO, a genetic element, a detection target).

    ``fields`` are normalised (names shared by all sources, see connectors/base.py); the raw
    payload keeps the original. Resolution fills ``verdict`` … ``resolved_at``.
    """

    source = models.CharField(max_length=64)
    external_id = models.CharField(max_length=500)
    #: what the item describes: ``lmo``, ``element``, ``organism``, ``construct``, ``product``
    subject = models.CharField(max_length=16)
    name = models.TextField(blank=True, default="")
    url = models.TextField(blank=True, default="")
    fields = models.JSONField(default=dict)
    #: OECD unique identifiers as the source writes them
    identifiers = models.JSONField(default=list)
    content_hash = models.CharField(max_length=64)
    payload = models.ForeignKey(RawPayload, null=True, on_delete=models.SET_NULL, related_name="items")
    first_seen_at = models.DateTimeField()
    fetched_at = models.DateTimeField()
    changed_at = models.DateTimeField()
    #: False once a complete harvest no longer finds the item at the source
    active = models.BooleanField(default=True)
    verdict = models.CharField(max_length=24, choices=Verdict.choices, default=Verdict.PENDING)
    #: how the match was found: identifier, verifier, components, event_name, alias, trade_name, curator …
    method = models.CharField(max_length=32, blank=True, default="")
    #: the clearing-house record matched (identifier, type), empty unless matched
    record_identifier = models.CharField(max_length=36, blank=True, default="")
    record_type = models.CharField(max_length=8, blank=True, default="")
    #: ``[{"identifier", "uid", "unique_identifier", "name", "reason"}]``
    candidates = models.JSONField(default=list)
    warnings = models.JSONField(default=list)
    resolved_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "external_id"], name="item_unique_per_source")]
        indexes = [
            models.Index(fields=["record_identifier"]),
            models.Index(fields=["source", "verdict"]),
            models.Index(fields=["subject", "verdict"]),
        ]


class ExternalItemKey(models.Model):
    """A normalised key of an item, for lookups from the clearing-house side.

    Kinds: ``uid`` (compact key of an identifier as written), ``component`` (compact key of each
    stack component), ``method`` (a detection-method code), ``target`` (a normalised target name).
    """

    item = models.ForeignKey(ExternalItem, on_delete=models.CASCADE, related_name="keys")
    kind = models.CharField(max_length=16)
    value = models.CharField(max_length=300)

    class Meta:
        indexes = [models.Index(fields=["kind", "value"])]


class MatchDecision(models.Model):
    """A curator's word on "this item is (not) that record", kept across harvests.

    Keyed by the source's own id of the item, so a new harvest of the same item finds it again.
    """

    source = models.CharField(max_length=64)
    external_id = models.CharField(max_length=500)
    record_identifier = models.CharField(max_length=36)
    decision = models.CharField(max_length=12, choices=Decision.choices)
    decided_by = models.CharField(max_length=150)
    decided_at = models.DateTimeField()
    reason = models.TextField(blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id", "record_identifier"], name="one_decision_per_item_and_record"
            )
        ]
        indexes = [models.Index(fields=["source", "external_id"])]
