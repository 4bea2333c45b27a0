"""Key rotation that reaches the other side: rotation statements, key chains, and accepting them.

When an instance rotates its key (:func:`openbch.federation.keys.generate_key`), the old private
key signs a **rotation statement**: the canonical JSON of ``{"format", "instance",
"previous_key_id", "key_id", "public_key", "at"}``. An instance's **key chain** is its current key
and its rotation statements, oldest first; it serves it at ``GET
/api/v1/federation/keys/{instance}`` (:func:`own_chain`) and puts the statements in every bundle's
envelope (``key_chain``), since a bundle may reach a node that never reaches central online.

Another instance accepts a key it does not know only through statements: walking back from that
key, each statement must be signed by the key before it, down to a key registered here and not
revoked (:func:`verify_rotations`, read only); then each key on the way is registered, bound as the
key it descends from (instance, country), each audited as ``key.rotated``
(:func:`accept_rotation`). Never trust on first use: a chain that reaches no key trusted here is
refused, and so is one that passes through a revoked key (a revoked key may be in the wrong hands:
what it signed vouches for nothing). :func:`refresh_keys` does both on a node for central's chain
(``openbch keys refresh``; ``openbch sync run`` calls it too). Refused, with a named issue code and
nothing written: ``unknown_instance``, ``wrong_instance``, ``invalid_statement``, ``forked_chain``,
``untrusted_chain``, ``revoked_key``, ``bad_signature``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from openbch.core.actors import Actor
from openbch.core.errors import BadRequestError, ConflictError, Issue, NotFoundError, PermissionDeniedError
from openbch.federation.keys import ROTATION_FORMAT, _public_raw, key_id_of
from openbch.federation.models import Node, SigningKey, TrustedKey
from openbch.records.audit import AuditEvent, append_audit
from openbch.records.hashing import canonical_json
from openbch.records.locking import acquire_write_lock

__all__ = [
    "FetchChain",
    "RefreshReport",
    "Rotation",
    "accept_rotation",
    "own_chain",
    "refresh_keys",
    "verify_rotations",
]

#: more statements than any instance makes in its life: a longer list is refused unread
MAX_ROTATIONS = 1000

#: asks the other instance for its key chain: instance id → the document ``own_chain`` answers there
FetchChain = Callable[[str], Any]


@dataclass(frozen=True)
class _Step:
    """One verified-in-form rotation statement (its signature is checked by :func:`verify_rotations`)."""

    where: str
    instance: str
    previous_key_id: str
    key_id: str
    public_key: str
    at: str
    signed: bytes
    signature: str


@dataclass(frozen=True)
class Rotation:
    """A chain verified from ``anchor`` (a key trusted here) to ``key``; ``steps`` oldest first, empty
    when ``key`` is trusted here already."""

    anchor: TrustedKey
    steps: tuple[_Step, ...]
    #: the newest key, unsaved while ``steps`` is not empty (it is what :func:`accept_rotation` saves)
    key: TrustedKey


@dataclass
class RefreshReport:
    instance: str
    #: the other instance's current key
    key_id: str
    #: the key trusted here the chain was verified from
    trusted_from: str
    #: the keys newly trusted, oldest first (empty: nothing changed)
    accepted: list[str] = field(default_factory=list)


def _refuse(path: str, code: str, message: str) -> BadRequestError:
    return BadRequestError(message, issues=[Issue(path, code, message)])


def own_chain(instance: str | None = None) -> dict[str, Any]:
    """This instance's key chain: ``{"instance", "key_id", "public_key", "rotations"}``, the rotations
    ``[{"statement", "signature"}]`` oldest first. ``instance``: the id asked for; another than this
    instance's is not found (it serves its own chain only)."""
    if instance is not None and instance != str(settings.INSTANCE_ID):
        raise NotFoundError(
            f"this is instance {settings.INSTANCE_ID}, not {instance[:64]!r}",
            issues=[Issue("/instance", "unknown_instance", f"no key chain of {instance[:64]!r} here")],
        )
    current = SigningKey.objects.filter(retired_at__isnull=True).order_by("-created_at").first()
    if current is None:
        raise NotFoundError(
            "this instance has no signing key",
            issues=[Issue("/instance", "unknown_instance", f"{settings.INSTANCE_ID} signs nothing yet")],
        )
    rotations = [
        {"statement": json.loads(k.rotation_statement), "signature": k.rotation_signature}
        for k in SigningKey.objects.exclude(rotation_statement="").order_by("created_at", "pk")
    ]
    return {
        "instance": str(settings.INSTANCE_ID),
        "key_id": current.key_id,
        "public_key": current.public_key,
        "rotations": rotations,
    }


