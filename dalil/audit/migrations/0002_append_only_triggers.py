from django.db import migrations

from dalil.evidence.append_only import trigger_sql


def create_triggers(apps, schema_editor):
    for statement in trigger_sql(schema_editor.connection.vendor, "audit_auditevent"):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(create_triggers, migrations.RunPython.noop)]
