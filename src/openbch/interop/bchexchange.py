"""Import of BCH-shaped documents (country decisions, competent authorities, laws) as our records.

:func:`import_bch_documents` maps every document with :func:`openbch.interop.bchshape.from_bch`,
resolves its references, and publishes them through :func:`openbch.records.services.publish_records`
(or saves them as drafts through :func:`openbch.records.workflow.create_draft`): the same
permission checks, validation, audit entries and change-log events as any other publication, and
all or nothing. :func:`import_harvested` does the same with the documents a ``bch-api`` harvest
recorded.

A record keeps the BCH document's GUID as its identifier and ``bch:<GUID>`` as its source key:
importing again changes nothing, a new BCH revision becomes a new revision here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from openbch.core.actors import Actor
from openbch.core.errors import BadRequestError, Issue, PermissionDeniedError, ValidationFailedError
from openbch.interop.bchshape import FromBch, from_bch
from openbch.interop.models import ExternalItem, Verdict
from openbch.interop.resolve import name_key
from openbch.records.models import Record
from openbch.records.policy import Action, allowed
from openbch.records.queries import PUBLIC_STATES, latest_revisions
from openbch.records.rows import select_where_in
from openbch.records.services import RecordInput, publish_records
from openbch.recordtypes.validate import GUID
from openbch.vocabularies import get_vocabulary

__all__ = ["BCH_SOURCE", "IMPORTABLE", "BchImportReport", "import_bch_documents", "import_harvested", "read_documents"]

BCH_SOURCE = "bch-api"
#: the BCH schemas a country imports, in the order their records can reference each other
IMPORTABLE = ("authority", "biosafetyLaw", "biosafetyDecision")
_MATCHED = (Verdict.MATCHED, Verdict.MATCHED_WITH_WARNING)


@dataclass
class BchImportReport:
    created: int = 0
    revised: int = 0
    unchanged: int = 0
    drafts: int = 0
    #: ``{"bch_identifier", "identifier", "type", "owner", "outcome"}`` per document
    records: list[dict[str, str]] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "revised": self.revised,
            "unchanged": self.unchanged,
            "drafts": self.drafts,
            "records": self.records,
            "warnings": [w.as_dict() for w in self.warnings],
        }


def read_documents(data: Any) -> list[Mapping[str, Any]]:
    """The documents of an import file: one document, a list of them, or ``{"documents": […]}``."""
    if isinstance(data, Mapping) and isinstance(data.get("documents"), list):
        data = data["documents"]
    documents = data if isinstance(data, list) else [data]
    if not documents or not all(isinstance(d, Mapping) for d in documents):
        raise BadRequestError('a BCH import is a document, a list of documents or {"documents": [...]}')
    return documents


def _schema(document: Mapping[str, Any]) -> str:
    header = document.get("header")
    return str(header.get("schema", "")) if isinstance(header, Mapping) else ""


def _bch_identifier(document: Mapping[str, Any]) -> str:
    header = document.get("header")
    return str(header.get("identifier", "")).strip() if isinstance(header, Mapping) else ""


def _located(issues: list[Issue], index: int, identifier: str) -> list[Issue]:
    where = {"document": index, "bch_identifier": identifier}
    return [Issue(i.path, i.code, i.message, i.severity, {**where, **i.location}) for i in issues]


def _existing_authorities(owners: set[str]) -> dict[tuple[str, str], str]:
    """(owner, name key of any name) → identifier of the owners' published competent authorities."""
    found: dict[tuple[str, str], str] = {}
    records = Record.objects.filter(type="CNA", owner__in=sorted(owners), state__in=PUBLIC_STATES)
    for item in latest_revisions(records):
        name = item.body.get("name")
        for text in name.values() if isinstance(name, Mapping) else []:
            if isinstance(text, str) and name_key(text):
                found.setdefault((item.record.owner, name_key(text)), item.record.identifier)
    return found


def _authority_name_keys(document: Mapping[str, Any]) -> list[str]:
    name = document.get("name")
    return [name_key(t) for t in (name.values() if isinstance(name, Mapping) else []) if isinstance(t, str)]


def _referenced(value: Any) -> set[str]:
    """Every GUID a document names in ``{"identifier": "GUID[@revision]"}`` (references, mostly)."""
    found: set[str] = set()
    if isinstance(value, Mapping):
        identifier = value.get("identifier")
        if isinstance(identifier, str):
            found.add(identifier.partition("@")[0].strip())
        for item in value.values():
            found |= _referenced(item)
    elif isinstance(value, list):
        for item in value:
            found |= _referenced(item)
    return found


