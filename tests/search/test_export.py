"""GET /api/v1/export: streamed CSV, JSON Lines and XLSX with the search filters, on the demo data."""

from __future__ import annotations

import csv
import io
import json
import secrets
import xml.etree.ElementTree as ET
import zipfile
from typing import Any

import pytest
from django.http import StreamingHttpResponse
from django.test import Client

from openbch.core.actors import SYSTEM
from openbch.records.models import Record, RecordState
from openbch.records.services import RecordInput, publish_records
from openbch.recordtypes import get_record_type
from openbch.search.export import csv_safe
from openbch.search.xlsx import clean_text, column_name, stream_xlsx
from openbch.vocabularies import get_vocabulary

pytestmark = pytest.mark.django_db

SHEET = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def parse_xml(data: bytes) -> ET.Element:
    return ET.fromstring(data)  # noqa: S314  (our own output, which these tests check)


def export(client: Client, params: dict[str, Any]) -> StreamingHttpResponse:
    response = client.get("/api/v1/export", params)
    assert response.status_code == 200, response.content if not response.streaming else response.status_code
    assert isinstance(response, StreamingHttpResponse)
    return response


def body(response: StreamingHttpResponse) -> bytes:
    return b"".join(response.streaming_content)  # type: ignore[arg-type]


def total(client: Client, params: dict[str, Any]) -> int:
    count: int = client.get("/api/v1/search", {**params, "limit": 1}).json()["total"]
    return count


def test_csv_has_the_definition_columns_and_one_row_per_search_result(client: Client) -> None:
    params = {"type": "DEC", "country": "CA"}
    response = export(client, {**params, "format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="openbch-decision.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(body(response).decode("utf-8"))))
    assert rows[0] == ["uid", "owner", "revision", *get_record_type("DEC").export]
    assert (
        len(rows) - 1
        == total(client, params)
        == Record.objects.filter(type="DEC", owner="CA", state=RecordState.PUBLISHED).count()
    )
    uids = [r[0] for r in rows[1:]]
    assert len(set(uids)) == len(uids)
    published = {r.uid for r in Record.objects.filter(type="DEC", owner="CA", state=RecordState.PUBLISHED)}
    assert set(uids) == published


def test_csv_filters_labels_and_multiple_values(client: Client) -> None:
    params = {"type": "DEC", "decisionTypes": "8.2", "traits": "resistance-to-herbicides", "lang": "fr"}
    rows = list(csv.DictReader(io.StringIO(body(export(client, params)).decode("utf-8"))))
    assert len(rows) == total(client, params) > 0
    vocabulary = get_vocabulary("decision-types")
    french = vocabulary.terms["8.2"].label_in("fr")
    assert all(french in row["decisionTypes"].split("; ") for row in rows)
    assert any("; " in row["decisionTypes"] for row in rows)  # 8.2 and its narrower term, joined
    assert all(row["government"] == "Canada" for row in rows)
    assert all(row["modifiedOrganisms"] for row in rows)  # referenced LMOs by title, not GUID
    assert not any(row["modifiedOrganisms"].count("-") == 4 and len(row["modifiedOrganisms"]) == 36 for row in rows)


def test_the_columns_are_those_of_the_type_of_the_filters_or_those_all_records_share(client: Client) -> None:
    response = export(client, {"decisionTypes": "8.1"})
    assert body(response).decode("utf-8").splitlines()[0].startswith("uid,owner,revision,government")
    assert 'filename="openbch-decision.csv"' in response["Content-Disposition"]
    params = {"q": "MON810"}
    mixed = export(client, params)
    rows = list(csv.reader(io.StringIO(body(mixed).decode("utf-8"))))
    assert rows[0] == ["uid", "owner", "revision", "type", "title", "date"]
    assert len(rows) - 1 == total(client, params) > 0
    assert {"LMO", "DEC"} <= {row[3] for row in rows[1:]}
    refused = client.get("/api/v1/export", {"type": ["DEC", "LMO"]})
    assert refused.status_code == 400 and refused["Content-Type"] == "application/problem+json"


