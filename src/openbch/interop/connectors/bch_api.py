"""The central BCH's public API: the index to list records, the storage to read each one.

Gather pages through ``GET /api/v2013/index/select`` (Solr JSON: ``{responseHeader, response:
{numFound, start, docs}}``) for each schema, with ``fq=_state_s:public``, ``fq=realm_ss:bch`` and
``fq=schema_s:<schema>``, as SCBD's own examples do; fetch ``GET /api/v2013/documents/{identifier}``
for each record. Paging continues from the saved cursor after a failure, and stops when a page is
empty or the declared count is reached, whichever comes first (a source that keeps answering
cannot keep a harvest going: ``max_pages`` bounds it too).

Besides the LMO registry (LMOs, genetic elements, organisms, matched to our records), countries'
decisions (``biosafetyDecision``) and their competent authorities (``authority``) are harvested as
items: a decision is read through :func:`openbch.interop.bchshape.from_bch`, so one that could not
be imported is rejected with the BCH field at fault. ``openbch bch import --harvested`` publishes
them as our records.

Identifiers from the index become URL paths, so anything but the API's own identifier shape
(``^[A-Za-z0-9\\-_]{11,128}$``) is refused rather than requested.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from openbch.core.errors import ValidationFailedError
from openbch.interop.bchshape import from_bch
from openbch.interop.connectors.base import (
    FetchTask,
    GatherContext,
    NormalisedItem,
    ParseError,
    Rejection,
    clean,
)
from openbch.interop.http import Fetched, Request

__all__ = ["BchApiConnector"]

IDENTIFIER = re.compile(r"^[A-Za-z0-9\-_]{11,128}$")
SUBJECTS = {
    "modifiedOrganism": "lmo",
    "dnaSequence": "element",
    "organism": "organism",
    "authority": "authority",
    "biosafetyDecision": "decision",
}
INDEX_FIELDS = (
    "identifier_s,uniqueIdentifier_s,schema_s,title_s,uniqueIdentification_s,transformationEvent_s,"
    "lmoScientificNames_ss,traitsHierarchy_EN_txt,government_s,updatedDate_dt"
)
_HINT_KEYS = (
    "uniqueIdentifier_s",
    "title_s",
    "lmoScientificNames_ss",
    "traitsHierarchy_EN_txt",
    "updatedDate_dt",
    "schema_s",
)


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ParseError(f"not JSON: {exc}") from None


def _text(value: Any) -> str:
    """An lstring's English (else first) text, or a plain string."""
    if isinstance(value, Mapping):
        value = value.get("en") or next(iter(value.values()), "")
    return clean(value) if isinstance(value, str) else ""


def _refs(value: Any) -> list[str]:
    items = value if isinstance(value, list) else []
    return [str(i["identifier"]).split("@", 1)[0] for i in items if isinstance(i, Mapping) and i.get("identifier")]


