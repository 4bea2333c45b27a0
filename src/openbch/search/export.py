"""Bulk export of search results as CSV, JSON Lines or XLSX, streamed in constant memory.

Rows come from :func:`openbch.search.service.export_rows` (header first). Multi-valued cells are
joined with ``; `` in CSV and XLSX and kept as lists in JSON Lines. CSV cells that a spreadsheet
would run as a formula (starting with ``= + - @``, tab or carriage return) get a leading ``'``
(OWASP "CSV injection"); XLSX cells are inline strings, which no spreadsheet evaluates. CSV and
JSON Lines leave as the rows are read; XLSX is written whole to a temporary file first
(:mod:`openbch.search.xlsx`), so its first byte comes after the last row.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from openbch.search.service import ExportPlan, export_rows
from openbch.search.xlsx import CONTENT_TYPE as XLSX_CONTENT_TYPE
from openbch.search.xlsx import stream_xlsx

__all__ = ["CONTENT_TYPES", "JOIN", "ExportStream", "csv_safe", "export_stream", "flatten"]

JOIN = "; "
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson; charset=utf-8",
    "xlsx": XLSX_CONTENT_TYPE,
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: rows per chunk handed to the web server
_CHUNK_ROWS = 200


def csv_safe(value: str) -> str:
    """Neutralise a cell a spreadsheet would evaluate as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def flatten(value: str | list[str]) -> str:
    return value if isinstance(value, str) else JOIN.join(value)


def _csv(rows: Iterable[list[str | list[str]]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    chunk: list[list[str]] = []
    for row in rows:
        # flatten and csv_safe inline: two calls per cell cost more than the csv module itself
        texts = [v if isinstance(v, str) else JOIN.join(v) for v in row]
        chunk.append(["'" + t if t.startswith(_FORMULA_START) else t for t in texts])
        if len(chunk) == _CHUNK_ROWS:
            writer.writerows(chunk)
            chunk.clear()
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    writer.writerows(chunk)
    yield buffer.getvalue().encode("utf-8")


#: ``json.dumps(…, ensure_ascii=False)`` without making a new encoder for every row
_JSON = json.JSONEncoder(ensure_ascii=False).encode


def _jsonl(rows: Iterable[list[str | list[str]]]) -> Iterator[bytes]:
    iterator = iter(rows)
    header = [flatten(v) for v in next(iterator, [])]
    chunk: list[str] = []
    for row in iterator:
        chunk.append(_JSON(dict(zip(header, row, strict=True))))
        if len(chunk) >= _CHUNK_ROWS:
            yield ("\n".join(chunk) + "\n").encode("utf-8")
            chunk = []
    if chunk:
        yield ("\n".join(chunk) + "\n").encode("utf-8")


@dataclass(frozen=True)
class ExportStream:
    content_type: str
    filename: str
    chunks: Iterator[bytes]


def export_stream(plan: ExportPlan) -> ExportStream:
    """The response body of an export, generated lazily: nothing is read until it is iterated."""
    rows = export_rows(plan)
    fmt = plan.query.format
    if fmt == "csv":
        chunks = _csv(rows)
    elif fmt == "jsonl":
        chunks = _jsonl(rows)
    else:
        flat = ([v if isinstance(v, str) else JOIN.join(v) for v in row] for row in rows)
        sheet = plan.record_type.label_plural.get("en", plan.record_type.code) if plan.record_type else "Records"
        chunks = stream_xlsx(flat, sheet_name=sheet)
    return ExportStream(CONTENT_TYPES[fmt], f"openbch-{plan.slug}.{fmt}", chunks)
