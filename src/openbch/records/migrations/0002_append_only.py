"""Make published revisions, the change log and the audit log append-only in the database itself.

Application code never updates or deletes them; the triggers make sure nothing else does either
(a buggy migration, a hand-typed SQL statement), on SQLite and on PostgreSQL alike.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from openbch.records.append_only import drop_triggers, ensure_triggers

APPEND_ONLY = ("records_revision", "records_changeevent", "records_auditentry")


def create_triggers(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    ensure_triggers(schema_editor, APPEND_ONLY)


def remove_triggers(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    drop_triggers(schema_editor, APPEND_ONLY)


class Migration(migrations.Migration):
    dependencies = [("records", "0001_initial")]
    operations = [migrations.RunPython(create_triggers, remove_triggers)]
