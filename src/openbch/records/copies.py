"""Copies of another instance's records: the one service federation writes them through.

A national node mirrors the central clearing-house's reference records and other countries'
records; central receives the records a node publishes. Either way a copy is the origin's
revision, kept as it was: the same identifier, number and revision (so the same record UID on
every instance), the same body (its content hash is checked, so a copy altered on the way is
refused), the origin's publication time and publisher, and the origin instance and change-log
sequence number. It gets a local change-log event like any publication, so search and this
instance's own change feed see it.

:func:`store_copies` applies changes in their origin's order (publications and withdrawals) and is
idempotent: a revision already held with the same content is skipped, so a page applied twice
changes nothing. It refuses, naming the change and the field, and writing nothing of the batch:

* a body whose hash is not the hash given (``content_hash``);
* a revision that does not follow the one held (a gap: ``revision``), or that is held with other
  content (``conflict``: two instances published different revision N of one record);
* a record whose type or owner differs from the one held, or whose number another record holds
  (``number_taken``: a node set up again that minted its earlier numbers);
* a body that is not a valid record of its type (the origin validated it; a forged one may not be).

References to records this instance does not hold are kept: a node holding only some countries
keeps its copies' links to the others as they are.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from openbch.core.actors import Actor
from openbch.core.errors import Issue, NotFoundError, PermissionDeniedError, ValidationFailedError
from openbch.records.locking import acquire_write_lock
from openbch.records.models import Record, RecordState, Revision
from openbch.records.policy import Action, allowed
from openbch.records.publishing import Derived, Origin, PreparedRevision, derive, write_revisions
from openbch.records.rows import select_where_in
from openbch.records.withdrawal import write_withdrawal
from openbch.recordtypes import get_record_type
from openbch.recordtypes.validate import GUID, validate

__all__ = ["BodyText", "CheckedChange", "CopiedChange", "CopyConflict", "CopyReport", "check_change", "store_copies"]


@dataclass(frozen=True)
class CopiedChange:
    """One change of the origin's change log, with the revision it names."""

    kind: str  # "published" or "withdrawn"
    identifier: str
    type: str
    owner: str
    number: int
    revision: int
    body: Mapping[str, Any]
    content_hash: str
    origin: Origin
    withdrawn_at: dt.datetime | None = None
    withdrawn_reason: str = ""
    #: where the change came from, for error messages (``changes[3]``)
    where: str = ""
    #: :func:`check_change`'s result, when the reader of the change worked it out already (a pull's
    #: second process does, see federation.readahead); else store_copies works it out
    checked: CheckedChange | None = None


class BodyText(Mapping[str, Any]):
    """A record body held as its canonical JSON and parsed when first read. A pull's reader process
    sends checked bodies this way (federation.readahead): storing a checked copy needs only the
    text, and pickling a page's bodies as dicts cost the pull more than its reader saved it."""

    __slots__ = ("_parsed", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._parsed: dict[str, Any] | None = None

    def _body(self) -> dict[str, Any]:
        if self._parsed is None:
            self._parsed = json.loads(self.text)
        return self._parsed

    def __getitem__(self, key: str) -> Any:
        return self._body()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._body())

    def __len__(self) -> int:
        return len(self._body())

    def __reduce__(self) -> tuple[type[BodyText], tuple[str]]:
        return BodyText, (self.text,)


@dataclass(frozen=True)
class CheckedChange:
    """What store_copies works out from a change alone, with no database: the problems of its body,
    and for a publication the languages and what storage derives from the body."""

    issues: tuple[Issue, ...]
    languages: tuple[str, ...] = ()
    derived: Derived | None = None


@dataclass(frozen=True)
class CopyConflict:
    """A revision held here with other content than the change brings (set aside, not written)."""

    change: CopiedChange
    held_hash: str
    held_body: dict[str, Any]


@dataclass
class CopyReport:
    published: int = 0
    withdrawn: int = 0
    #: changes already applied (same revision and content held): a replay
    unchanged: int = 0
    records: list[Record] = field(default_factory=list)
    #: with ``set_aside_conflicts``: the changes that conflict with a revision held here
    conflicts: list[CopyConflict] = field(default_factory=list)


class _Batch:
    """Consecutive publications of distinct records, written with one ``write_revisions``."""

    def __init__(self) -> None:
        self.items: list[PreparedRevision] = []
        self.identifiers: set[str] = set()


def _issue(change: CopiedChange, path: str, code: str, message: str) -> Issue:
    return Issue(f"{change.where}{path}", code, message)


def check_change(change: CopiedChange) -> CheckedChange:
    """The checks of ``change`` that need no database: its identifier, type, content hash and body."""
    issues = []
    if not GUID.match(change.identifier):
        issues.append(_issue(change, "/identifier", "invalid_identifier", "not a GUID"))
    try:
        record_type = get_record_type(change.type)
    except NotFoundError as exc:
        return CheckedChange((*issues, _issue(change, "/type", "unknown_type", exc.message)))
    if change.kind != "published":
        return CheckedChange(tuple(issues))
    derived = derive(record_type, change.body, expected_hash=change.content_hash)
    if derived.hash != change.content_hash:
        issues.append(
            _issue(change, "/content_hash", "hash_mismatch", "the body's SHA-256 is not the content hash given")
        )
    result = validate(record_type, dict(change.body), level="publish", owner=change.owner)
    issues.extend(_issue(change, f"/body{e.path}", e.code, e.message) for e in result.errors)
    return CheckedChange(tuple(issues), tuple(sorted(result.languages)), derived)


