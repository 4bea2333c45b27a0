"""Fast multi-row INSERT for the append-only tables, and fast key lookups, in raw SQL.

Why not ``bulk_create`` or ``filter(x__in=…)``: building a model instance per row cost four times
the SQL itself in the bulk-load benchmark, and compiling an ``__in`` lookup of 5,000 values cost
more than running it. The values are still adapted by the model fields (datetimes, JSON), so the
rows are exactly what the ORM would have written, on SQLite and PostgreSQL alike.

On PostgreSQL the rows go in with ``COPY … FROM STDIN`` (psycopg 3), several times faster than
``executemany``. COPY is an INSERT for everything that matters here: it checks the constraints and
foreign keys, fills identity columns (the change log's and the audit log's ``seq``) from their
sequence in row order, and the append-only triggers (BEFORE UPDATE/DELETE) stay in force.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import connection, models

__all__ = ["JsonText", "insert_rows", "select_where_in"]


class JsonText(str):
    """JSON already serialized (e.g. the canonical form hashed for a revision): stored as is."""

    __slots__ = ()


def _adapter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    kind = field.get_internal_type()
    if kind == "DateTimeField":
        cache: dict[Any, Any] = {}
        # an aware datetime as the backend's adaptation makes it (Django's, which costs 15 µs a value:
        # a page of copies has two distinct times a record): SQLite, the text of its UTC wall time;
        # PostgreSQL, the value itself. Anything else goes through the field.
        sqlite_tz = connection.timezone if connection.vendor == "sqlite" and settings.USE_TZ else None
        as_is = connection.vendor == "postgresql"

        def datetime_value(value: Any) -> Any:
            found = cache.get(value, cache)
            if found is cache:
                if type(value) is dt.datetime and value.tzinfo is not None and (as_is or sqlite_tz is not None):
                    found = value if as_is else str(value.astimezone(sqlite_tz).replace(tzinfo=None))
                else:
                    found = field.get_db_prep_save(value, connection)
                # most rows of one insert share the transaction's timestamp: adapt it once
                cache[value] = found
            return found

        return datetime_value
    if kind == "JSONField":

        def json_value(value: Any) -> Any:
            if isinstance(value, JsonText):
                # text, which PostgreSQL parses as jsonb exactly as it parses a parameter (COPY too)
                return str(value)
            return field.get_db_prep_save(value, connection)

        return json_value
    return None


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


def _columns(model: type[models.Model], fields: Sequence[str]) -> tuple[list[str], list[Callable[[Any], Any] | None]]:
    columns = []
    adapters = []
    for name in fields:
        field = _field(model, name)
        columns.append(connection.ops.quote_name(str(field.column)))
        adapters.append(_adapter(field))
    return columns, adapters


def _adapted(rows: Iterable[Sequence[Any]], adapters: list[Callable[[Any], Any] | None]) -> Iterable[Sequence[Any]]:
    adapting = [(i, a) for i, a in enumerate(adapters) if a is not None]
    if not adapting:
        yield from rows
        return
    width = len(adapters)
    for row in rows:
        if len(row) != width:
            raise ValueError(f"a row of {len(row)} values for {width} columns")
        values = list(row)
        for i, adapt in adapting:
            values[i] = adapt(values[i])
        yield values


def insert_rows(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]], *, chunk: int = 5000
) -> int:
    """Insert ``rows`` (values in the order of ``fields``; foreign keys by id) into ``model``'s table."""
    columns, adapters = _columns(model, fields)
    table = connection.ops.quote_name(model._meta.db_table)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # table and column names come from the model, never from input; values are data
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in _adapted(rows, adapters):
                    copy.write_row(row)
                    count += 1
            return count
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
        batch: list[Sequence[Any]] = []
        for row in _adapted(rows, adapters):
            batch.append(row)
            if len(batch) >= chunk:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def select_where_in(
    model: type[models.Model],
    fields: Sequence[str],
    key: str,
    values: Iterable[Any],
    *,
    where: str = "",
    params: Sequence[Any] = (),
) -> list[tuple[Any, ...]]:
    """Rows (``fields`` in order) of ``model`` whose ``key`` is one of ``values``.

    ``where`` is an extra SQL condition (with ``%s`` for ``params``) written by the caller, never
    from input. PostgreSQL gets the values as one array; SQLite in chunks below its variable limit.
    """
    quote = connection.ops.quote_name
    names = [quote(str(_field(model, f).column)) for f in fields]
    column = quote(str(_field(model, key).column))
    select = f"SELECT {', '.join(names)} FROM {quote(model._meta.db_table)} WHERE "  # noqa: S608
    extra = f" AND ({where})" if where else ""
    wanted = list(dict.fromkeys(values))
    found: list[tuple[Any, ...]] = []
    if not wanted:
        return found
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"{select}{column} = ANY(%s){extra}", [wanted, *params])
            found.extend(cursor.fetchall())
            return found
        size = max(1, (connection.features.max_query_params or 999) - len(params) - 1)
        for start in range(0, len(wanted), size):
            part = wanted[start : start + size]
            cursor.execute(f"{select}{column} IN ({', '.join(['%s'] * len(part))}){extra}", [*part, *params])
            found.extend(cursor.fetchall())
    return found
