"""A minimal streaming XLSX writer: one worksheet of inline strings, written row by row.

An .xlsx file is a zip of a few XML parts (ECMA-376 / ISO 29500, SpreadsheetML). Rows go straight
into the compressed sheet part as they come, and the compressed bytes are handed out after each
batch, so memory stays constant whatever the number of rows. ``zipfile`` writes to an unseekable
sink by using data descriptors, which every spreadsheet program reads.

Every value is an inline string (``<c t="inlineStr"><is><t>…</t></is></c>``): XML-escaped, with
the characters XML 1.0 forbids removed, and cut at Excel's 32,767 characters per cell.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from typing import IO

__all__ = ["CONTENT_TYPE", "MAX_CELL", "clean_text", "column_name", "stream_xlsx"]

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_CELL = 32_767
MAX_SHEET_NAME = 31

# XML 1.0 allows #x9 #xA #xD [#x20-#xD7FF] [#xE000-#xFFFD] [#x10000-#x10FFFF]; the rest is removed
_INVALID_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
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


def clean_text(value: str) -> str:
    """Text safe inside an XML 1.0 element: forbidden characters removed, markup escaped, length capped."""
    # xml.sax.saxutils.escape's replacements, in its order, without its call: this runs for every cell
    return _INVALID_XML.sub("", value)[:MAX_CELL].replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def column_name(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA (the spreadsheet column letters)."""
    name = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        name = chr(ord("A") + remainder) + name
    return name


class _Rows:
    """Rows as SpreadsheetML, the column letters worked out once (every cell names its column)."""

    def __init__(self) -> None:
        self._letters: list[str] = []

    def letters(self, count: int) -> list[str]:
        while len(self._letters) < count:
            self._letters.append(column_name(len(self._letters)))
        return self._letters

    def row(self, number: int, values: Sequence[str], style: int) -> str:
        attribute = f' s="{style}"' if style else ""
        letters = self.letters(len(values))
        cells = "".join(
            [
                f'<c r="{letters[column]}{number}" t="inlineStr"{attribute}>'
                f'<is><t xml:space="preserve">{clean_text(value)}</t></is></c>'
                for column, value in enumerate(values)
                if value != ""  # an absent cell is an empty cell
            ]
        )
        return f'<row r="{number}">{cells}</row>'


class _Sink:
    """An unseekable byte sink whose contents are taken out as they accumulate."""

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


def stream_xlsx(
    rows: Iterable[Sequence[str]], *, sheet_name: str = "Sheet1", flush_every: int = 500
) -> Iterator[bytes]:
    """The bytes of an .xlsx file whose one sheet holds ``rows`` (the first row is shown bold)."""
    sink = _Sink()
    name = clean_text(_SHEET_NAME_FORBIDDEN.sub(" ", sheet_name)[:MAX_SHEET_NAME].strip() or "Sheet1")
    name = name.replace('"', "&quot;")  # it goes into an attribute
    archive = zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED)
    with archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK.format(name=name))
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", _STYLES)
        yield sink.take()
        sheet: IO[bytes]
        # force_zip64: the size of a streamed part is not known in advance and may pass 4 GiB
        with archive.open("xl/worksheets/sheet1.xml", mode="w", force_zip64=True) as sheet:
            sheet.write(_SHEET_START.encode("utf-8"))
            writer = _Rows()
            pending: list[str] = []
            for number, values in enumerate(rows, start=1):
                pending.append(writer.row(number, values, 1 if number == 1 else 0))
                if number % flush_every == 0:
                    # one write (one pass of the compressor) per batch of rows, not per row
                    sheet.write("".join(pending).encode("utf-8"))
                    pending.clear()
                    data = sink.take()
                    if data:
                        yield data
            sheet.write(("".join(pending) + _SHEET_END).encode("utf-8"))
    yield sink.take()