def _government(document: Mapping[str, Any]) -> str:
    government = document.get("government")
    identifier = government.get("identifier") if isinstance(government, Mapping) else None
    return identifier.strip().upper() if isinstance(identifier, str) else ""


def import_bch_documents(
    actor: Actor,
    documents: Sequence[Mapping[str, Any]],
    *,
    country: str | None = None,
    draft: bool = False,
) -> BchImportReport:
    """Publish (or save as drafts) BCH documents of one country; all of them, or none.

    Raises PermissionDeniedError when the actor may not publish (or draft) the country's records,
    and ValidationFailedError listing every problem of every document (its ``document`` index and
    BCH identifier in each issue's location).
    """
    country = country.strip().upper() if country else None
    if country is not None and country.lower() not in get_vocabulary("countries"):
        raise ValidationFailedError(
            "unknown country", issues=[Issue("/country", "bch_wrong_government", f"{country!r} is not a country")]
        )
    issues: list[Issue] = []
    order = sorted(
        range(len(documents)),
        key=lambda i: IMPORTABLE.index(_schema(documents[i])) if _schema(documents[i]) in IMPORTABLE else -1,
    )
    action = Action.EDIT if draft else Action.PUBLISH
    for index in order:
        document = documents[index]
        schema = _schema(document)
        if schema not in IMPORTABLE:
            issues.extend(
                _located(
                    [
                        Issue(
                            "/header/schema",
                            "bch_unknown_schema",
                            f"{schema[:60]!r}: a country imports {', '.join(IMPORTABLE)} documents",
                        )
                    ],
                    index,
                    _bch_identifier(document),
                )
            )
    if issues:
        raise ValidationFailedError("the BCH documents are not valid; nothing was written", issues=issues)
    # permission first, before anything is looked up: the country named, else each document's own
    for index in order:
        owner = country or _government(documents[index])
        code = {"authority": "CNA", "biosafetyLaw": "LAW", "biosafetyDecision": "DEC"}[_schema(documents[index])]
        if owner and not allowed(actor, action, family="national", owner=owner, record_type=code):
            raise PermissionDeniedError(
                f"{actor.name} may not {'draft' if draft else 'publish'} {code} records of {owner}"
            )

    identifiers = {_bch_identifier(d) for d in documents if _bch_identifier(d)} | _referenced(documents)
    guids = sorted(i.upper() for i in identifiers if GUID.match(i))
    ours = {str(i).upper() for (i,) in select_where_in(Record, ["identifier"], "identifier", guids)}
    harvested: dict[str, str] = {}
    for external_id, record in (
        ExternalItem.objects.filter(source=BCH_SOURCE, verdict__in=_MATCHED, active=True)
        .exclude(record_identifier="")
        .values_list("external_id", "record_identifier")
    ):
        harvested[external_id.upper()] = record
    authorities = _existing_authorities({country} if country else {_government(d) for d in documents} - {""})
    # a harvested BCH authority (not in this import) is the published authority of its name here
    for external_id, fields in ExternalItem.objects.filter(
        source=BCH_SOURCE, subject="authority", active=True
    ).values_list("external_id", "fields"):
        key = (str(fields.get("government", "")).upper(), name_key(str(fields.get("authority_name", ""))))
        if key in authorities:
            harvested.setdefault(external_id.upper(), authorities[key])
    # the identifier each document's record gets; an authority already published here is that record
    target: dict[str, str] = {}
    skipped: dict[int, str] = {}
    for index in order:
        document, bch_id = documents[index], _bch_identifier(documents[index])
        if _schema(document) == "authority":
            owner = country or _government(document)
            known = next(
                (authorities[(owner, k)] for k in _authority_name_keys(document) if (owner, k) in authorities), None
            )
            if known is not None and known.upper() != bch_id.upper():
                target[bch_id.upper()] = known
                skipped[index] = known
                continue
        if GUID.match(bch_id):
            target[bch_id.upper()] = bch_id.upper()

    def resolve(guid: str) -> str | None:
        key = guid.strip().upper()
        return target.get(key) or (key if key in ours else None) or harvested.get(key)

    mapped: list[tuple[int, FromBch]] = []
    for index in order:
        if index in skipped:
            continue
        document = documents[index]
        try:
            result = from_bch(document, country=country, resolve=resolve)
        except ValidationFailedError as exc:
            issues.extend(_located(exc.issues, index, _bch_identifier(document)))
            continue
        mapped.append((index, result))
    if issues:
        raise ValidationFailedError("the BCH documents are not valid; nothing was written", issues=issues)

    report = BchImportReport()
    for index, known in skipped.items():
        bch_id = _bch_identifier(documents[index])
        report.records.append(
            {
                "bch_identifier": bch_id,
                "identifier": known,
                "type": "CNA",
                "owner": country or "",
                "outcome": "existing",
            }
        )
        report.warnings.extend(
            _located(
                [Issue("/name", "bch_matched_existing", f"the authority is the published {known}", "warning")],
                index,
                bch_id,
            )
        )
    for index, result in mapped:
        report.warnings.extend(_located(result.warnings, index, _bch_identifier(documents[index])))
    if draft:
        _save_drafts(actor, documents, mapped, report)
    else:
        _publish(actor, documents, mapped, report)
    return report


