"""What makes an instance a national node, and how far it has mirrored its central clearing-house.

A plain instance is central: it has no :class:`Node` row. ``openbch node init`` writes the row.
"""

from __future__ import annotations

from django.db import models

__all__ = ["Conflict", "Node", "Peer", "SigningKey", "TrustedKey"]


class Node(models.Model):
    """This instance as a national node (at most one row)."""

    #: the country whose national records this node owns (ISO 3166-1 alpha-2, upper case)
    country = models.CharField(max_length=4)
    #: the central clearing-house's base URL
    central_url = models.CharField(max_length=500)
    #: the countries whose national records the node mirrors besides its own; [] = every country
    countries = models.JSONField(default=list)
    created_at = models.DateTimeField()

    def mirrors(self, family: str, owner: str) -> bool:
        """Whether a record of ``family`` owned by ``owner`` is mirrored here (reference records always)."""
        return family != "national" or not self.countries or owner in self.countries or owner == self.country


class Peer(models.Model):
    """An instance this one pulls from: how far its change log has been applied here, and how it went."""

    url = models.CharField(max_length=500, unique=True)
    #: the last sequence number of the peer's change log applied here (committed with the copies)
    last_seq = models.BigIntegerField(default=0)
    #: the peer's latest sequence number when it was last asked (the lag is the difference)
    head_seq = models.BigIntegerField(default=0)
    applied = models.BigIntegerField(default=0)
    #: the last seq of this instance's own change log pushed to the peer (and accepted there)
    pushed_seq = models.BigIntegerField(default=0)
    pushed = models.BigIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True)
    last_success_at = models.DateTimeField(null=True)
    last_error = models.TextField(blank=True, default="")


class SigningKey(models.Model):
    """This instance's Ed25519 keys for signing bundles: the newest unretired one signs.

    Only the public half is here; the private half is a file in the data folder (``keys/``), so a
    database dump or replica never carries it.
    """

    key_id = models.CharField(max_length=32, unique=True)
    public_key = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True)
    #: the rotation statement that introduced this key (canonical JSON: instance, previous and new
    #: key, time), signed by the previous key, so other instances that trust the previous key can
    #: trust this one (:mod:`openbch.federation.keychain`); empty for a first key, or when the
    #: previous private key was lost
    rotation_statement = models.TextField(blank=True, default="")
    rotation_signature = models.CharField(max_length=100, blank=True, default="")


class TrustedKey(models.Model):
    """Another instance's public key, registered here, that bundles are verified against.

    At central, a node's key is bound to the node's country: a bundle it signs may carry that
    country's records only. At a node, central's key has no country.
    """

    instance = models.CharField(max_length=64)
    key_id = models.CharField(max_length=32, unique=True)
    public_key = models.CharField(max_length=64)
    country = models.CharField(max_length=4, blank=True, default="")
    registered_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True)
    #: the last seq of the sender's change log applied here from its bundles (older ones are refused)
    received_seq = models.BigIntegerField(default=0)


class Conflict(models.Model):
    """Two instances published different content as the same revision of one record.

    Recorded on both sides when detected (central when a push brings it, and the node from central's
    answer or when a pull brings it), never resolved by overwriting: the owner publishes the content
    it keeps as the next revision (:func:`openbch.federation.conflicts.resolve`), and each side marks
    the conflict resolved when that revision is there. Both sides name the two versions the same way
    (the node's and central's), so a conflict reads alike wherever it is shown.
    """

    #: ``diverged``: both sides published revision N with different content; ``central_ahead``:
    #: central published revision N of a node's record the node holds at an earlier revision (the
    #: node side is the node's revision then); ``withdrawn``: central withdrew the node's record
    kind = models.CharField(max_length=16, default="diverged")
    identifier = models.CharField(max_length=36)
    #: ``BCH-TYPE-OWNER-NUMBER`` (no revision)
    uid = models.CharField(max_length=80)
    type = models.CharField(max_length=16)
    owner = models.CharField(max_length=8)
    revision = models.IntegerField()
    node_instance = models.CharField(max_length=64)
    node_hash = models.CharField(max_length=64)
    node_body = models.JSONField()
    central_instance = models.CharField(max_length=64)
    central_hash = models.CharField(max_length=64)
    central_body = models.JSONField()
    #: central withdrew the record, for this reason (``withdrawn``, or a conflict central then withdrew)
    withdrawn_reason = models.TextField(blank=True, default="")
    detected_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True)
    resolved_by = models.CharField(max_length=150, blank=True, default="")
    #: ``node`` or ``central`` (the version kept), or ``superseded`` (a later revision of the owner's)
    resolution = models.CharField(max_length=16, blank=True, default="")
    #: the revision that resolved it
    resolved_revision = models.IntegerField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["identifier", "revision"], name="conflict_once")]
