"""GET /api/v1/export: streamed CSV, JSON Lines and XLSX with the search filters, on the demo data."""

from __future__ import annotations

import csv
import io
import json
import secrets
import tempfile
import tracemalloc
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.http import StreamingHttpResponse
from django.test import Client

from openbch.core.actors import SYSTEM
from openbch.records.models import Record, RecordState
from openbch.records.services import RecordInput, publish_records
from openbch.recordtypes import get_record_type
from openbch.search.export import csv_safe
from openbch.search.xlsx import CHUNK_BYTES, clean_text, stream_xlsx
from openbch.vocabularies import get_vocabulary

pytestmark = pytest.mark.django_db


def parse_xml(data: bytes) -> ET.Element:
    return ET.fromstring(data)  # noqa: S314  (our own output, which these tests check)


def sheets(data: bytes) -> dict[str, list[list[str | None]]]:
    """Each sheet's rows as a spreadsheet program shows them (read by openpyxl), by sheet name."""
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets}
    finally:
        workbook.close()


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
    params = {
        "type": "DEC",
        "country": "CA",
        "decisionTypes": "8.2",
        "traits": "resistance-to-herbicides",
        "lang": "fr",
    }
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
    data = body(response)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    for name in archive.namelist():
        parse_xml(archive.read(name))  # every part is well-formed XML
    assert b'state="frozen"' in archive.read("xl/worksheets/sheet1.xml")  # the header row stays in view
    (name, values), *others = sheets(data).items()
    assert name == get_record_type("DEC").label_plural["en"].replace("'", " ")[:31].strip() and not others
    assert values[0] == ["uid", "owner", "revision", *get_record_type("DEC").export]
    assert len(values) - 1 == total(client, params)
    uids = {row[0] for row in values[1:]}
    assert uids == {r.uid for r in Record.objects.filter(type="DEC", owner="CA", state=RecordState.PUBLISHED)}


def test_the_xlsx_writer_keeps_every_value_as_text_and_strips_what_xml_forbids() -> None:
    nasty = ["<b>&amp;</b>", "bell\x07tab\tok", "\ud800lone surrogate", "x" * 40_000, "=1+1", "", "12", " padded "]
    # shaped like a rich-text run: XlsxWriter would copy it into the XML as markup (a formula here)
    injected = '<r></t></is></c><c r="Z2"><f>1+1</f></c><c t="inlineStr"><is><t></r>'
    header = ["h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8", "<r>h9</r>"]
    data = b"".join(stream_xlsx([header, [*nasty, injected]], sheet_name='A/B: "[x]'))
    for name in zipfile.ZipFile(io.BytesIO(data)).namelist():
        parse_xml(zipfile.ZipFile(io.BytesIO(data)).read(name))
    [(name, rows)] = sheets(data).items()
    assert name == 'A B  " x'
    assert rows[0] == header
    assert rows[1] == [
        "<b>&amp;</b>",
        "belltab\tok",
        "lone surrogate",
        "x" * 32_767,
        "=1+1",  # text, never a formula
        None,  # an absent cell is an empty cell
        "12",  # text, never a number
        " padded ",
        injected,
    ]
    assert b"<f>" not in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert clean_text("a\x00b<") == "ab<"
    assert clean_text("😀" * 20_000) == "😀" * 16_383  # cut at 32,767 UTF-16 code units, never in a pair


def test_the_xlsx_writer_goes_on_in_a_new_sheet_past_the_row_limit() -> None:
    rows = [["uid", "title"], *([f"u{i}", f"t{i}"] for i in range(7))]
    data = b"".join(stream_xlsx(rows, sheet_name="Decisions", rows_per_sheet=3))
    found = sheets(data)
    assert list(found) == ["Decisions", "Decisions (2)", "Decisions (3)", "Decisions (4)"]
    assert all(sheet[0] == ["uid", "title"] for sheet in found.values())
    assert [row for sheet in found.values() for row in sheet[1:]] == rows[1:]
    assert list(sheets(b"".join(stream_xlsx([], sheet_name="Decisions")))) == ["Decisions"]


def test_the_xlsx_writer_streams_in_constant_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the writer's files go
    count = 5_000

    def rows() -> Iterator[list[str]]:
        yield ["n", "noise"]
        for i in range(count):
            yield [str(i), secrets.token_hex(100)]  # hardly compressible: 1.3 MB of sheet, 0.7 MB zipped

    tracemalloc.start()
    try:
        chunks = stream_xlsx(rows())
        size = 0
        for chunk in chunks:
            assert 0 < len(chunk) <= CHUNK_BYTES
            size += len(chunk)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert size > 600_000
    assert peak < 1_000_000, f"peak {peak} bytes for a file of {size}"  # rows are not kept in memory
    assert list(tmp_path.iterdir()) == []  # the temporary files are gone


def test_the_xlsx_writer_leaves_no_file_behind_when_the_rows_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def rows() -> Iterator[list[str]]:
        yield ["n"]
        yield ["1"]
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError, match="went away"):
        b"".join(stream_xlsx(rows()))
    assert list(tmp_path.iterdir()) == []


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
