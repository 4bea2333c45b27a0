"""Ed25519 keys for signing offline bundles (the ``cryptography`` library): generate, rotate, trust, revoke.

This instance's private keys are PEM files in ``<data folder>/keys/`` (mode 0600), one per key; the
database holds only public halves (:class:`~openbch.federation.models.SigningKey`). Generating a
key retires the one before (rotation): the newest signs, and the public keys of retired ones stay
known so the other side can still verify what they signed until it revokes them. A rotation keeps a
statement, the new public key signed by the old private key, through which other instances that
trust the old key come to trust the new one (:mod:`openbch.federation.keychain`). Another instance's
key is registered here by its public half (:class:`~openbch.federation.models.TrustedKey`), bound
to a country when it is a node's, and can be revoked: bundles it signed are then refused.

A key id is the first 32 hex digits of the SHA-256 of the raw public key, so both sides compute
the same id from the same key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from openbch.core.actors import Actor, Role
from openbch.core.errors import BadRequestError, ConflictError, Issue, NotFoundError, PermissionDeniedError
from openbch.federation.models import SigningKey, TrustedKey
from openbch.records.audit import AuditEvent, append_audit
from openbch.records.hashing import canonical_json
from openbch.records.locking import acquire_write_lock
from openbch.vocabularies import get_vocabulary

__all__ = [
    "ROTATION_FORMAT",
    "KeyInfo",
    "generate_key",
    "key_id_of",
    "register_key",
    "revoke_key",
    "sign",
    "signing_key",
    "trust_key",
    "verify",
]


#: the format of a rotation statement (the JSON object the previous key signs)
ROTATION_FORMAT = "openbch-key-rotation/1"


@dataclass(frozen=True)
class KeyInfo:
    instance: str
    key_id: str
    public_key: str


def key_id_of(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()[:32]


def _keys_dir() -> Path:
    return Path(settings.DATA_DIR) / "keys"


def _require_administrator(actor: Actor) -> None:
    if not actor.is_administrator:
        raise PermissionDeniedError(f"{actor.name} may not manage keys: it needs the administrator role")


def _audit(actor: Actor, action: str, **details: str) -> None:
    append_audit(actor, [AuditEvent(action, details=dict(details))], at=timezone.now())


def _private_key_path(key_id: str) -> Path:
    """Where this instance keeps the private half of its key ``key_id``."""
    return _keys_dir() / f"ed25519-{key_id}.pem"


def _rotation(previous: SigningKey | None, key_id: str, public_key: str, at: str) -> tuple[str, str]:
    """(statement, signature): ``key_id`` introduced by the ``previous`` key, signed with its private
    half; empty when there is no previous key or its file is gone (a lost key cannot vouch)."""
    if previous is None:
        return "", ""
    try:
        old = serialization.load_pem_private_key(_private_key_path(previous.key_id).read_bytes(), password=None)
    except (OSError, ValueError, TypeError):  # gone, or not a key this instance can read
        return "", ""
    if not isinstance(old, Ed25519PrivateKey):
        return "", ""
    statement = canonical_json(
        {
            "format": ROTATION_FORMAT,
            "instance": str(settings.INSTANCE_ID),
            "previous_key_id": previous.key_id,
            "key_id": key_id,
            "public_key": public_key,
            "at": at,
        }
    )
    return statement, base64.b64encode(old.sign(statement.encode("utf-8"))).decode()


def generate_key(actor: Actor) -> KeyInfo:
    """A new signing key for this instance; the previous one is retired (rotation) and signs a
    rotation statement for the new one, when its private half is still here."""
    _require_administrator(actor)
    private = Ed25519PrivateKey.generate()
    public_raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    key_id = key_id_of(public_raw)
    public_key = base64.b64encode(public_raw).decode()
    _keys_dir().mkdir(parents=True, exist_ok=True)
    path = _private_key_path(key_id)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    now = timezone.now()
    with transaction.atomic():
        acquire_write_lock()
        previous = SigningKey.objects.filter(retired_at__isnull=True).order_by("-created_at").first()
        statement, signature = _rotation(previous, key_id, public_key, now.isoformat())
        SigningKey.objects.filter(retired_at__isnull=True).update(retired_at=now)
        SigningKey.objects.create(
            key_id=key_id, public_key=public_key, created_at=now,
            rotation_statement=statement, rotation_signature=signature,
        )  # fmt: skip
        details = {"key_id": key_id}
        if previous is not None:
            details |= {"previous_key_id": previous.key_id, "rotation_signed": "yes" if signature else "no"}
        _audit(actor, "key.generated", **details)
    return KeyInfo(str(settings.INSTANCE_ID), key_id, public_key)


def signing_key() -> tuple[KeyInfo, Ed25519PrivateKey]:
    """The key this instance signs with now (the newest not retired)."""
    current = SigningKey.objects.filter(retired_at__isnull=True).order_by("-created_at").first()
    if current is None:
        raise ConflictError("this instance has no signing key: run 'openbch keys generate'")
    path = _private_key_path(current.key_id)
    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise ConflictError(f"the private key file {path} is missing: generate a new key") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise ConflictError(f"{path} is not an Ed25519 key")
    return KeyInfo(str(settings.INSTANCE_ID), current.key_id, current.public_key), private


def sign(payload: bytes) -> tuple[str, str]:
    """(key id, base64 signature) of ``payload`` with this instance's current key."""
    info, private = signing_key()
    return info.key_id, base64.b64encode(private.sign(payload)).decode()


