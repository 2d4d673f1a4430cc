"""Families' addresses leave the audit events: a keyed hash in a table of its own, droppable after a period.

Existing addresses are hashed into the new table, then the clear-text column is dropped. The events keep
their append-only triggers (recreated here in case the database rebuilt the table); the address table
refuses UPDATE, so a row is written once and later dropped by `dalil retention`, never rewritten.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils.crypto import salted_hmac

from dalil.evidence.append_only import trigger_sql


def hash_existing_addresses(apps, schema_editor):
    # The same keyed hash as dalil.audit.models.hash_address, frozen here as this migration ran.
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditAddress = apps.get_model("audit", "AuditAddress")
    batch = []
    for pk, ip in AuditEvent.objects.filter(ip__isnull=False).values_list("pk", "ip").iterator():
        if not ip:
            continue
        digest = salted_hmac("dalil.audit.address", ip, secret=settings.SECRET_KEY, algorithm="sha256").hexdigest()
        batch.append(AuditAddress(event_id=pk, digest=digest))
        if len(batch) >= 1000:
            AuditAddress.objects.bulk_create(batch)
            batch = []
    AuditAddress.objects.bulk_create(batch)


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in trigger_sql(vendor, "audit_auditevent"):
        schema_editor.execute(statement)
    if vendor == "sqlite":
        schema_editor.execute(
            "CREATE TRIGGER IF NOT EXISTS audit_auditaddress_no_update BEFORE UPDATE ON audit_auditaddress "
            "BEGIN SELECT RAISE(ABORT, 'audit_auditaddress rows are never changed, only dropped'); END")
    elif vendor == "postgresql":
        schema_editor.execute(
            "CREATE OR REPLACE FUNCTION dalil_refuse_update() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' rows are never changed, only dropped'; END $$ "
            "LANGUAGE plpgsql")
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_auditaddress_no_update ON audit_auditaddress")
        schema_editor.execute(
            "CREATE TRIGGER audit_auditaddress_no_update BEFORE UPDATE ON audit_auditaddress "
            "FOR EACH ROW EXECUTE FUNCTION dalil_refuse_update()")


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0003_export_exchange_and_face_actions'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditAddress',
            fields=[
                ('event', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, primary_key=True, related_name='address', serialize=False, to='audit.auditevent')),
                ('digest', models.CharField(db_index=True, help_text='hash_address() of REMOTE_ADDR.', max_length=64)),
            ],
        ),
        migrations.RunPython(hash_existing_addresses, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='auditevent',
            name='ip',
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(choices=[('viewed_contact', 'viewed contact details'), ('viewed_report', 'viewed a report'), ('viewed_document', 'opened a claim document'), ('revealed_preview', 'revealed a blurred preview'), ('revealed_face', 'revealed a face crop'), ('revealed_photo', 'revealed a full photo'), ('report_submitted', 'submitted a report'), ('claim_made', 'claimed a case'), ('search_requested', 'asked a caseworker to search'), ('identification', 'moved an identification'), ('link_revoked', 'revoked a follow-up link'), ('message_sent', 'sent a message to a family'), ('data_imported', 'imported records'), ('data_exported', 'exported records'), ('downloaded_export', 'downloaded an evidence package'), ('exported_contact', 'exported contact details in a package'), ('face_search', "searched the archive's faces with a photo"), ('contact_renewed', "renewed a family's contact details"), ('contact_erased', 'erased contact details whose retention ended'), ('signed_in', 'signed in with a password and a second factor'), ('login_locked_out', 'was locked out of signing in after repeated failures'), ('login_unlocked', 'unlocked signing in'), ('second_factor_added', 'set up an authenticator app'), ('second_factor_reset', "removed a staff member's authenticator and recovery codes"), ('recovery_code_used', 'signed in with a recovery code'), ('recovery_codes_new', 'made new recovery codes'), ('password_changed', 'changed their own password'), ('password_reset', "reset a staff member's password"), ('staff_added', 'added a staff member'), ('roles_changed', 'granted or removed staff roles'), ('staff_deactivated', 'deactivated a staff account'), ('staff_reactivated', 'reactivated a staff account')], max_length=20),
        ),
        migrations.RunPython(create_triggers, migrations.RunPython.noop),
    ]
