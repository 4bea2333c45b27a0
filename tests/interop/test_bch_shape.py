"""Exchange with the central BCH in its document shape: the mapping table, import, export.

The oracle for the table is SCBD's own field list (``shared/data/bch-schema-thesaurus-reference``);
the recorded decisions are the ``bch-api`` payloads, harvested and imported as a country would.
"""

from __future__ import annotations

import copy
import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from openbch.accounts.services import create_token, create_user, grant_role
from openbch.core.actors import SYSTEM, Actor, Grant, Role
from openbch.core.errors import PermissionDeniedError, ValidationFailedError
from openbch.interop.bchexchange import import_bch_documents, import_harvested
from openbch.interop.bchshape import OTHER_TERM, SCHEMAS, from_bch, mapping, render_mapping_doc, to_bch
from openbch.interop.http import BundledFetcher, Request
from openbch.interop.services import harvest
from openbch.records.models import Draft, Record
from openbch.records.queries import find_lmos_by_oecd_uid, get_published, latest_revisions
from openbch.records.services import RecordInput, publish_records
from openbch.recordtypes import get_record_type, record_types
from openbch.vocabularies import get_vocabulary

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parents[2]
EU_AUTHORITY = "European Commission"
DOC_TYPES = {"dec": "DEC", "lmo": "LMO", "cna": "CNA", "law": "LAW", "ira": "IRA"}


def recorded(identifier: str) -> dict[str, Any]:
    fetcher = BundledFetcher("bch-api")
    return dict(json.loads(fetcher.read(fetcher.resolve(Request(f"api/v2013/documents/{identifier}")))))  # type: ignore[arg-type]


def recorded_of(schema: str) -> list[dict[str, Any]]:
    folder = REPO / "src/openbch/interop/payloads/bch-api/documents"
    documents = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.iterdir())]
    return [d for d in documents if d["header"]["schema"] == schema]


def eu_decision(title_start: str) -> dict[str, Any]:
    return next(d for d in recorded_of("biosafetyDecision") if d["title"]["en"].startswith(title_start))


def publish_eu_authority() -> str:
    """The EU's published authority of the recorded name (the demo data may hold it already)."""
    for item in latest_revisions(Record.objects.filter(type="CNA", owner="EU", state="published")):
        if item.body.get("name", {}).get("en") == EU_AUTHORITY:
            return item.record.identifier
    body = {
        "government": {"identifier": "eu"},
        "name": {"en": EU_AUTHORITY},
        "city": {"en": "Brussels"},
        "country": {"identifier": "be"},
        "responsibilities": {"en": "Authorisation of genetically modified food and feed in the European Union."},
    }
    report = publish_records(SYSTEM, [RecordInput("CNA", "EU", body)])
    return report.records[0].identifier


def mon810() -> str:
    return find_lmos_by_oecd_uid("MON-ØØ81Ø-6")[0].identifier


@pytest.fixture
def bch_harvest() -> None:
    run = harvest(SYSTEM, "bch-api")
    assert run.status == "succeeded", run.errors


# -- the table ------------------------------------------------------------------------------------


def test_every_field_of_the_bch_schema_documentation_is_in_the_table(shared_data: Path) -> None:
    tsv = shared_data / "bch-schema-thesaurus-reference" / "bch_schema_fields.tsv"
    with tsv.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    for doc, code in DOC_TYPES.items():
        documented = {r["field"] for r in rows if r["schema_doc"] == doc}
        table = mapping()[code]
        assert set(table.by_bch()) == documented, code
        for row in table.fields:
            assert row.status in ("maps", "partly", "not")
            if row.status != "maps":
                assert len(row.note) > 20, f"{code}.{row.bch or row.ours}: say why"
        mandatory = {r["field"] for r in rows if r["schema_doc"] == doc and r["mandatory"].lower() == "true"}
        assert {r.bch for r in table.fields if r.mandatory} == mandatory, code
        # and every field of ours is in the table, so an export never drops one silently
        assert set(get_record_type(code).fields) == set(table.by_ours()), code


def test_the_documentation_is_generated_from_the_table() -> None:
    written = (REPO / "docs" / "bch-exchange.md").read_text(encoding="utf-8")
    assert written == render_mapping_doc(), (
        "regenerate: .venv/bin/python -m openbch.interop.bchshape > docs/bch-exchange.md"
    )
    assert "| `decisionTypes` † | Term[] | `decisionTypes` | partly |" in written
    assert "| `absJurisdiction` † | Term[] | — | not | ABSCH (or CHM) only" in written


