"""The export gives what the ORM implementation it replaced gave (the oracle): CSV and JSON Lines
byte for byte, XLSX cell for cell (the writer is now XlsxWriter, so the bytes differ).

The oracle below is that implementation as it was (rows built from ORM instances, CSV, JSON Lines
and XLSX written row by row by the hand-written writer), copied verbatim apart from names and the
batch size as a parameter. It must not be "fixed" along with the product: its only job is to say
what the output was.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import IO, Any
from xml.sax.saxutils import escape

import openpyxl
import pytest
import tantivy

from openbch.core.actors import SYSTEM
from openbch.core.multilingual import localize
from openbch.records.models import Record, RecordState
from openbch.records.queries import PUBLIC_STATES, PublishedRecord, latest_revisions
from openbch.records.services import RecordInput, publish_records
from openbch.records.workflow import withdraw
from openbch.recordtypes import FieldDef, RecordType, get_record_type, record_types
from openbch.recordtypes.validate import parse_reference
from openbch.search import service
from openbch.search.export import export_stream
from openbch.search.index import open_searcher
from openbch.search.live import ensure_current
from openbch.search.query import OTHER_LABEL, facet_catalogue, filter_queries, text_query
from openbch.search.service import ExportPlan, export_rows, prepare_export
from openbch.vocabularies import get_vocabulary

pytestmark = pytest.mark.django_db

Row = list[str | list[str]]

# ---------------------------------------------------------------------------------------------
# the oracle: the export part of openbch.search.service, openbch.search.export and
# openbch.search.xlsx as they were before the export read the database with plain SQL


def _label(labels: Mapping[str, str], language: str, default: str) -> str:
    shown = localize(labels, language)
    return shown.text if shown else default


def _combine(text: tantivy.Query | None, filters: list[tantivy.Query]) -> tantivy.Query:
    clauses = [(tantivy.Occur.Must, text if text is not None else tantivy.Query.all_query())]
    clauses += [(tantivy.Occur.Must, tantivy.Query.const_score_query(f, 0.0)) for f in filters]
    return tantivy.Query.boolean_query(clauses)


def _highest_number(searcher: tantivy.Searcher) -> int:
    result = searcher.aggregate(tantivy.Query.all_query(), {"n": {"max": {"field": "number"}}})
    value = result.get("n", {}).get("value")
    return int(value) if value is not None else 0


def _reference_labels(identifiers: list[str], language: str) -> dict[str, str]:
    labels: dict[str, str] = {}
    for start in range(0, len(identifiers), 900):
        records = Record.objects.filter(identifier__in=identifiers[start : start + 900], state__in=PUBLIC_STATES)
        for item in latest_revisions(records):
            labels[item.record.identifier] = get_record_type(item.record.type).title(item.body, language) or item.uid
    return labels


class _ReferenceTitles:
    def __init__(self, language: str) -> None:
        self.language = language
        self.titles: dict[str, str] = {}

    def load(self, identifiers: set[str]) -> None:
        if len(self.titles) > 50_000:
            self.titles.clear()
        missing = sorted(identifiers - set(self.titles))
        self.titles.update(_reference_labels(missing, self.language))
        for identifier in missing:
            self.titles.setdefault(identifier, identifier)


def _references_in(record_type: RecordType, body: Mapping[str, Any]) -> set[str]:
    found: set[str] = set()
    for name in record_type.export:
        f = record_type.fields[name]
        if f.kind not in ("reference", "construct"):
            continue
        value = body.get(name)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict) and (parsed := parse_reference(str(item.get("identifier", "")))):
                found.add(parsed[0])
    return found


def _cell(f: FieldDef, value: Any, language: str, references: _ReferenceTitles) -> list[str]:
    items = value if isinstance(value, list) else [] if value is None else [value]
    shown: list[str] = []
    for item in items:
        if isinstance(item, bool):
            shown.append("true" if item else "false")
        elif isinstance(item, str | int | float):
            shown.append(str(item))
        elif not isinstance(item, dict):
            continue
        elif f.kind == "mltext":
            text = localize(item, language)
            if text:
                shown.append(text.text)
        elif f.kind == "term":
            term_id = str(item.get("identifier", ""))
            if term_id == "other":
                custom = localize(item.get("customValue") or {}, language)
                shown.append(custom.text if custom else _label(OTHER_LABEL, language, "other"))
            else:
                term = get_vocabulary(f.vocabulary or "").terms.get(term_id)
                shown.append(term.label_in(language) if term else term_id)
        elif f.kind in ("reference", "construct"):
            parsed = parse_reference(str(item.get("identifier", "")))
            if parsed:
                title = references.titles.get(parsed[0], parsed[0])
                if f.kind == "construct" and item.get("type"):
                    title = f"{title} ({item['type']})"
                shown.append(title)
        elif f.kind == "link":
            shown.append(str(item.get("url", "")))
    return shown


def _matching_numbers(plan: ExportPlan, batch: int) -> Iterator[list[int]]:
    ensure_current()
    index, searcher, _ = open_searcher()
    schema = index.schema
    types = (plan.record_type.code,) if plan.record_type else ()
    query = replace(plan.query, types=types)
    pin = _highest_number(searcher)
    text = text_query(schema, searcher, query.text).query if query.text else None
    base = _combine(text, filter_queries(schema, query, pin=pin))
    last = 0
    while True:
        after = tantivy.Query.range_query(
            schema, "number", tantivy.FieldType.Integer, lower_bound=last, include_lower=False
        )
        batch_query = tantivy.Query.boolean_query([(tantivy.Occur.Must, base), (tantivy.Occur.Must, after)])
        found = searcher.search(batch_query, batch, count=False, order_by_field="number", order=tantivy.Order.Asc)
        numbers = [int(score) for score, _ in found.hits]
        if not numbers:
            return
        yield numbers
        last = numbers[-1]


def oracle_rows(plan: ExportPlan, batch: int = 1000) -> Iterator[Row]:
    record_type = plan.record_type
    yield list(service.export_columns(record_type))
    references = _ReferenceTitles(plan.language)
    catalogue = facet_catalogue()
    for numbers in _matching_numbers(plan, batch):
        records = Record.objects.filter(number__in=numbers, state=RecordState.PUBLISHED)
        if record_type is not None:
            records = records.filter(type=record_type.code)
        items: list[PublishedRecord] = sorted(latest_revisions(records), key=lambda p: p.record.number or 0)
        if record_type is None:
            for item in items:
                own_type = get_record_type(item.record.type)
                date_field = catalogue.date_fields.get(own_type.code)
                date = item.body.get(date_field) if date_field else None
                first = item.record.first_published_at or item.revision.published_at
                yield [
                    item.uid,
                    item.record.owner,
                    str(item.revision.revision),
                    own_type.code,
                    own_type.title(item.body, plan.language),
                    date if isinstance(date, str) else first.date().isoformat(),
                ]
            continue
        fields = [record_type.fields[name] for name in record_type.export]
        references.load(set().union(*(_references_in(record_type, p.body) for p in items)) if items else set())
        for item in items:
            row: Row = [item.uid, item.record.owner, str(item.revision.revision)]
            row.extend(_cell(f, item.body.get(f.name), plan.language, references) for f in fields)
            yield row


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_safe(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _flatten(value: str | list[str]) -> str:
    return value if isinstance(value, str) else "; ".join(value)


def _oracle_csv(rows: Iterable[Row]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for count, row in enumerate(rows, start=1):
        writer.writerow([_csv_safe(_flatten(v)) for v in row])
        if count % 200 == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _oracle_jsonl(rows: Iterable[Row]) -> Iterator[bytes]:
    iterator = iter(rows)
    header = [_flatten(v) for v in next(iterator, [])]
    chunk: list[str] = []
    for row in iterator:
        chunk.append(json.dumps(dict(zip(header, row, strict=True)), ensure_ascii=False))
        if len(chunk) >= 200:
            yield ("\n".join(chunk) + "\n").encode("utf-8")
            chunk = []
    if chunk:
        yield ("\n".join(chunk) + "\n").encode("utf-8")


_INVALID_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

# the parts of the hand-written XLSX writer (openbch.search.xlsx before XlsxWriter), verbatim
MAX_SHEET_NAME = 31

_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\']")

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets>'
    "</workbook>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/>'
    "</Relationships>"
)
# the smallest style sheet Excel accepts: one font, fill, border and cell format; style 1 is bold
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    "</styleSheet>"
)
_SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
    'state="frozen"/></sheetView></sheetViews>'
    "<sheetData>"
)
_SHEET_END = "</sheetData></worksheet>"


def _clean_text(value: str) -> str:
    return escape(_INVALID_XML.sub("", value)[:32_767])


def _column_name(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        name = chr(ord("A") + remainder) + name
    return name


def _xlsx_row(number: int, values: Sequence[str], style: int) -> str:
    cells = []
    attribute = f' s="{style}"' if style else ""
    for column, value in enumerate(values):
        if value == "":
            continue
        cells.append(
            f'<c r="{_column_name(column)}{number}" t="inlineStr"{attribute}>'
            f'<is><t xml:space="preserve">{_clean_text(value)}</t></is></c>'
        )
    return f'<row r="{number}">{"".join(cells)}</row>'


class _Sink:
    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def _oracle_xlsx(
    rows: Iterable[Sequence[str]], *, sheet_name: str = "Sheet1", flush_every: int = 500
) -> Iterator[bytes]:
    sink = _Sink()
    name = _clean_text(_SHEET_NAME_FORBIDDEN.sub(" ", sheet_name)[:MAX_SHEET_NAME].strip() or "Sheet1")
    name = name.replace('"', "&quot;")
    archive = zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED)  # type: ignore[arg-type]
    with archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK.format(name=name))
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", _STYLES)
        yield sink.take()
        sheet: IO[bytes]
        with archive.open("xl/worksheets/sheet1.xml", mode="w", force_zip64=True) as sheet:
            sheet.write(_SHEET_START.encode("utf-8"))
            for number, values in enumerate(rows, start=1):
                sheet.write(_xlsx_row(number, values, 1 if number == 1 else 0).encode("utf-8"))
                if number % flush_every == 0:
                    data = sink.take()
                    if data:
                        yield data
            sheet.write(_SHEET_END.encode("utf-8"))
    yield sink.take()


def oracle_bytes(plan: ExportPlan) -> bytes:
    rows = oracle_rows(plan)
    fmt = plan.query.format
    if fmt == "csv":
        return b"".join(_oracle_csv(rows))
    if fmt == "jsonl":
        return b"".join(_oracle_jsonl(rows))
    flat = ([_flatten(v) for v in row] for row in rows)
    sheet = plan.record_type.label_plural.get("en", plan.record_type.code) if plan.record_type else "Records"
    return b"".join(_oracle_xlsx(flat, sheet_name=sheet))


# ---------------------------------------------------------------------------------------------
# the comparisons


def new_bytes(plan: ExportPlan) -> bytes:
    return b"".join(export_stream(plan).chunks)


def _without_trailing_none(row: tuple[str | None, ...]) -> tuple[str | None, ...]:
    end = len(row)
    while end and row[end - 1] is None:
        end -= 1
    return row[:end]


def workbook_cells(data: bytes) -> list[tuple[str, list[tuple[str | None, ...]]]]:
    """A workbook as a spreadsheet program shows it (read by openpyxl): each sheet's name and rows.

    The bytes cannot be compared: the writer is now XlsxWriter, whose parts, styles and zip differ
    from the hand-written writer's."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    with warnings.catch_warnings():
        # the hand-written writer's style sheet was the smallest Excel accepts; openpyxl says so
        warnings.filterwarnings("ignore", "Workbook contains no default style", UserWarning)
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        # trailing empty cells dropped: openpyxl pads rows to a sheet's dimension when it has one
        return [
            (sheet.title, [_without_trailing_none(row) for row in sheet.iter_rows(values_only=True)])
            for sheet in workbook.worksheets
        ]
    finally:
        workbook.close()


