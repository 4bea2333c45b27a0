"""Database triggers that make the append-only tables refuse UPDATE and DELETE.

Used by migrations. On SQLite, Django rebuilds a table to add a NOT NULL column and the rebuild
drops its triggers, so every migration that alters one of these tables ends by calling
:func:`ensure_triggers` again.
"""

from __future__ import annotations

from django.db.backends.base.schema import BaseDatabaseSchemaEditor

__all__ = ["APPEND_ONLY", "drop_triggers", "ensure_triggers"]

APPEND_ONLY = ("records_revision", "records_changeevent", "records_auditentry", "records_workflowevent")


def ensure_triggers(schema_editor: BaseDatabaseSchemaEditor, tables: tuple[str, ...] = APPEND_ONLY) -> None:
    vendor = schema_editor.connection.vendor
    existing = set(schema_editor.connection.introspection.table_names())
    for table in tables:
        if table not in existing:
            continue
        if vendor == "sqlite":
            for op in ("UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
        elif vendor == "postgresql":
            schema_editor.execute(
                f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN RAISE EXCEPTION '{table} is append-only'; END $$"
            )
            for name, when in (("append_only", "UPDATE OR DELETE"), ("no_truncate", "TRUNCATE")):
                level = "STATEMENT" if when == "TRUNCATE" else "ROW"
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_{name} ON {table}")
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_{name} BEFORE {when} ON {table} "
                    f"FOR EACH {level} EXECUTE FUNCTION {table}_append_only()"
                )


def drop_triggers(schema_editor: BaseDatabaseSchemaEditor, tables: tuple[str, ...] = APPEND_ONLY) -> None:
    vendor = schema_editor.connection.vendor
    for table in tables:
        if vendor == "sqlite":
            for op in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {table}_append_only() CASCADE")
