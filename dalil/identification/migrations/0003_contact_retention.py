"""Retention of reporters' contact details: when the family was last in touch, and when the details were erased.

Reports filed before this migration count from the day they were filed.
"""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import F


def count_from_filing(apps, schema_editor):
    apps.get_model("identification", "MissingPersonReport").objects.update(last_contact_at=F("created_at"))


class Migration(migrations.Migration):

    dependencies = [
        ('identification', '0002_reportfacesearch_facecandidate'),
    ]

    operations = [
        migrations.AddField(
            model_name='missingpersonreport',
            name='contact_erased_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='missingpersonreport',
            name='last_contact_at',
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now),
        ),
        migrations.RunPython(count_from_filing, migrations.RunPython.noop),
    ]