def test_csv_cells_that_would_run_as_formulas_are_neutralised(client: Client) -> None:
    publish_records(SYSTEM, [RecordInput("ORGA", "SCBD", {"scientificName": '=HYPERLINK("http://x","y")'})])
    publish_records(SYSTEM, [RecordInput("ORGA", "SCBD", {"scientificName": "@SUM(1+1)"})])
    rows = list(csv.DictReader(io.StringIO(body(export(client, {"type": "ORGA"})).decode("utf-8"))))
    names = {row["scientificName"] for row in rows}
    assert '\'=HYPERLINK("http://x","y")' in names and "'@SUM(1+1)" in names
    assert not any(name.startswith(("=", "+", "-", "@")) for name in names)
    assert [csv_safe(v) for v in ("-1", "+x", "a=b", "\tx")] == ["'-1", "'+x", "a=b", "'\tx"]


def test_jsonl_rows_keep_lists(client: Client) -> None:
    params = {"type": "LMO", "q": "maize"}
    response = export(client, {**params, "format": "jsonl"})
    assert response["Content-Type"].startswith("application/x-ndjson")
    lines = body(response).decode("utf-8").splitlines()
    assert len(lines) == total(client, params) > 0
    rows = [json.loads(line) for line in lines]
    assert list(rows[0]) == ["uid", "owner", "revision", *get_record_type("LMO").export]
    assert all(isinstance(row["traits"], list) for row in rows)
    mon810 = next(row for row in rows if row["uniqueIdentification"] == ["MON-ØØ81Ø-6"])
    assert mon810["recipientOrganisms"] == ["Zea mays"]


def test_xlsx_is_a_zip_with_a_sheet_of_the_values(client: Client) -> None:
    params = {"type": "DEC", "country": "CA"}
    response = export(client, {**params, "format": "xlsx"})
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    archive = zipfile.ZipFile(io.BytesIO(body(response)))
    assert archive.testzip() is None
    assert {
        "[Content_Types].xml",
        "_rels/.rels",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/styles.xml",
        "xl/worksheets/sheet1.xml",
    } <= set(archive.namelist())
    for name in archive.namelist():
        parse_xml(archive.read(name))  # every part is well-formed XML
    rows = parse_xml(archive.read("xl/worksheets/sheet1.xml")).iter(f"{SHEET}row")
    values = [[c.findtext(f"{SHEET}is/{SHEET}t") for c in row.iter(f"{SHEET}c")] for row in rows]
    assert values[0] == ["uid", "owner", "revision", *get_record_type("DEC").export]
    assert len(values) - 1 == total(client, params)
    uids = {row[0] for row in values[1:]}
    assert uids == {r.uid for r in Record.objects.filter(type="DEC", owner="CA", state=RecordState.PUBLISHED)}


