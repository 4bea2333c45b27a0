"""What a search hit carries beside its title (the record type's identifying fields, the record's
own date, never the day it was loaded), and that a rebuilt index holds what incremental updates
built."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import tantivy
from django.test import Client

from openbch.core.actors import SYSTEM
from openbch.records.models import ChangeEvent, Record, RecordState
from openbch.records.queries import latest_revisions
from openbch.records.services import RecordInput, publish_records
from openbch.records.workflow import withdraw
from openbch.recordtypes import get_record_type
from openbch.recordtypes.definition import DefinitionError, compile_definition
from openbch.search.index import _apply_events, build_schema, open_searcher, rebuild, register_analyzers
from openbch.search.query import facet_catalogue
from openbch.vocabularies import get_vocabulary

pytestmark = pytest.mark.django_db


def search(client: Client, params: dict[str, Any]) -> dict[str, Any]:
    response = client.get("/api/v1/search", params)
    assert response.status_code == 200, response.content
    data: dict[str, Any] = response.json()
    return data


def fields_of(hit: dict[str, Any]) -> dict[str, str]:
    return {f["name"]: f["value"] for f in hit["fields"]}


def test_an_lmo_hit_carries_its_unique_identifier_as_registered_and_no_load_date(client: Client) -> None:
    hit = search(client, {"q": "mon 00810 6"})["results"][0]
    assert hit["type"] == "LMO"
    assert hit["unique_identifier"] == "MON-ØØ81Ø-6"
    assert fields_of(hit) == {"uniqueIdentification": "MON-ØØ81Ø-6", "transformationEvent": "MON810"}
    assert [f["label"] for f in hit["fields"]] == ["Unique identifier", "Transformation event"]
    # an LMO has no date of its own: the day the demo data was loaded is not one
    assert hit["date"] is None
    assert hit["country"] is None


def test_a_decision_hit_carries_its_country_decision_date_and_reference_number(client: Client) -> None:
    found = search(client, {"type": "DEC", "country": "CA", "limit": 50})["results"]
    bodies = {
        p.record.identifier: p.body
        for p in latest_revisions(Record.objects.filter(identifier__in=[h["identifier"] for h in found]))
    }
    assert len(found) == 50
    for hit in found:
        body = bodies[hit["identifier"]]
        assert hit["country"] == "CA"
        assert hit["date"] == body["date"]  # the source's decision date
        assert hit["unique_identifier"] is None
        expected = {"government": "Canada", "date": body["date"]}
        if body.get("referenceNumber"):
            expected["referenceNumber"] = body["referenceNumber"]
        assert fields_of(hit) == expected
    assert found[0]["fields"][0]["label"] == "Country submitting the decision or communication"


def test_hit_fields_speak_the_requested_language(client: Client) -> None:
    hit = search(client, {"type": "DEC", "country": "CA", "limit": 1, "lang": "fr"})["results"][0]
    government = next(f for f in hit["fields"] if f["name"] == "government")
    assert government["value"] == get_vocabulary("countries").terms["ca"].label_in("fr") == "Canada"
    assert government["label"] == get_record_type("DEC").fields["government"].label_in("fr")
    method = search(client, {"type": "DM", "limit": 1, "lang": "fr"})["results"][0]
    body = latest_revisions(Record.objects.filter(identifier=method["identifier"]))[0].body
    method_type = get_vocabulary("detection-method-types").terms[body["methodType"]["identifier"]]
    assert fields_of(method) == {"methodCode": body["methodCode"], "methodType": method_type.label_in("fr")}


def test_a_detection_method_hit_carries_its_code_and_type(client: Client) -> None:
    hits = search(client, {"type": "DM", "limit": 20})["results"]
    assert hits
    items = {p.record.identifier: p.body for p in latest_revisions(Record.objects.filter(type="DM"))}
    vocabulary = get_vocabulary("detection-method-types")
    for hit in hits:
        body = items[hit["identifier"]]
        assert fields_of(hit) == {
            "methodCode": body["methodCode"],
            "methodType": vocabulary.terms[body["methodType"]["identifier"]].label_in("en"),
        }
        assert hit["date"] is None and hit["country"] is None


def test_the_spec_documents_the_hit_fields(client: Client) -> None:
    spec = client.get("/api/openapi.json").json()
    hit = spec["components"]["schemas"]["SearchHit"]["properties"]
    for name in ("unique_identifier", "country", "date", "fields"):
        assert hit[name].get("description"), name
    assert set(spec["components"]["schemas"]["HitField"]["properties"]) == {"name", "label", "value"}


# -- the definitions declare the hit fields ------------------------------------------------------


def _decision_definition() -> dict[str, Any]:
    return copy.deepcopy(dict(get_record_type("DEC").raw))


def test_hit_fields_default_to_country_date_and_oecd_identifiers() -> None:
    raw = _decision_definition()
    del raw["hit_fields"]
    assert compile_definition(raw).hit_fields == ("government", "date")
    lmo = copy.deepcopy(dict(get_record_type("LMO").raw))
    del lmo["hit_fields"]
    assert compile_definition(lmo).hit_fields == ("uniqueIdentification",)
    assert compile_definition(lmo).date_field is None


@pytest.mark.parametrize(
    ("hit_fields", "message"),
    [
        (["nowhere"], "unknown field 'nowhere'"),
        (["modifiedOrganisms"], "hit_fields.modifiedOrganisms is a reference field"),
        (["date", "date"], "names a field twice"),
        ("date", "a list of field names"),
    ],
)
def test_a_bad_hit_fields_declaration_is_refused_naming_the_key(hit_fields: Any, message: str) -> None:
    raw = {**_decision_definition(), "hit_fields": hit_fields}
    with pytest.raises(DefinitionError, match=message):
        compile_definition(raw)


def test_date_field_must_name_a_date_field() -> None:
    with pytest.raises(DefinitionError, match="date_field 'title' is not a date field"):
        compile_definition({**_decision_definition(), "date_field": "title"})
    assert compile_definition({**_decision_definition(), "date_field": "receiptDate"}).date_field == "receiptDate"


# -- a rebuild gives the documents incremental indexing gave ---------------------------------------


def _snapshot(index: tantivy.Index) -> dict[str, Any]:
    """Every stored field of every document, and what the unstored fields answer: each facet's
    counts, date and title order, a few searches on every text field."""
    index.reload()
    searcher = index.searcher()
    everything = tantivy.Query.all_query()
    total = searcher.search(everything, 1, count=True).count  # type: ignore[attr-defined]
    documents = {}
    for _, address in searcher.search(everything, total + 1).hits:
        doc = searcher.doc(address).to_dict()
        stored = {
            k: [bytes(v).decode() if isinstance(v, bytes | list) and k in ("titles", "hit") else str(v) for v in vs]
            for k, vs in doc.items()
        }
        documents[doc["identifier"][0]] = stored
    aggregations = {name: {"terms": {"field": f"facets.{name}", "size": 10_000}} for name in facet_catalogue().facets}
    facets = searcher.aggregate(everything, aggregations)
    orders = {}
    for field in ("date_key", "tsort_en", "tsort_ar"):
        hits = searcher.search(everything, total + 1, order_by_field=field, order=tantivy.Order.Asc).hits
        orders[field] = [searcher.doc(address)["uid"][0] for _, address in hits]
    queries = {}
    for text, fields in [
        ("maize", ["text"]),
        ("maize", ["fold"]),
        ("glufosinate", ["related"]),
        ("MON008106", ["related_keys"]),
        ("MON008106", ["keys"]),
        ("maïs", ["stem_fr"]),
        ("tolerance", ["stem_en"]),
    ]:
        hits = searcher.search(index.parse_query(text, fields), total + 1).hits
        queries[f"{fields[0]}:{text}"] = sorted(searcher.doc(address)["uid"][0] for _, address in hits)
    return {"documents": documents, "facets": facets, "orders": orders, "queries": queries}


def test_a_rebuild_holds_the_same_documents_as_incremental_indexing(tmp_path: Path) -> None:
    decision = latest_revisions(Record.objects.filter(type="DEC", owner="CA", state=RecordState.PUBLISHED))[0]
    lmo_id = decision.body["modifiedOrganisms"][0]["identifier"]
    lmo = latest_revisions(Record.objects.filter(identifier=lmo_id.split("@")[0]))[0]
    # a new decision, a new revision of an LMO (its decisions are re-indexed), a withdrawal
    body = copy.deepcopy(decision.body)
    body["title"] = {"en": "Incremental decision", "fr": "Décision incrémentale"}
    body["date"] = "2024-02-29"
    publish_records(SYSTEM, [RecordInput("DEC", "CA", body)])
    lmo_body = copy.deepcopy(lmo.body)
    lmo_body["tradeNames"] = [*lmo_body.get("tradeNames", []), "Incremental™"]
    publish_records(SYSTEM, [RecordInput("LMO", "SCBD", lmo_body, identifier=lmo.record.identifier)])
    other = latest_revisions(Record.objects.filter(type="ORGA", state=RecordState.PUBLISHED))[0]
    withdraw(SYSTEM, identifier=other.record.identifier, reason="test")
    # incremental: every event of the change log applied in turn to an empty index, as updates do
    replayed = register_analyzers(tantivy.Index(build_schema(), path=str(tmp_path)))
    assert _apply_events(replayed, 0, facet_catalogue())[0] == ChangeEvent.objects.count()
    incremental = _snapshot(replayed)
    assert "Incremental™" in json.dumps(incremental["documents"][lmo.record.identifier], ensure_ascii=False)
    assert other.record.identifier not in incremental["documents"]
    assert rebuild() == len(incremental["documents"])
    rebuilt = _snapshot(open_searcher()[0])
    assert rebuilt["documents"].keys() == incremental["documents"].keys()
    for identifier, document in rebuilt["documents"].items():
        assert document == incremental["documents"][identifier], identifier
    assert rebuilt == incremental