def _text(statement: dict[str, Any], name: str, where: str) -> str:
    value = statement.get(name)
    if not isinstance(value, str) or not value or len(value) > 200:
        raise _refuse(f"{where}/statement/{name}", "invalid_statement", f"the statement's {name} is missing")
    return value


def _steps(rotations: Any, path: str) -> list[_Step]:
    if not isinstance(rotations, list) or len(rotations) > MAX_ROTATIONS:
        raise _refuse(path, "invalid_statement", f"a list of at most {MAX_ROTATIONS} rotation statements expected")
    steps: list[_Step] = []
    for index, item in enumerate(rotations):
        where = f"{path}/{index}"
        statement = item.get("statement") if isinstance(item, dict) else None
        signature = item.get("signature") if isinstance(item, dict) else None
        if not isinstance(statement, dict) or not isinstance(signature, str):
            raise _refuse(where, "invalid_statement", "a rotation is {statement, signature}")
        if statement.get("format") != ROTATION_FORMAT:
            raise _refuse(f"{where}/statement/format", "invalid_statement", f"not an {ROTATION_FORMAT} statement")
        key_id, public_key = _text(statement, "key_id", where), _text(statement, "public_key", where)
        if key_id_of(_public_raw(public_key, f"{where}/statement/public_key")) != key_id:
            raise _refuse(f"{where}/statement/key_id", "invalid_statement", f"{key_id} is not the public key's id")
        steps.append(
            _Step(
                where=where,
                instance=_text(statement, "instance", where),
                previous_key_id=_text(statement, "previous_key_id", where),
                key_id=key_id,
                public_key=public_key,
                at=_text(statement, "at", where),
                signed=canonical_json(statement).encode("utf-8"),
                signature=signature,
            )
        )
    return steps


def _signed_by(public_key: str, step: _Step) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key)).verify(
            base64.b64decode(step.signature, validate=True), step.signed
        )
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def verify_rotations(rotations: Any, key_id: str, *, path: str, instance: str | None = None) -> Rotation:
    """The chain of ``rotations`` (statements, any order) that leads from a key trusted here to
    ``key_id``, each step signed by the key before it; raises BadRequestError naming the problem.
    Writes nothing. ``instance``: whose chain it must be (None: the trusted key's it starts from)."""
    steps = _steps(rotations, path)
    introducing: dict[str, _Step] = {}
    for step in steps:
        if step.key_id in introducing and introducing[step.key_id].previous_key_id != step.previous_key_id:
            raise _refuse(step.where, "forked_chain", f"two statements introduce key {step.key_id}")
        introducing[step.key_id] = step
    wanted = {key_id} | {s.key_id for s in steps} | {s.previous_key_id for s in steps}
    known = {k.key_id: k for k in TrustedKey.objects.filter(key_id__in=wanted)}
    # walk back from the key to the first key known here: it must be trusted (never a revoked one)
    path_back: list[_Step] = []
    current = key_id
    while (anchor := known.get(current)) is None:
        introduced = introducing.get(current)
        if introduced is None or len(path_back) > len(steps):  # no statement introduces it, or a cycle
            raise _refuse(
                path,
                "untrusted_chain",
                f"no chain of rotation statements leads from a key trusted here to key {key_id[:40]}",
            )
        path_back.append(introduced)
        current = introduced.previous_key_id
    if anchor.revoked_at is not None:
        raise _refuse(path, "revoked_key", f"key {anchor.key_id} was revoked here: no key it vouches for is accepted")
    if instance is not None and anchor.instance != instance:
        raise _refuse(path, "wrong_instance", f"key {anchor.key_id} is {anchor.instance}'s here, not {instance}'s")
    chain = tuple(reversed(path_back))
    signer = anchor.public_key
    for step in chain:
        if step.instance != anchor.instance:
            raise _refuse(
                f"{step.where}/statement/instance",
                "wrong_instance",
                f"the statement is {step.instance[:64]}'s, the chain {anchor.instance}'s",
            )
        if not _signed_by(signer, step):
            raise _refuse(
                f"{step.where}/signature",
                "bad_signature",
                f"the statement introducing key {step.key_id} is not signed by key {step.previous_key_id}",
            )
        signer = step.public_key
    if not chain:
        return Rotation(anchor, (), anchor)
    newest = TrustedKey(
        instance=anchor.instance, key_id=chain[-1].key_id, public_key=chain[-1].public_key, country=anchor.country
    )
    return Rotation(anchor, chain, newest)