# -- import ---------------------------------------------------------------------------------------


def test_the_recorded_eu_decisions_import_as_published_decisions(bch_harvest: None) -> None:
    authority = publish_eu_authority()
    report = import_harvested(SYSTEM, country="EU")
    assert (report.created, report.revised, report.unchanged) == (2, 0, 0)
    assert [r["outcome"] for r in report.records] == ["existing", "published", "published"]
    mon810_doc = eu_decision("Commission Decision 98/294/EC")
    found = get_published(mon810_doc["header"]["identifier"])
    assert (found.record.type, found.record.owner, found.record.source_key) == (
        "DEC",
        "EU",
        f"bch:{mon810_doc['header']['identifier']}",
    )
    assert found.body == {
        "government": {"identifier": "eu"},
        "authorities": [{"identifier": authority}],
        "title": mon810_doc["title"],
        "date": "1998-04-22",
        "isAmendment": False,
        "decisionTypes": [{"identifier": "8.1"}, {"identifier": "8.2"}],
        "modifiedOrganisms": [{"identifier": mon810()}],
        "relevantInformation": {"en": "Authorisation (food and feed uses, including cultivation)."},
        "expires": False,
    }
    mon88017 = get_published(eu_decision("Commission Decision 2009/814/EC")["header"]["identifier"])
    assert mon88017.body["modifiedOrganisms"] == [{"identifier": find_lmos_by_oecd_uid("MON-88Ø17-3")[0].identifier}]
    assert mon88017.body["decisionTypes"] == [{"identifier": "8.2"}]
    again = import_harvested(SYSTEM, country="EU")  # the source key makes it idempotent
    assert (again.created, again.revised, again.unchanged) == (0, 0, 2)


def test_canadas_recorded_decision_uses_the_published_cfia(bch_harvest: None) -> None:
    cfia = Record.objects.get(source_key="cna/ca/cfia").identifier
    before = Record.objects.filter(type="CNA", owner="CA").count()
    report = import_harvested(SYSTEM, country="CA")
    assert report.created == 1 and Record.objects.filter(type="CNA", owner="CA").count() == before
    assert any(w.code == "bch_matched_existing" for w in report.warnings)
    decision = next(r for r in report.records if r["type"] == "DEC")
    body = get_published(decision["identifier"]).body
    assert body["authorities"] == [{"identifier": cfia}] and body["modifiedOrganisms"] == [{"identifier": mon810()}]
    assert body["date"] == "1997-01-22" and body["decisionTypes"] == [{"identifier": "8.1"}]


def test_a_file_with_its_authority_imports_both_and_drafts_are_all_or_nothing(bch_harvest: None) -> None:
    authority = {
        "header": {"identifier": "0A0B0C0D-1111-4222-8333-444455556666", "schema": "authority", "languages": ["en"]},
        "government": {"identifier": "eu"},
        "name": {"en": "Another authority"},
        "city": {"en": "Brussels"},
        "country": {"identifier": "be"},
        "phones": ["+32 2 000 00 00"],
        "emails": ["someone@example.org"],
        "responsibleForAll": False,
        "responsibilities": {"en": "Food and feed."},
        "absJurisdiction": [{"identifier": "x"}],
    }
    decision = eu_decision("Commission Decision 98/294/EC")
    decision["authorities"] = [{"identifier": authority["header"]["identifier"]}]
    report = import_bch_documents(SYSTEM, [decision, authority], country="EU")
    assert report.created == 2 and [r["type"] for r in report.records] == ["CNA", "DEC"]
    assert {w.path for w in report.warnings if w.code == "bch_not_mapped"} == {"/absJurisdiction"}
    assert get_published(decision["header"]["identifier"]).body["authorities"] == [
        {"identifier": authority["header"]["identifier"]}
    ]
    # drafts: the decision's draft follows the authority's draft
    other = copy.deepcopy(decision)
    other["header"]["identifier"] = "0A0B0C0D-1111-4222-8333-777788889999"
    other_authority = copy.deepcopy(authority)
    other_authority["header"]["identifier"] = "0A0B0C0D-1111-4222-8333-000011112222"
    other_authority["name"] = {"en": "A third authority"}
    other["authorities"] = [{"identifier": other_authority["header"]["identifier"]}]
    drafts = import_bch_documents(SYSTEM, [other, other_authority], country="EU", draft=True)
    assert drafts.drafts == 2
    saved = Draft.objects.get(record__identifier=drafts.records[1]["identifier"])
    assert saved.body["authorities"] == [{"identifier": drafts.records[0]["identifier"]}]
    # a draft that fails leaves no draft behind
    count = Draft.objects.count()
    broken = copy.deepcopy(other)
    broken["header"]["identifier"] = "0A0B0C0D-1111-4222-8333-123412341234"
    broken["authorities"] = [{"identifier": drafts.records[0]["identifier"]}]
    fine = copy.deepcopy(broken)
    fine["header"]["identifier"] = "0A0B0C0D-1111-4222-8333-432143214321"
    broken["amendedRecords"] = [{"identifier": mon810()}]  # allowed only when isAmendment
    with pytest.raises(ValidationFailedError):
        import_bch_documents(SYSTEM, [fine, broken], country="EU", draft=True)
    assert Draft.objects.count() == count


