"""Fast multi-row INSERT for the append-only tables, through Django's own value adaptation.

Why not ``bulk_create``: building a model instance per row cost four times the SQL itself in the
bulk-load benchmark. The values are still adapted by the model fields (datetimes, JSON), so the
rows are exactly what the ORM would have written, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, models

__all__ = ["JsonText", "insert_rows"]


class JsonText(str):
    """JSON already serialized (e.g. the canonical form hashed for a revision): stored as is."""


def _adapter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    kind = field.get_internal_type()
    if kind == "DateTimeField":
        cache: dict[Any, Any] = {}

        def datetime_value(value: Any) -> Any:
            # most rows of one insert share the transaction's timestamp: adapt it once
            if value not in cache:
                cache[value] = field.get_db_prep_save(value, connection)
            return cache[value]

        return datetime_value
    if kind == "JSONField":
        on_postgresql = connection.vendor == "postgresql"
        if on_postgresql:
            from psycopg.types.json import Jsonb

        def json_value(value: Any) -> Any:
            if isinstance(value, JsonText):
                return Jsonb(value, dumps=str) if on_postgresql else str(value)
            return field.get_db_prep_save(value, connection)

        return json_value
    return None


def insert_rows(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]], *, chunk: int = 2000
) -> int:
    """Insert ``rows`` (values in the order of ``fields``; foreign keys by id) into ``model``'s table."""
    meta = model._meta
    columns = []
    adapters = []
    for name in fields:
        field = meta.get_field(name)
        assert isinstance(field, models.Field)
        columns.append(connection.ops.quote_name(str(field.column)))
        adapters.append(_adapter(field))
    # table and column names come from the model, never from input; values are parameters
    sql = (
        f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({', '.join(columns)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    count = 0
    batch: list[list[Any]] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append([a(v) if a else v for a, v in zip(adapters, row, strict=True)])
            if len(batch) >= chunk:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count