def store_copies(actor: Actor, changes: Sequence[CopiedChange], *, set_aside_conflicts: bool = False) -> CopyReport:
    """Apply ``changes`` (in their origin's order) in one transaction: all of them, or none.

    With ``set_aside_conflicts``, a revision held here with other content is not an error: the change
    is left out and reported in ``conflicts`` (federation records it for the owner to resolve), and the
    other changes are applied."""
    report = CopyReport()
    with transaction.atomic():
        acquire_write_lock()
        identifiers = {c.identifier.upper() for c in changes}
        # plain lookups by key: compiling an ORM ``__in`` of a page's 5,000 values cost more than running it
        held_ids = [pk for (pk,) in select_where_in(Record, ["id"], "identifier", identifiers)]
        held = {r.identifier: r for r in Record.objects.filter(pk__in=held_ids)} if held_ids else {}
        by_pk = {r.pk: r.identifier for r in held.values()}
        held_hashes: dict[tuple[str, int], str] = {
            (by_pk[record_id], revision): digest
            for record_id, revision, digest in select_where_in(
                Revision, ["record", "revision", "content_hash"], "record", by_pk
            )
        }
        numbers: dict[int, str] = dict(
            select_where_in(Record, ["number", "identifier"], "number", {c.number for c in changes})
        )
        # the revision each record is at, as the batch goes (a page may publish and withdraw one record)
        at_revision = {i: r.revision for i, r in held.items()}
        errors: list[Issue] = []
        batch = _Batch()
        now = timezone.now()

        def flush() -> None:
            if batch.items:
                written = write_revisions(actor, batch.items, at=now)
                report.records.extend(written)
                report.published += len(written)
                held.update((r.identifier, r) for r in written)
                batch.items, batch.identifiers = [], set()

        for change in changes:
            identifier = change.identifier.upper()
            checked = change.checked or check_change(change)
            try:
                record_type = get_record_type(change.type)
            except NotFoundError:  # named among the checked issues
                errors.extend(checked.issues)
                continue
            record = held.get(identifier)
            action = Action.PUBLISH if change.kind == "published" else Action.WITHDRAW
            if not allowed(actor, action, family=record_type.family, owner=change.owner, record_type=record_type.code):
                raise PermissionDeniedError(
                    f"{actor.name} may not {action} {record_type.code} records of {change.owner} ({change.where})"
                )
            issues = list(checked.issues)
            if record is not None and (record.type != change.type or record.owner != change.owner):
                issues.append(
                    _issue(
                        change,
                        "/type",
                        "conflict",
                        f"{record.identifier} is held here as a {record.type} of {record.owner}",
                    )
                )
            if issues:
                errors.extend(issues)
                continue
            current = at_revision.get(identifier, 0)
            if change.kind == "published":
                known = held_hashes.get((identifier, change.revision))
                if known is not None or change.revision <= current:
                    if known == change.content_hash:
                        report.unchanged += 1
                    elif set_aside_conflicts and known is not None:
                        flush()  # the held revision may be one of this batch's
                        held_body = Revision.objects.filter(
                            record__identifier=identifier, revision=change.revision
                        ).values_list("body", flat=True)[0]
                        report.conflicts.append(CopyConflict(change, known, held_body))
                    else:
                        errors.append(
                            _issue(
                                change,
                                "/revision",
                                "conflict",
                                f"revision {change.revision} of {identifier} is held here with other content",
                            )
                        )
                    continue
                if change.revision != current + 1:
                    errors.append(
                        _issue(
                            change,
                            "/revision",
                            "revision_gap",
                            f"revision {change.revision} of {identifier} does not follow the one held ({current})",
                        )
                    )
                    continue
                owner_of_number = numbers.get(change.number)
                if owner_of_number is not None and owner_of_number != identifier:
                    errors.append(
                        _issue(
                            change, "/number", "number_taken", f"number {change.number} is held by {owner_of_number}"
                        )
                    )
                    continue
                if identifier in batch.identifiers:
                    flush()
                batch.identifiers.add(identifier)
                assert checked.derived is not None
                prepared = PreparedRevision(
                    record_type=record_type,
                    owner=change.owner,
                    body=change.body,
                    identifier=identifier,
                    languages=list(checked.languages),
                    existing=held.get(identifier),
                    previous_hash=held_hashes.get((identifier, current), ""),
                    origin=change.origin,
                    given=checked.derived,
                )
                batch.items.append(prepared)
                at_revision[identifier] = change.revision
                numbers[change.number] = identifier
                held_hashes[(identifier, change.revision)] = change.content_hash
            else:
                flush()
                record = held.get(identifier)
                if record is None or current < change.revision:
                    errors.append(
                        _issue(
                            change,
                            "/revision",
                            "revision_gap",
                            f"withdrawal of revision {change.revision} of {identifier}, which is not held here",
                        )
                    )
                    continue
                if record.state == RecordState.WITHDRAWN:
                    report.unchanged += 1
                    continue
                write_withdrawal(
                    actor,
                    record,
                    reason=change.withdrawn_reason,
                    at=now,
                    withdrawn_at=change.withdrawn_at,
                    origin_seq=change.origin.seq,
                    origin=change.origin.instance,
                )
                report.withdrawn += 1
        if errors:
            raise ValidationFailedError(f"{len(errors)} change(s) refused; nothing was applied", issues=errors)
        flush()
    return report