def test_the_xlsx_writer_escapes_and_strips_what_xml_forbids() -> None:
    nasty = ["<b>&amp;</b>", "bell\x07tab\tok", "\ud800lone surrogate", "x" * 40_000, "=1+1", ""]
    data = b"".join(stream_xlsx([["h1", "h2", "h3", "h4", "h5", "h6"], nasty], sheet_name='A/B: "[x]'))
    archive = zipfile.ZipFile(io.BytesIO(data))
    workbook = parse_xml(archive.read("xl/workbook.xml"))
    assert workbook.find(f"{SHEET}sheets/{SHEET}sheet").get("name") == 'A B  " x'  # type: ignore[union-attr]
    sheet = parse_xml(archive.read("xl/worksheets/sheet1.xml"))
    cells = {c.get("r"): c.findtext(f"{SHEET}is/{SHEET}t") for c in sheet.iter(f"{SHEET}c")}
    assert cells["A2"] == "<b>&amp;</b>"
    assert cells["B2"] == "belltab\tok"
    assert cells["C2"] == "lone surrogate"
    assert cells["D2"] == "x" * 32_767
    assert cells["E2"] == "=1+1"  # an inline string, never a formula
    assert "F2" not in cells
    assert clean_text("a\x00b<") == "ab&lt;"
    assert [column_name(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]


def test_the_xlsx_writer_streams_in_chunks() -> None:
    consumed = 0

    def rows() -> Any:
        nonlocal consumed
        for i in range(5000):
            consumed += 1
            yield [f"value {i}", secrets.token_hex(100)]  # incompressible, so bytes leave at once

    chunks = []
    consumed_at_chunk = []
    for chunk in stream_xlsx(rows(), flush_every=500):
        chunks.append(chunk)
        consumed_at_chunk.append(consumed)
    assert min(c for c, chunk in zip(consumed_at_chunk, chunks, strict=True) if chunk and c) < 5000
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    sheet = parse_xml(archive.read("xl/worksheets/sheet1.xml"))
    assert sum(1 for _ in sheet.iter(f"{SHEET}row")) == 5000


def test_export_reads_nothing_until_streamed(client: Client, django_assert_max_num_queries: Any) -> None:
    from openbch.search.service import export_rows, prepare_export

    plan = prepare_export({"type": ["DEC"]}, "en")
    with django_assert_max_num_queries(0):
        rows = export_rows(plan)
    assert next(rows)[:3] == ["uid", "owner", "revision"]


MALICIOUS = {
    "sql": "' OR 1=1 --",
    "fts": 'title:* OR "',
    "nul": "maize\x00",
    "10kb": "a" * 10_240,
}
EXPORT_PARAMETERS = [
    "q",
    "type",
    "country",
    "lang",
    "date_from",
    "date_to",
    "format",
    "decisionTypes",
    "traits",
    "genes",
]


@pytest.mark.parametrize("payload", list(MALICIOUS), ids=list(MALICIOUS))
@pytest.mark.parametrize("parameter", EXPORT_PARAMETERS)
def test_malicious_values_in_every_export_parameter_are_refused(client: Client, parameter: str, payload: str) -> None:
    params = {"type": "DEC", parameter: MALICIOUS[payload]}
    response = client.get("/api/v1/export", params)
    assert 400 <= response.status_code < 500, (parameter, payload, response.status_code)
    assert not response.streaming and response["Content-Type"] == "application/problem+json"


def test_the_bulk_reads_give_what_the_orm_gives() -> None:
    from openbch.records.queries import PUBLIC_STATES, latest_by_identifiers, latest_by_numbers, latest_revisions
    from openbch.records.workflow import withdraw

    organisms = list(Record.objects.filter(type="ORGA", state=RecordState.PUBLISHED).order_by("number")[:2])
    withdraw(SYSTEM, identifier=organisms[0].identifier, reason="test of the bulk read")
    publish_records(
        SYSTEM, [RecordInput("ORGA", "SCBD", {"scientificName": "Bulkus"}, identifier=organisms[1].identifier)]
    )

    records = list(Record.objects.filter(state__in=PUBLIC_STATES).order_by("number"))
    expected = {
        p.record.identifier: (
            p.record.identifier,
            p.record.number,
            p.record.type,
            p.record.owner,
            p.revision.revision,
            p.body,
            p.record.first_published_at or p.revision.published_at,
        )
        for p in latest_revisions(records)
    }
    assert len(expected) > 900  # more than one query's worth of identifiers

    def seen(items: list[Any]) -> list[tuple[Any, ...]]:
        return [(*item[:6], item.first_published_at) for item in items]

    published = [r for r in records if r.state == RecordState.PUBLISHED]
    assert seen(latest_by_numbers([r.number for r in reversed(published)])) == [
        expected[r.identifier] for r in published
    ]
    assert sorted(seen(latest_by_identifiers([r.identifier for r in records]))) == sorted(expected.values())
    assert expected[organisms[1].identifier][4:6] == (2, {"scientificName": "Bulkus"})
    assert latest_by_numbers([organisms[0].number or 0]) == []
    assert latest_by_numbers([]) == latest_by_identifiers([]) == []
