"""Seals record (and sign) the custody log's head when they are made, anchoring the chain."""

from django.db import migrations, models

from dalil.evidence.append_only import trigger_sql


def keep_triggers(apps, schema_editor):
    # Both fields are nullable so SQLite adds them in place; re-creating the (idempotent) triggers makes sure
    # the seal table refuses updates and deletes whatever the schema editor did.
    for statement in trigger_sql(schema_editor.connection.vendor, "evidence_seal"):
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ("evidence", "0003_sighting_raw_path"),
    ]

    operations = [
        migrations.AddField(
            model_name="seal",
            name="custody_head",
            field=models.CharField(help_text="The hash of that newest custody row.", max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="seal",
            name="custody_rows",
            field=models.PositiveBigIntegerField(help_text="Custody rows when sealed (the head's seq).", null=True),
        ),
        migrations.RunPython(keep_triggers, migrations.RunPython.noop),
    ]