class BchApiConnector:
    def __init__(self, definition: Any) -> None:
        self.definition = definition
        self.options: Mapping[str, Any] = definition.options

    def gather(self, context: GatherContext) -> Iterator[FetchTask]:
        rows = int(self.options.get("rows", 100))
        max_pages = int(self.options.get("max_pages", 1000))
        for schema in self.options.get("schemas", ("modifiedOrganism",)):
            progress = context.cursor.setdefault(schema, {"start": 0, "done": False})
            for _ in range(max_pages):
                if progress["done"]:
                    break
                request = Request.of(
                    "api/v2013/index/select",
                    {
                        "q": "*:*",
                        "fq": ["_state_s:public", "realm_ss:bch", f"schema_s:{schema}"],
                        "fl": INDEX_FIELDS,
                        "sort": "identifier_s asc",
                        "start": str(progress["start"]),
                        "rows": str(rows),
                        "wt": "json",
                    },
                )
                page = _json(context.fetch(request).body)
                response = page.get("response") if isinstance(page, Mapping) else None
                if not isinstance(response, Mapping) or not isinstance(response.get("docs"), list):
                    raise ParseError("not a Solr select response (no response.docs)")
                docs = response["docs"]
                found = response.get("numFound")
                tasks = []
                for doc in docs:
                    identifier = str(doc.get("identifier_s", "")) if isinstance(doc, Mapping) else ""
                    if not IDENTIFIER.match(identifier):
                        context.cursor.setdefault("refused", []).append(identifier[:80])
                        continue
                    hint = {k: doc[k] for k in _HINT_KEYS if k in doc}
                    tasks.append(
                        FetchTask(Request.of(f"api/v2013/documents/{identifier}"), hint={**hint, "schema": schema})
                    )
                # the cursor moves only once this page's tasks are handed over (see harvest.py)
                yield from tasks
                progress["start"] += len(docs)
                total = found if isinstance(found, int) else None
                if not docs or (total is not None and progress["start"] >= total):
                    progress["done"] = True

    def parse(self, task: FetchTask, fetched: Fetched) -> Iterator[NormalisedItem | Rejection]:
        document = _json(fetched.body)
        if not isinstance(document, Mapping):
            raise ParseError("the document is not a JSON object")
        header = document.get("header") if isinstance(document.get("header"), Mapping) else {}
        assert isinstance(header, Mapping)
        identifier = str(header.get("identifier", ""))
        expected = task.request.path.rsplit("/", 1)[-1]
        if identifier != expected:
            yield Rejection(
                f"header.identifier {identifier[:80]!r} is not the requested {expected!r}", external_id=expected
            )
            return
        schema = str(header.get("schema") or task.hint.get("schema", ""))
        if schema not in SUBJECTS:
            yield Rejection(f"schema {schema[:40]!r} is not harvested", external_id=identifier)
            return
        hint = task.hint
        uid = clean(hint.get("uniqueIdentifier_s", "")).upper()
        template = self.options.get("record_url", "")
        url = (
            template.format(uid=uid.rsplit("-", 1)[0] if uid else identifier) if template else self.definition.homepage
        )
        fields: dict[str, Any] = {"bch_uid": uid, "schema": schema}
        identifiers: list[str] = []
        if schema == "modifiedOrganism":
            unique = clean(document.get("uniqueIdentification"))
            names = hint.get("lmoScientificNames_ss") or []
            traits = hint.get("traitsHierarchy_EN_txt") or []
            fields.update(
                event_name=clean(document.get("transformationEvent")),
                unique_identifier=unique,
                lmo_name=_text(document.get("identity")),
                scientific_name=clean(names[0]) if isinstance(names, list) and names else "",
                traits=[clean(t) for t in traits if isinstance(t, str) and clean(t)]
                if isinstance(traits, list)
                else [],
                gene_refs=_refs(document.get("genes")),
                parent_refs=_refs(document.get("recipientOrganisms")),
            )
            if unique and document.get("hasUniqueIdentification", True):
                identifiers.append(unique)
            name = fields["lmo_name"] or fields["event_name"] or unique or identifier
        elif schema == "dnaSequence":
            synonyms = document.get("synonymNames") or []
            fields.update(
                element_name=_text(document.get("name")),
                abbreviation=_text(document.get("abbreviation")),
                synonyms=[_text(s) for s in synonyms if _text(s)] if isinstance(synonyms, list) else [],
            )
            name = fields["element_name"] or fields["abbreviation"] or identifier
        elif schema == "biosafetyDecision":
            # read in the BCH's shape (bchshape.py): a document that would not import is rejected
            # here, named, rather than found out later by `openbch bch import --harvested`
            try:
                mapped = from_bch(document)
            except ValidationFailedError as exc:
                problems = "; ".join(f"{i.path} {i.code}" for i in exc.issues)
                yield Rejection(f"not an importable BCH decision: {problems}"[:500], external_id=identifier)
                return
            body = mapped.body
            fields.update(
                government=mapped.owner.lower(),
                title=_text(body.get("title")),
                date=str(body.get("date", "")),
                decision_types=[t["identifier"] for t in body.get("decisionTypes", [])],
                lmo_refs=_refs(document.get("modifiedOrganisms")),
                authority_refs=_refs(document.get("authorities")),
            )
            name = fields["title"] or identifier
        elif schema == "authority":
            government = document.get("government")
            fields.update(
                government=clean(government.get("identifier")).lower() if isinstance(government, Mapping) else "",
                authority_name=_text(document.get("name")),
            )
            name = fields["authority_name"] or identifier
        else:
            common = document.get("commonNames") or []
            fields.update(
                scientific_name=clean(document.get("scientificName")),
                common_names=[_text(c) for c in common if _text(c)] if isinstance(common, list) else [],
            )
            name = fields["scientific_name"] or identifier
        yield NormalisedItem(
            external_id=identifier,
            subject=SUBJECTS[schema],
            name=name,
            fields=fields,
            identifiers=identifiers,
            url=url,
        )