def _publish(
    actor: Actor, documents: Sequence[Mapping[str, Any]], mapped: list[tuple[int, FromBch]], report: BchImportReport
) -> None:
    inputs = []
    for index, result in mapped:
        bch_id = _bch_identifier(documents[index])
        inputs.append(
            RecordInput(
                result.record_type,
                result.owner,
                result.body,
                identifier=bch_id.upper() if GUID.match(bch_id) else None,
                source_key=f"bch:{bch_id}",
            )
        )

    def locate(position: int) -> dict[str, Any]:
        index = mapped[position][0]
        return {"document": index, "bch_identifier": _bch_identifier(documents[index])}

    published = publish_records(actor, inputs, location_of=locate)
    by_key = {r.source_key: r for r in published.records}
    report.created, report.revised, report.unchanged = published.created, published.revised, published.unchanged
    report.warnings.extend(published.warnings)
    for index, result in mapped:
        bch_id = _bch_identifier(documents[index])
        record = by_key.get(f"bch:{bch_id}")
        if record is None:
            record = Record.objects.filter(source_key=f"bch:{bch_id}").first()
            outcome = "unchanged"
        else:
            outcome = "published"
        report.records.append(
            {
                "bch_identifier": bch_id,
                "identifier": record.identifier if record else "",
                "type": result.record_type,
                "owner": result.owner,
                "outcome": outcome,
            }
        )


def _save_drafts(
    actor: Actor, documents: Sequence[Mapping[str, Any]], mapped: list[tuple[int, FromBch]], report: BchImportReport
) -> None:
    from openbch.records.workflow import create_draft

    # a draft gets an identifier of its own: references to documents of the same import follow it
    renamed: dict[str, str] = {}

    def follow(value: Any) -> Any:
        if isinstance(value, list):
            return [follow(v) for v in value]
        if isinstance(value, dict):
            if set(value) == {"identifier"} and isinstance(value["identifier"], str):
                guid, _, _ = value["identifier"].partition("@")
                if guid.upper() in renamed:
                    return {"identifier": renamed[guid.upper()]}
            return {k: follow(v) for k, v in value.items()}
        return value

    issues: list[Issue] = []
    with transaction.atomic():
        for index, result in mapped:
            bch_id = _bch_identifier(documents[index])
            try:
                saved = create_draft(
                    actor, record_type=result.record_type, owner=result.owner, body=follow(result.body)
                )
            except ValidationFailedError as exc:
                issues.extend(_located(exc.issues, index, bch_id))
                continue
            renamed[bch_id.upper()] = saved.record.identifier
            report.drafts += 1
            report.records.append(
                {
                    "bch_identifier": bch_id,
                    "identifier": saved.record.identifier,
                    "type": result.record_type,
                    "owner": result.owner,
                    "outcome": "draft",
                }
            )
        if issues:
            # raising inside the block rolls back the drafts already saved: all or nothing
            raise ValidationFailedError("the BCH documents are not valid; nothing was written", issues=issues)


def import_harvested(actor: Actor, *, country: str, draft: bool = False) -> BchImportReport:
    """Import the country's ``biosafetyDecision`` and ``authority`` documents of the last ``bch-api`` harvest."""
    items = ExternalItem.objects.filter(
        source=BCH_SOURCE, subject__in=("decision", "authority"), active=True
    ).select_related("payload")
    documents: list[Mapping[str, Any]] = []
    for item in items.order_by("external_id"):
        if str(item.fields.get("government", "")).upper() != country.strip().upper() or item.payload is None:
            continue
        documents.append(json.loads(bytes(item.payload.body).decode("utf-8-sig")))
    if not documents:
        raise BadRequestError(
            f"no harvested BCH decision or authority of {country.upper()}: run `openbch harvest run bch-api`"
        )
    return import_bch_documents(actor, documents, country=country, draft=draft)