def accept_rotation(actor: Actor, rotation: Rotation, *, how: str) -> TrustedKey:
    """Register the keys a verified chain introduces (as the key it starts from: instance, country),
    each audited as ``key.rotated``; returns the newest. ``how``: ``refresh`` or ``bundle``."""
    with transaction.atomic():
        acquire_write_lock()
        anchor = TrustedKey.objects.select_for_update().get(pk=rotation.anchor.pk)
        if anchor.revoked_at is not None:
            raise _refuse("/key_id", "revoked_key", f"key {anchor.key_id} was revoked meanwhile")
        # a bundle older than one already applied stays refused under the new key too
        held = TrustedKey.objects.filter(instance=anchor.instance).values_list("received_seq", flat=True)
        received = max(held, default=0)
        newest, now = anchor, timezone.now()
        for step in rotation.steps:
            found = TrustedKey.objects.filter(key_id=step.key_id).first()
            if found is not None:  # accepted meanwhile (another refresh or import)
                if found.instance != anchor.instance or found.revoked_at is not None:
                    raise _refuse("/key_id", "revoked_key", f"key {step.key_id} is revoked or another instance's")
                newest = found
                continue
            newest = TrustedKey.objects.create(
                instance=anchor.instance, key_id=step.key_id, public_key=step.public_key, country=anchor.country,
                registered_at=now, received_seq=received,
            )  # fmt: skip
            details = {
                "instance": anchor.instance,
                "key_id": step.key_id,
                "previous_key_id": step.previous_key_id,
                "rotated_at": step.at,
                "via": how,
            }
            append_audit(actor, [AuditEvent("key.rotated", country=anchor.country, details=details)], at=now)
    return newest


def _central_instance(instance: str) -> str:
    if instance:
        if not TrustedKey.objects.filter(instance=instance).exists():
            raise _refuse("/instance", "unknown_instance", f"no key of {instance[:64]!r} is trusted here")
        return instance
    # at a node, central's keys are the ones bound to no country
    names = sorted(set(TrustedKey.objects.filter(country="").values_list("instance", flat=True)))
    if not names:
        raise _refuse(
            "/instance", "unknown_instance", "no key of central is trusted here: run 'openbch keys trust' once first"
        )
    if len(names) > 1:
        raise _refuse("/instance", "unknown_instance", f"keys of {', '.join(names)} are trusted here: name one")
    return names[0]


def http_chain_fetcher(base_url: str, *, timeout: float = 30.0) -> FetchChain:
    """Asks ``GET /api/v1/federation/keys/{instance}`` at ``base_url``."""
    from openbch.client import OpenBCHClient

    def fetch(instance: str) -> Any:
        with OpenBCHClient(base_url, timeout=timeout) as client:
            return client.key_chain(instance)

    return fetch


def refresh_keys(actor: Actor, *, fetch: FetchChain | None = None, instance: str = "") -> RefreshReport:
    """Ask the other instance (on a node: central, by default the instance whose keys are trusted
    here without a country) for its key chain, and trust its current key if the chain leads to it
    from a key trusted here (module docstring). Nothing changes when it is trusted already."""
    if not actor.is_administrator:
        raise PermissionDeniedError(f"{actor.name} may not manage keys: it needs the administrator role")
    name = _central_instance(instance.strip())
    if fetch is None:
        node = Node.objects.first()
        if node is None:
            raise ConflictError("this instance is not a national node: it has no central to ask")
        fetch = http_chain_fetcher(node.central_url)
    from openbch.client import ApiError

    try:
        document = fetch(name)
    except ApiError as exc:
        if exc.status == 404:
            raise _refuse(
                "/instance", "unknown_instance", f"the other side has no key chain of {name}: {exc}"
            ) from None
        raise
    if not isinstance(document, dict) or document.get("instance") != name:
        got = document.get("instance") if isinstance(document, dict) else None
        raise _refuse("/instance", "wrong_instance", f"asked for {name}'s key chain, got {str(got)[:64]!r}'s")
    key_id, public_key = document.get("key_id"), document.get("public_key")
    if not isinstance(key_id, str) or not isinstance(public_key, str):
        raise _refuse("/key_id", "invalid_statement", "the chain names no current key")
    if key_id_of(_public_raw(public_key, "/public_key")) != key_id:
        raise _refuse("/key_id", "invalid_statement", f"{key_id[:40]} is not the public key's id")
    rotation = verify_rotations(document.get("rotations"), key_id, path="/rotations", instance=name)
    report = RefreshReport(name, key_id, rotation.anchor.key_id)
    if rotation.steps:
        accept_rotation(actor, rotation, how="refresh")
        report.accepted = [step.key_id for step in rotation.steps]
    return report