@pytest.mark.parametrize(
    ("change", "path", "code"),
    [
        (lambda d: d.pop("date"), "/date", "bch_missing_field"),
        (lambda d: d.pop("expires"), "/expires", "bch_missing_field"),
        (lambda d: d["decisionTypes"].append({"identifier": "NOT-A-BCH-TERM"}), "/decisionTypes/2", "bch_unknown_term"),
        (
            lambda d: d.update(decisionResult={"identifier": OTHER_TERM, "customValue": {"en": "Maybe"}}),
            "/decisionResult",
            "bch_unknown_term",
        ),
        (lambda d: d.update(government={"identifier": "ca"}), "/government", "bch_wrong_government"),
        (
            lambda d: d.update(modifiedOrganisms=[{"identifier": "99999999-9999-4999-8999-999999999999"}]),
            "/modifiedOrganisms/0",
            "bch_unresolved_reference",
        ),
        (lambda d: d.update(isAmendment="no"), "/isAmendment", "bch_invalid_value"),
        (lambda d: d["header"].update(schema="modifiedOrganism"), "/header/schema", "bch_unknown_schema"),
    ],
)
def test_bad_documents_are_refused_by_field_and_nothing_is_written(
    bch_harvest: None, change: Any, path: str, code: str
) -> None:
    publish_eu_authority()
    document = eu_decision("Commission Decision 98/294/EC")
    change(document)
    before = Record.objects.count()
    with pytest.raises(ValidationFailedError) as failed:
        import_bch_documents(SYSTEM, [document], country="EU")
    assert (path, code) in {(i.path, i.code) for i in failed.value.issues}, failed.value.issues
    assert all(i.location["document"] == 0 for i in failed.value.issues)
    assert Record.objects.count() == before


def test_a_country_cannot_import_another_countrys_decisions(bch_harvest: None) -> None:
    publish_eu_authority()
    canada = Actor(name="ca-npa", grants=(Grant(Role.NATIONAL_PUBLISHING_AUTHORITY, "CA"),), user_id=4242)
    document = eu_decision("Commission Decision 98/294/EC")
    before = Record.objects.count()
    with pytest.raises(PermissionDeniedError):
        import_bch_documents(canada, [document], country="EU")
    with pytest.raises(PermissionDeniedError):  # nor by leaving the country out
        import_bch_documents(canada, [document])
    with pytest.raises(ValidationFailedError) as failed:  # nor by claiming the document is Canada's
        import_bch_documents(canada, [document], country="CA")
    assert ("/government", "bch_wrong_government") in [(i.path, i.code) for i in failed.value.issues]
    authorized = Actor(name="ca-user", grants=(Grant(Role.NATIONAL_AUTHORIZED_USER, "CA"),), user_id=4243)
    canadian = recorded_of("biosafetyDecision")
    ca = next(d for d in canadian if d["government"]["identifier"] == "ca")
    with pytest.raises(PermissionDeniedError):  # an authorized user drafts, never publishes
        import_bch_documents(authorized, [ca], country="CA")
    assert Record.objects.count() == before
    assert import_bch_documents(authorized, [ca], country="CA", draft=True).drafts == 1
    assert import_bch_documents(canada, [ca], country="CA").created == 1


def token(username: str, role: str, country: str, scopes: list[str]) -> str:
    create_user(SYSTEM, username=username, password="a long enough passphrase")
    grant_role(SYSTEM, username=username, role=role, country=country)
    return create_token(SYSTEM, name="bch", scopes=scopes, owner=username).plaintext


