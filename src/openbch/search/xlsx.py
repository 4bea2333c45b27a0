"""XLSX exports written by XlsxWriter in constant-memory mode, then streamed from a temporary file.

XlsxWriter's ``constant_memory`` mode writes each row to a temporary file on disk as soon as the
next one starts, as an inline string (no shared-string table growing with the rows), so memory
stays flat whatever the number of rows. It assembles the zip only when the workbook is closed, so
the first byte leaves after the last row is written; the finished file, in a temporary folder, is
then handed out in chunks and deleted.

What is ours: every value is written with ``write_string``, never as a number, formula or link (so no
spreadsheet evaluates a cell, and ``=1+1`` shows as typed); the characters XML 1.0 forbids are
removed (XlsxWriter would keep control characters as ``_xHHHH_`` escapes, and a lone surrogate
cannot be encoded at all); the first row is bold and frozen; and rows past Excel's 1,048,576 go
on in a further sheet with the header repeated, rather than being lost.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence

import xlsxwriter
from xlsxwriter.exceptions import InvalidWorksheetName
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

__all__ = ["CONTENT_TYPE", "MAX_CELL", "MAX_ROWS", "clean_text", "stream_xlsx"]

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Excel's limits: characters (UTF-16 code units) in a cell, rows in a sheet, characters in a sheet name
MAX_CELL = 32_767
MAX_ROWS = 1_048_576
MAX_SHEET_NAME = 31
#: bytes handed to the web server at a time
CHUNK_BYTES = 64 * 1024

# XML 1.0 allows #x9 #xA #xD [#x20-#xD7FF] [#xE000-#xFFFD] [#x10000-#x10FFFF]; the rest is removed
_INVALID_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\']")
_OPTIONS = {
    "constant_memory": True,
    # a streamed sheet may pass 4 GiB; zipfile adds the ZIP64 records only to a part that needs them
    "use_zip64": True,
}


def clean_text(value: str) -> str:
    """The text a cell can hold: characters XML 1.0 forbids removed, cut at Excel's cell length."""
    text = _INVALID_XML.sub("", value)
    if len(text) > MAX_CELL // 2:  # only then can it pass MAX_CELL UTF-16 code units
        # "ignore" drops the half of a surrogate pair that the cut may leave at the end
        text = text.encode("utf-16-le")[: 2 * MAX_CELL].decode("utf-16-le", "ignore")
    return text


def _sheet_name(name: str, number: int) -> str:
    suffix = f" ({number})" if number > 1 else ""
    base = _SHEET_NAME_FORBIDDEN.sub(" ", clean_text(name))[: MAX_SHEET_NAME - len(suffix)].strip()
    return (base or "Sheet1") + suffix


class _Sheets:
    """The rows written into as many sheets as Excel's row limit needs, each headed by the header."""

    def __init__(self, workbook: xlsxwriter.Workbook, name: str, rows_per_sheet: int) -> None:
        self._workbook = workbook
        self._name = name
        self._rows_per_sheet = rows_per_sheet
        self._bold = workbook.add_format({"bold": True})
        # the default font as a format: the font runs of a cell written as a rich string (see below)
        self._plain = workbook.add_format()
        self._header: Sequence[str] = ()
        self._count = 0
        self._sheet: Worksheet | None = None
        self._row = 0

    def _add_sheet(self) -> Worksheet:
        self._count += 1
        try:
            sheet = self._workbook.add_worksheet(_sheet_name(self._name, self._count))
        except InvalidWorksheetName:  # e.g. a name that is longer than 31 code units in UTF-16
            sheet = self._workbook.add_worksheet(_sheet_name("Sheet1", self._count))
        sheet.freeze_panes(1, 0)
        return sheet

    def write(self, values: Sequence[str]) -> None:
        if self._sheet is None or self._row == self._rows_per_sheet:
            first = self._sheet is None
            self._sheet = self._add_sheet()
            self._row = 0
            if first:
                self._header = values
                self._put(values, self._bold)
                return
            self._put(self._header, self._bold)
        self._put(values, None)

    def _put(self, values: Sequence[str], style: Format | None) -> None:
        assert self._sheet is not None
        sheet, row = self._sheet, self._row
        for column, value in enumerate(values):
            if value == "":
                continue  # an absent cell is an empty cell
            text = clean_text(value)
            if text.startswith("<r>") and text.endswith("</r>"):
                # in constant_memory mode XlsxWriter copies a string shaped like a rich-text run
                # into the XML unescaped (markup from a record would become cells, even formulas);
                # written as a rich string of two runs in the cell's font, it is escaped
                font = style or self._plain
                sheet.write_rich_string(row, column, font, text[:1], font, text[1:], *([style] if style else []))
            else:
                sheet.write_string(row, column, text, style)
        self._row += 1


def stream_xlsx(
    rows: Iterable[Sequence[str]], *, sheet_name: str = "Sheet1", rows_per_sheet: int = MAX_ROWS
) -> Iterator[bytes]:
    """The bytes of an .xlsx file of ``rows`` (the first row is the header, shown bold)."""
    with tempfile.TemporaryDirectory(prefix="openbch-xlsx-") as folder:
        path = os.path.join(folder, "export.xlsx")
        # tmpdir: XlsxWriter's own temporary files go with ours, removed whatever happens
        workbook = xlsxwriter.Workbook(path, {**_OPTIONS, "tmpdir": folder})
        try:
            sheets = _Sheets(workbook, sheet_name, rows_per_sheet)
            for values in rows:
                sheets.write(values)
            if not workbook.worksheets():
                workbook.add_worksheet(_sheet_name(sheet_name, 1))
        finally:
            workbook.close()  # on an error too: it closes the files it has open
        with open(path, "rb") as output:
            while chunk := output.read(CHUNK_BYTES):
                yield chunk