def assert_same_export(params: dict[str, list[str]], language: str) -> bytes:
    plan = prepare_export(params, language)
    produced, expected = new_bytes(plan), oracle_bytes(plan)
    if plan.query.format == "xlsx":
        assert workbook_cells(produced) == workbook_cells(expected)
    else:
        assert produced == expected
    return produced


def data_lines(data: bytes) -> int:
    return data.count(b"\n")


TYPES = sorted(record_types())


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("code", [*TYPES, None], ids=[*TYPES, "any"])
def test_every_type_exports_as_before(code: str | None, language: str, fmt: str) -> None:
    params = {"format": [fmt], **({"type": [code]} if code else {})}
    produced = assert_same_export(params, language)
    published = Record.objects.filter(state=RecordState.PUBLISHED, **({"type": code} if code else {})).count()
    assert data_lines(produced) == published + (1 if fmt == "csv" else 0)


@pytest.mark.parametrize("language", ["es", "ar", "zh", "ru", "de"])
@pytest.mark.parametrize("code", ["DEC", "LMO", None], ids=["DEC", "LMO", "any"])
def test_every_language_exports_as_before(code: str | None, language: str) -> None:
    assert_same_export({"format": ["csv"], **({"type": [code]} if code else {})}, language)


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("code", [*TYPES, None], ids=[*TYPES, "any"])
def test_every_type_exports_as_before_in_xlsx(code: str | None, language: str) -> None:
    assert_same_export({"format": ["xlsx"], **({"type": [code]} if code else {})}, language)