def test_the_import_route_needs_the_countrys_write_token(bch_harvest: None, client: Client) -> None:
    publish_eu_authority()
    eu = eu_decision("Commission Decision 98/294/EC")
    ca = next(d for d in recorded_of("biosafetyDecision") if d["government"]["identifier"] == "ca")

    def post(body: dict[str, Any], bearer: str | None = None) -> Any:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {bearer}"} if bearer else {}
        return client.post("/api/v1/bch/import", body, content_type="application/json", **headers)

    before = Record.objects.count()
    assert post({"country": "EU", "documents": [eu]}).status_code == 401
    canada = token("ca-npa", "national-publishing-authority", "CA", ["read", "write"])
    refused = post({"country": "EU", "documents": [eu]}, canada)
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    reader = token("ca-reader", "national-publishing-authority", "CA", ["read"])
    assert post({"country": "CA", "documents": [ca]}, reader).status_code == 403
    broken = {**ca, "decisionTypes": [{"identifier": "NOT-A-BCH-TERM"}]}
    invalid = post({"country": "CA", "documents": [broken]}, canada)
    assert invalid.status_code == 422
    assert {"path": "/decisionTypes/0", "code": "bch_unknown_term"}.items() <= invalid.json()["errors"][0].items()
    assert Record.objects.count() == before
    done = post({"country": "CA", "documents": [ca]}, canada)
    assert done.status_code == 200, done.content
    assert done.json()["created"] == 1 and done.json()["records"][-1]["identifier"] == ca["header"]["identifier"]
    assert get_published(ca["header"]["identifier"]).record.owner == "CA"


# -- export and round trip ------------------------------------------------------------------------

LAW_BODY: dict[str, Any] = {
    "government": {"identifier": "ca"},
    "title": {"en": "Seeds Regulations, Part V", "fr": "Règlement sur les semences, partie V"},
    "description": {"en": "Release of plants with novel traits."},
    "type": {"identifier": "law"},
    "entryIntoForce": "1996-12-11",
    "documents": [{"url": "https://laws-lois.justice.gc.ca/eng/regulations/C.R.C.,_c._1400/", "name": "Text"}],
    "isAmendment": False,
    "cpbSubjectAreas": [{"identifier": "all-functions"}],
    "cpbOrganismTypes": [{"identifier": "animals"}],
    "jurisdiction": {"en": "National"},
    "expires": True,
}
IRA_BODY: dict[str, Any] = {
    "title": {"en": "An independent assessment"},
    "date": "2010-05-01",
    "dateOfRaNotAvailable": False,
    "modifiedOrganisms": [{"identifier": "0A0B0C0D-1111-4222-8333-444455556666"}],
    "scopes": [{"identifier": "environmental-release"}],
    "documents": [{"url": "https://example.org/ra.pdf", "language": "en"}],
    "adverseEffects": {"en": "None identified."},
    "expires": False,
}


def carried(code: str, body: dict[str, Any]) -> dict[str, Any]:
    rows = mapping()[code].by_ours()
    return {k: v for k, v in body.items() if rows[k].carried}


def test_our_records_go_to_the_bch_shape_and_back_keeping_every_mapped_field() -> None:
    bodies: dict[str, list[dict[str, Any]]] = {"LAW": [LAW_BODY], "IRA": [IRA_BODY]}
    for code in ("DEC", "LMO", "CNA"):
        for item in latest_revisions(Record.objects.filter(type=code).order_by("number")[:60]):
            bodies.setdefault(code, []).append(item.body)
    richer = dict(bodies["DEC"][0])
    richer.update(
        uses=[{"identifier": "feed"}, {"identifier": "food"}],
        decisionTypes=[
            {"identifier": "8.2"},
            {"identifier": "8.1-domestic"},
            {"identifier": "other", "customValue": {"en": "A note"}},
        ],
        documents=[{"url": "https://example.org/d.pdf", "name": "Decision", "language": "en"}],
        amendedRecords=[{"identifier": "0A0B0C0D-1111-4222-8333-444455556666@2"}],
        extensionPeriod=30,
    )
    bodies["DEC"].append(richer)
    bodies["LMO"].append(
        {
            **bodies["LMO"][0],
            "geneConstructs": [
                {"identifier": "0A0B0C0D-1111-4222-8333-444455556666", "type": "sense", "size": 1.2},
                {"identifier": "0A0B0C0D-1111-4222-8333-777788889999", "type": "antisense"},
            ],
        }
    )
    for code in DOC_TYPES.values():
        assert bodies[code], code
        for body in bodies[code]:
            document = to_bch(code, body, identifier="0A0B0C0D-1111-4222-8333-444455556666")
            assert document["header"]["schema"] == mapping()[code].schema
            try:
                back = from_bch(json.loads(json.dumps(document)))
            except ValidationFailedError as exc:
                raise AssertionError((code, exc.issues, body)) from None
            assert back.record_type == code
            assert back.body == body, code  # _openbch.unmapped comes back too
            bare = {k: v for k, v in document.items() if k != "_openbch"}  # what the BCH itself keeps
            assert from_bch(json.loads(json.dumps(bare))).body == carried(code, body), code
            unmapped = {k for k in body if not mapping()[code].by_ours()[k].carried}
            assert set(document["_openbch"].get("unmapped", {})) == unmapped
    exported = to_bch("DEC", richer, identifier="0A0B0C0D-1111-4222-8333-444455556666")
    assert exported["uses"] == [
        {"identifier": OTHER_TERM, "customValue": dict(get_vocabulary("ffp-uses").terms["feed"].label)},
        {"identifier": "91BEAF12-ABE1-4294-AD3B-507935894C78"},
    ]
    assert exported["decisionTypes"][0] == {"identifier": "BE64016A-C3BD-4C61-9620-C3FEF96B2A24"}
    assert exported["government"] == {"identifier": "ca"}


