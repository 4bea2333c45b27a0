"""The generic connector: CSV, TSV or JSON, turned into items by the mapping in the definition alone.

``options`` of a source using it::

    "table": {"delimiter": ",", "header": false, "columns": ["name", "uid", "trait", ...]},
    "records": "response.docs",                 # JSON only: where the list of records is
    "mapping": {
      "subject": "lmo",
      "group_by": ["name", "uid"],              # rows with equal values are one item (exploded tables)
      "id": ["uid", "name"],                    # external id: the non-empty values, joined by " | "
      "name": ["name", "uid"],                  # display name: the first non-empty
      "identifiers": {"column": "uid"},          # OECD unique identifiers as written
      "url": {"template": "https://…/{method_code}"} or {"column": "source_url"},
      "fields": {"traits": {"column": "trait", "collect": true},
                 "trade_names": {"column": "trade", "collect": true, "split": ","}},
      "required": [["name", "uid"]]             # each group: at least one of its columns non-empty
    }

Column names of a JSON record may be dotted paths (``header.identifier``). A field may also give
``"value"`` (a constant). ``collect`` gathers the values of every row of a group, in first-seen
order; otherwise the first non-empty value is kept.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from openbch.interop.connectors.base import FetchTask, GatherContext, NormalisedItem, ParseError, Rejection, clean
from openbch.interop.http import Fetched
from openbch.interop.sources import SourceDefinition

__all__ = ["GenericConnector", "read_table", "value_at"]

#: a table row (or JSON record) with its position in the payload, for the harvest log
Row = tuple[int, Mapping[str, Any]]
MAX_FIELD = 1_000_000


def value_at(record: Mapping[str, Any], path: str) -> Any:
    """``record["a"]["b"]`` for ``a.b``; None when any step is missing."""
    current: Any = record
    for step in path.split("."):
        if not isinstance(current, Mapping) or step not in current:
            return None
        current = current[step]
    return current


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(f"not UTF-8 text: {exc}") from None


def read_table(body: bytes, layout: Mapping[str, Any]) -> Iterator[Row]:
    """Rows of a CSV/TSV payload as dicts, numbered from 1 (the header line included)."""
    text = _decode(body)
    csv.field_size_limit(MAX_FIELD)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=str(layout.get("delimiter", ",")))
    columns: list[str] | None = list(layout["columns"]) if layout.get("columns") else None
    line = 0
    try:
        for line, cells in enumerate(reader, start=1):
            if columns is None:
                columns = [clean(c) for c in cells]
                continue
            if layout.get("header") and line == 1:
                continue
            if not any(c.strip() for c in cells):
                continue
            yield line, {name: (cells[i] if i < len(cells) else None) for i, name in enumerate(columns)}
    except csv.Error as exc:
        raise ParseError(f"line {line + 1}: {exc}") from None


def read_records(body: bytes, path: str | None) -> Iterator[Row]:
    """Records of a JSON payload: the list at ``path`` (or the document itself when it is a list)."""
    try:
        data = json.loads(_decode(body))
    except json.JSONDecodeError as exc:
        raise ParseError(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    records = value_at(data, path) if path and isinstance(data, Mapping) else data
    if not isinstance(records, list):
        raise ParseError(f"no list of records at {path or 'the top level'}")
    for index, record in enumerate(records, start=1):
        if isinstance(record, Mapping):
            yield index, record
        else:
            yield index, {}


def _cell(row: Mapping[str, Any], column: str) -> Any:
    return value_at(row, column) if "." in column else row.get(column)


def _texts(value: Any, split: str | None) -> list[str]:
    """Every non-empty text in a cell (a list cell gives each element)."""
    values = value if isinstance(value, list) else [value]
    found: list[str] = []
    for one in values:
        if isinstance(one, Mapping):  # multilingual text: its English (else any) value
            one = one.get("en") or next(iter(one.values()), "")
        text = clean(one)
        if not text:
            continue
        pieces = [clean(p) for p in text.split(split)] if split else [text]
        found.extend(p for p in pieces if p)
    return found


class GenericConnector:
    """Mapping-driven: everything specific to a source is in its definition."""

    def __init__(self, definition: SourceDefinition) -> None:
        self.definition = definition
        self.mapping: Mapping[str, Any] = definition.options.get("mapping", {})

    def gather(self, context: GatherContext) -> Iterator[FetchTask]:
        for request in self.definition.requests:
            yield FetchTask(request)

    def rows(self, fetched: Fetched) -> Iterator[Row]:
        if self.definition.format in ("csv", "tsv"):
            layout = dict(self.definition.options.get("table", {}))
            layout.setdefault("delimiter", "\t" if self.definition.format == "tsv" else ",")
            return read_table(fetched.body, layout)
        if self.definition.format == "json":
            return read_records(fetched.body, self.definition.options.get("records"))
        raise ParseError(f"format {self.definition.format!r} is not read by the generic connector")

    def parse(self, task: FetchTask, fetched: Fetched) -> Iterator[NormalisedItem | Rejection]:
        groups: dict[tuple[str, ...], list[Row]] = {}
        group_by = list(self.mapping.get("group_by", ()))
        required: list[list[str]] = [list(g) for g in self.mapping.get("required", ())]
        for line, row in self.rows(fetched):
            missing = [group for group in required if not any(clean(_cell(row, c)) for c in group)]
            if missing:
                yield Rejection(f"empty {' and '.join('/'.join(g) for g in missing)}", where=f"row {line}")
                continue
            key = tuple(clean(_cell(row, c)) for c in group_by) if group_by else (str(line),)
            groups.setdefault(key, []).append((line, row))
        for rows in groups.values():
            yield from self.build(rows)

    def build(self, rows: Sequence[Row]) -> Iterator[NormalisedItem | Rejection]:
        """One item from the rows of one group (subclasses adjust it in :meth:`adjust`)."""
        first_line, first = rows[0]
        id_columns = self.mapping.get("id", ())
        external_id = " | ".join(v for v in (clean(_cell(first, c)) for c in id_columns) if v)
        if not external_id:
            yield Rejection("no identifier for the item", where=f"row {first_line}")
            return
        name = next((v for v in (clean(_cell(first, c)) for c in self.mapping.get("name", ())) if v), external_id)
        fields: dict[str, Any] = {}
        for field_name, spec in self.mapping.get("fields", {}).items():
            if "value" in spec:
                fields[field_name] = spec["value"]
                continue
            columns = spec["columns"] if "columns" in spec else [spec["column"]]
            values: list[str] = []
            for _, row in rows if spec.get("collect") else rows[:1]:
                for column in columns:
                    for text in _texts(_cell(row, column), spec.get("split")):
                        if text not in values:
                            values.append(text)
            if spec.get("collect"):
                fields[field_name] = values
            elif values:
                fields[field_name] = values[0]
        identifiers: list[str] = []
        spec = self.mapping.get("identifiers")
        if spec:
            for _, row in rows:
                for text in _texts(_cell(row, spec["column"]), spec.get("split")):
                    if text not in identifiers:
                        identifiers.append(text)
        url = self.definition.homepage
        url_spec = self.mapping.get("url")
        if url_spec and "column" in url_spec:
            url = clean(_cell(first, url_spec["column"])) or url
        elif url_spec and "template" in url_spec:
            url = str(url_spec["template"]).format(**{k: v for k, v in fields.items() if isinstance(v, str)})
        item = NormalisedItem(
            external_id=external_id[:500],
            subject=str(self.mapping.get("subject", "lmo")),
            name=name,
            fields=fields,
            identifiers=identifiers,
            url=url,
        )
        yield from self.adjust(item, rows)

    def adjust(self, item: NormalisedItem, rows: Sequence[Row]) -> Iterator[NormalisedItem | Rejection]:
        """Source-specific touches after the mapping (none here)."""
        yield item
