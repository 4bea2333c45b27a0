"""What notifications keep: the e-mail outbox, subscriptions, the items waiting for a daily digest,
and how far each event source has been fanned out.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

__all__ = [
    "ConsumerPosition",
    "DigestItem",
    "OutboxMessage",
    "OutboxStatus",
    "Subscription",
    "SubscriptionMode",
    "SubscriptionTarget",
]


class OutboxStatus(models.TextChoices):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(models.Model):
    """One e-mail to send. Enqueued in the caller's transaction, delivered by the worker.

    A claim pushes ``due_at`` forward by a lease, so a worker that dies while sending leaves the
    message due again once the lease runs out (delivery is at least once).
    """

    to = models.CharField(max_length=320)
    subject = models.CharField(max_length=500)
    text = models.TextField()
    html = models.TextField(blank=True, default="")
    #: what the message is (``notification``, ``digest``, ``registration`` …), for operators
    kind = models.CharField(max_length=50, blank=True, default="")
    #: extra headers, e.g. List-Unsubscribe
    headers = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    created_at = models.DateTimeField()
    due_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "due_at"], name="notif_outbox_due")]


class SubscriptionTarget(models.TextChoices):
    FORUM = "forum"
    THREAD = "thread"
    DEBATE = "debate"
    COMMENT_PERIOD = "comment_period"
    COUNTRY = "country"
    LMO = "lmo"


class SubscriptionMode(models.TextChoices):
    IMMEDIATE = "immediate"
    DAILY = "daily"


class Subscription(models.Model):
    """An account follows one thing; ``key`` names it (a forum slug, a thread id, a country code, an LMO uid)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions")
    target = models.CharField(max_length=20, choices=SubscriptionTarget.choices)
    key = models.CharField(max_length=200)
    mode = models.CharField(max_length=10, choices=SubscriptionMode.choices, default=SubscriptionMode.IMMEDIATE)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "target", "key"], name="notif_subscription_once")]
        indexes = [models.Index(fields=["target", "key"], name="notif_subscription_target")]


class DigestItem(models.Model):
    """One line waiting for a daily digest, for one account."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()
    title = models.CharField(max_length=500)
    url = models.CharField(max_length=1000)
    summary = models.TextField(blank=True, default="")
    #: set when the digest carrying it was enqueued
    digested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["digested_at", "user"], name="notif_digest_pending")]


class ConsumerPosition(models.Model):
    """How far a source (``records``, ``participation``) has been fanned out, committed with the mails it made."""

    name = models.CharField(max_length=50, unique=True)
    last_seq = models.BigIntegerField(default=0)
    #: for ``digest``: when the last daily digest ran
    last_run_at = models.DateTimeField(null=True, blank=True)