def test_the_api_answers_every_record_type_in_the_bch_shape(client: Client) -> None:
    ira = {**IRA_BODY, "modifiedOrganisms": [{"identifier": mon810()}]}
    publish_records(SYSTEM, [RecordInput("LAW", "CA", LAW_BODY), RecordInput("IRA", "SCBD", ira)])
    seen = set()
    for code in record_types():
        record = Record.objects.filter(type=code, state="published").order_by("number").first()
        if record is None:
            continue
        seen.add(code)
        found = get_published(record.identifier)
        response = client.get(f"/api/v1/records/{found.uid}/bch")
        assert response.status_code == 200, (code, response.content)
        data = response.json()
        assert data["header"]["identifier"] == record.identifier and data["header"]["schema"] == SCHEMAS[code]
        assert data["_openbch"]["uid"] == found.uid and data["_openbch"]["type"] == code
        if code in mapping():
            assert data["_openbch"]["mapping"] == "table"
            expected = {
                k: v for k, v in to_bch(code, found.body, identifier=record.identifier).items() if k != "_openbch"
            }
            assert {k: v for k, v in data.items() if k not in ("_openbch", "header")} == {
                k: v for k, v in expected.items() if k != "header"
            }
        elif SCHEMAS[code] is None:
            assert set(data) == {"header", "_openbch"} and data["_openbch"]["unmapped"]
        else:
            assert data["_openbch"]["mapping"] == "same-name" and data["_openbch"]["unchecked"]
        again = client.get(f"/api/v1/records/{found.uid}/bch", HTTP_IF_NONE_MATCH=response["ETag"])
        assert again.status_code == 304
    assert {"DEC", "LMO", "CNA", "LAW", "IRA", "GENE", "ORGA", "DM"} <= seen
    decision = Record.objects.filter(type="DEC", source_key="dec/ca/mon810/env").get()
    data = client.get(f"/api/v1/records/{decision.identifier}/bch").json()
    assert data["_openbch"]["unmapped"] == {"referenceNumber": "DD97-19"}
    assert data["decisionTypes"][0] == {"identifier": "E8C5A15C-A736-4fb7-A1B6-192412BE7E45"}
    assert client.get("/api/v1/records/BCH-DEC-CA-99999999/bch").status_code == 404
    # a national node imports what another exported: the same record, nothing lost, nothing changed
    report = import_bch_documents(SYSTEM, [data], country="CA")
    assert (report.created, report.revised, report.unchanged) == (0, 0, 1)
    assert get_published(decision.identifier).revision.revision == 1


def test_the_cli_names_the_document_and_field_and_exits_1(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENBCH_", "DJANGO_"))}
    openbch = str(Path(sys.executable).with_name("openbch"))
    document = eu_decision("Commission Decision 98/294/EC")
    del document["date"]
    bad = tmp_path / "decision.json"
    bad.write_text(json.dumps(document), encoding="utf-8")
    data = str(tmp_path / "data")
    assert subprocess.run([openbch, "migrate", "--data-dir", data], env=env, check=False).returncode == 0
    result = subprocess.run(
        [openbch, "bch", "import", str(bad), "--country", "EU", "--data-dir", data],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    assert result.returncode == 1
    assert "document 0 /date bch_missing_field" in result.stderr
