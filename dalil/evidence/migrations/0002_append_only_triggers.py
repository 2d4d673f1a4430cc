"""Make the database itself refuse UPDATE and DELETE on the custody log and seals."""

from django.db import migrations

from dalil.evidence.append_only import trigger_sql

TABLES = ("evidence_custodyevent", "evidence_seal")


def create_triggers(apps, schema_editor):
    for table in TABLES:
        for statement in trigger_sql(schema_editor.connection.vendor, table):
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("evidence", "0001_initial")]
    operations = [migrations.RunPython(create_triggers, migrations.RunPython.noop)]