FILTERED = [
    {"country": ["CA"]},
    {"type": ["DEC"], "country": ["CA"]},
    {"type": ["DEC"], "country": ["CA"], "q": ["maize"]},
    {"q": ["maize"]},
    {"q": ["MON810"]},
    {"type": ["LMO"], "q": ["maize"]},
    {"decisionTypes": ["8.1"]},
    {"type": ["DEC"], "decisionTypes": ["8.2"], "traits": ["resistance-to-herbicides"]},
    {"type": ["DEC"], "date_from": ["2010-01-01"], "date_to": ["2015-12-31"]},
    {"type": ["DEC"], "q": ["no such word anywhere zzxq"]},
]


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "xlsx"])
@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("params", FILTERED, ids=["&".join(f"{k}={v[0]}" for k, v in p.items()) for p in FILTERED])
def test_filtered_exports_are_as_before(params: dict[str, list[str]], language: str, fmt: str) -> None:
    assert_same_export({**params, "format": [fmt]}, language)


def test_the_filters_select_some_records_but_not_all() -> None:
    # else the filtered comparisons above would prove little
    for narrow, wide in [({"country": ["CA"]}, {}), (FILTERED[2], FILTERED[1]), (FILTERED[5], {"type": ["LMO"]})]:
        some = data_lines(new_bytes(prepare_export(narrow, "en")))
        assert 1 < some < data_lines(new_bytes(prepare_export(wide, "en")))


