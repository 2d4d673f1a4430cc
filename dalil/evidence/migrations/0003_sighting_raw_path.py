"""Sightings keyed by their raw path bytes (and zip member index), no longer by the path as shown.

Rows recorded before: a folder's or bag's sighting gets the key its raw bytes give today (the bytes
are known: the path, or raw_path_b64 when it was not UTF-8). A zip's old sightings never kept the
member's index and showed `\\` as `/`, so they get a "legacy" key from the path as shown; ingest
matches those by that path when it finishes an old zip (see dalil.ingest.pipeline).
"""

import base64
import hashlib

from django.db import migrations, models


def _key(raw: bytes, index) -> str:
    # A frozen copy of dalil.evidence.models.sighting_key: a migration must not change with the code.
    prefix = b"-" if index is None else str(index).encode()
    return hashlib.sha256(prefix + b"\0" + raw).hexdigest()


def fill_keys(apps, schema_editor):
    Sighting = apps.get_model("evidence", "Sighting")
    for sighting in Sighting.objects.select_related("acquisition").iterator(chunk_size=2000):
        if sighting.acquisition.kind == "zip":
            key = hashlib.sha256(b"legacy\0" + sighting.path.encode("utf-8")).hexdigest()
        else:
            raw = base64.b64decode(sighting.raw_path_b64) if sighting.raw_path_b64 else sighting.path.encode("utf-8")
            key = _key(raw, None)
        Sighting.objects.filter(pk=sighting.pk).update(key=key)


class Migration(migrations.Migration):
    dependencies = [("evidence", "0002_append_only_triggers")]

    operations = [
        migrations.RemoveConstraint(model_name="sighting", name="one_sighting_per_path"),
        migrations.AddField(
            model_name="sighting",
            name="key",
            field=models.CharField(default="", max_length=64, help_text="SHA-256 of the member index and raw path "
                                   "bytes: this sighting's identity in its source (see sighting_key)."),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="sighting",
            name="member_index",
            field=models.PositiveIntegerField(blank=True, null=True, help_text="The entry's index in a zip."),
        ),
        migrations.AlterField(
            model_name="sighting",
            name="path",
            field=models.TextField(help_text="Path inside the source as shown: '/'-separated, undecodable bytes as \\xNN."),
        ),
        migrations.AlterField(
            model_name="sighting",
            name="raw_path_b64",
            field=models.TextField(blank=True, help_text="The path's original bytes (base64) when they differ from the "
                                   "path as shown (not UTF-8, or a zip's '\\' shown as '/')."),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="sighting",
            constraint=models.UniqueConstraint(fields=("acquisition", "key"), name="one_sighting_per_key"),
        ),
    ]