def _public_raw(text: str, path: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise BadRequestError(
            "not an Ed25519 public key", issues=[Issue(path, "invalid_key", "32 bytes in base64 expected")]
        )
    return raw


def trust_key(actor: Actor, *, instance: str, public_key: str, country: str = "") -> TrustedKey:
    """Register another instance's public key; ``country``: the node's country (at central)."""
    _require_administrator(actor)
    raw = _public_raw(public_key, "/public_key")
    code = country.strip().upper()
    if code and code.lower() not in get_vocabulary("countries").terms:
        raise BadRequestError("unknown country", issues=[Issue("/country", "unknown_country", f"{country!r}")])
    if not instance.strip():
        raise BadRequestError("no instance id", issues=[Issue("/instance", "required", "the sender's instance id")])
    key_id = key_id_of(raw)
    with transaction.atomic():
        acquire_write_lock()
        if TrustedKey.objects.filter(key_id=key_id).exists():
            raise ConflictError(f"key {key_id} is registered already")
        trusted = TrustedKey.objects.create(
            instance=instance.strip(),
            key_id=key_id,
            public_key=base64.b64encode(raw).decode(),
            country=code,
            registered_at=timezone.now(),
        )
        _audit(actor, "key.trusted", key_id=key_id, instance=trusted.instance, country=code)
    return trusted


def register_key(actor: Actor, *, instance: str, public_key: str, country: str = "") -> TrustedKey:
    """At central: a node registers its own public key with its credentials (the API), bound to the
    country whose publishing role its account holds (``country`` picks one when it holds several).

    Registering a key the same node registered before answers it again (a retried request); a new key
    of a node is added beside its older ones (rotation: bundles signed before stay verifiable until an
    administrator revokes the old key)."""
    if "write" not in actor.scopes:
        raise PermissionDeniedError(f"{actor.name} may not register a key: the token needs the write scope")
    held = sorted({g.country for g in actor.grants if g.role == Role.NATIONAL_PUBLISHING_AUTHORITY and g.country})
    wanted = country.strip().upper()
    if wanted and wanted not in held:
        raise PermissionDeniedError(f"{actor.name} does not hold the publishing role for {wanted}")
    if not wanted and not held:
        raise PermissionDeniedError(f"{actor.name} holds no country's publishing role: a node's account must")
    if not wanted and len(held) > 1:
        raise PermissionDeniedError(f"{actor.name} publishes for {', '.join(held)}: name the node's country")
    if not wanted:
        wanted = held[0]
    raw = _public_raw(public_key, "/public_key")
    name = instance.strip()
    if not name:
        raise BadRequestError("no instance id", issues=[Issue("/instance", "required", "the node's instance id")])
    if name == settings.INSTANCE_ID:
        raise BadRequestError(
            "a node's key", issues=[Issue("/instance", "forged_origin", "this is central's own instance id")]
        )
    key_id = key_id_of(raw)
    with transaction.atomic():
        acquire_write_lock()
        known = TrustedKey.objects.filter(key_id=key_id).first()
        if known is not None:
            if (known.instance, known.country) != (name, wanted) or known.revoked_at is not None:
                raise ConflictError(f"key {key_id} is registered already, for another node or revoked")
            return known
        other = TrustedKey.objects.filter(instance=name).exclude(country=wanted).first()
        if other is not None:
            raise ConflictError(f"instance {name} is registered here as a node of {other.country or 'central'}")
        trusted = TrustedKey.objects.create(
            instance=name, key_id=key_id, public_key=base64.b64encode(raw).decode(), country=wanted,
            registered_at=timezone.now(),
        )  # fmt: skip
        _audit(actor, "key.registered", key_id=key_id, instance=name, country=wanted)
    return trusted


def revoke_key(actor: Actor, key_id: str) -> TrustedKey:
    """Refuse, from now on, bundles signed with another instance's key ``key_id``."""
    _require_administrator(actor)
    with transaction.atomic():
        acquire_write_lock()
        trusted = TrustedKey.objects.select_for_update().filter(key_id=key_id.strip()).first()
        if trusted is None:
            raise NotFoundError(f"no registered key {key_id[:40]!r}")
        if trusted.revoked_at is None:
            trusted.revoked_at = timezone.now()
            trusted.save(update_fields=["revoked_at"])
            _audit(actor, "key.revoked", key_id=trusted.key_id, instance=trusted.instance)
    return trusted


def verify(key_id: str, payload: bytes, signature: str, *, candidate: TrustedKey | None = None) -> TrustedKey:
    """The registered, unrevoked key that signed ``payload``; raises BadRequestError naming the problem.

    ``candidate``: a key not registered yet that a verified rotation chain introduces (unsaved)."""
    trusted = TrustedKey.objects.filter(key_id=key_id).first()
    if trusted is None and candidate is not None and candidate.key_id == key_id:
        trusted = candidate
    if trusted is None:
        raise BadRequestError(
            "unknown signing key",
            issues=[Issue("/key_id", "unknown_key", f"no key {key_id[:40]!r} is registered here")],
        )
    if trusted.revoked_at is not None:
        raise BadRequestError(
            "revoked signing key", issues=[Issue("/key_id", "revoked_key", f"key {key_id} was revoked")]
        )
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(trusted.public_key))
    try:
        public.verify(base64.b64decode(signature, validate=True), payload)
    except (InvalidSignature, binascii.Error, ValueError):
        raise BadRequestError(
            "the bundle's signature does not verify",
            issues=[Issue("/signature", "bad_signature", f"not signed by key {key_id}, or altered since")],
        ) from None
    return trusted