def take(rows: Iterator[Row], n: int) -> list[Row]:
    return [next(rows) for _ in range(n)]


@pytest.mark.parametrize("code", ["DEC", None], ids=["DEC", "any"])
@pytest.mark.parametrize("language", ["en", "fr"])
def test_records_withdrawn_republished_or_added_during_the_export_come_out_as_before(
    code: str | None, language: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = 7
    monkeypatch.setattr(service, "EXPORT_BATCH", batch)
    plan = prepare_export({"type": ["DEC"], "country": ["CA"]}, language)
    if code is None:  # the columns every record has, of the records of any type from Canada
        plan = replace(plan, record_type=None)
    produced, expected = export_rows(plan), oracle_rows(plan, batch)
    # both have read their first batch (header + 7 rows) and pinned the records indexed now
    before = take(produced, 1 + batch)
    assert before == take(expected, 1 + batch)

    later = sorted(
        Record.objects.filter(type="DEC", owner="CA", state=RecordState.PUBLISHED), key=lambda r: r.number or 0
    )[2 * batch :]
    assert len(later) > 10
    withdrawn, republished = later[2], later[5]
    withdraw(SYSTEM, identifier=withdrawn.identifier, reason="test of the export")
    body = copy.deepcopy(latest_revisions([republished])[0].body)
    body["referenceNumber"] = "REPUBLISHED-DURING-EXPORT"
    publish_records(SYSTEM, [RecordInput("DEC", "CA", body, identifier=republished.identifier)])
    body["referenceNumber"] = "ADDED-DURING-EXPORT"
    added = publish_records(SYSTEM, [RecordInput("DEC", "CA", body)]).records[0]

    rest = list(produced)
    assert rest == list(expected)
    uids = [str(row[0]) for row in before[1:] + rest]
    assert not any(u.startswith(f"BCH-DEC-CA-{withdrawn.number}-") for u in uids)
    assert f"BCH-DEC-CA-{republished.number}-{republished.revision + 1}" in uids
    assert not any(u.startswith(f"BCH-DEC-CA-{added.number}-") for u in uids)
    numbers = [int(u.split("-")[3]) for u in uids]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_references_to_withdrawn_or_republished_records_are_titled_as_before(language: str) -> None:
    referenced: list[str] = []  # the LMOs decisions name, in order of first mention
    decisions = Record.objects.filter(type="DEC", state=RecordState.PUBLISHED).order_by("number")
    for item in latest_revisions(decisions):
        for reference in item.body.get("modifiedOrganisms") or []:
            parsed = parse_reference(reference["identifier"])
            if parsed and parsed[0] not in referenced:
                referenced.append(parsed[0])
    withdrawn, renamed = referenced[0], referenced[1]
    withdraw(SYSTEM, identifier=withdrawn, reason="test of the export")
    lmo = latest_revisions(Record.objects.filter(identifier=renamed))[0]
    body = copy.deepcopy(lmo.body)
    body["identity"] = {"en": "Renamed during the export test", "fr": "Renommé pendant le test de l'export"}
    publish_records(SYSTEM, [RecordInput("LMO", lmo.record.owner, body, identifier=renamed)])

    for fmt in ("csv", "jsonl"):
        produced = assert_same_export({"type": ["DEC"], "format": [fmt]}, language).decode("utf-8")
        assert body["identity"][language] in produced
        assert withdrawn not in produced  # still named by its title, not its identifier
