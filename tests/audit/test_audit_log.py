"""The audit log: append-only events, and where a request came from kept only as a keyed hash, apart.

Runs on the test database of the run: SQLite by default, PostgreSQL with DALIL_DATABASE_URL (its triggers
are exercised then).
"""

import datetime
import hashlib
import subprocess
import sys
import textwrap
from unittest import mock

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.utils import timezone

from dalil.audit.models import AuditAddress, AuditEvent, audit, drop_addresses_before, hash_address
from dalil.evidence.append_only import AppendOnlyError

pytestmark = pytest.mark.django_db

FAMILY_ADDRESS = "203.0.113.7"


def _event(address=FAMILY_ADDRESS) -> AuditEvent:
    request = RequestFactory().post("/report/", REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR="192.0.2.1")
    return audit(request, AuditEvent.Action.REPORT_SUBMITTED, "report:DL-2345-6789", actor="family:DL-2345-6789")


def _raw_rows(table: str) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")
        return b"".join(bytes(v) if isinstance(v, (bytes, memoryview)) else str(v).encode()
                        for row in cursor.fetchall() for v in row)


def _refused(sql: str, params=()) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError:
        return True
    return False


def test_it_keeps_the_address_as_a_keyed_hash_never_in_clear():
    event = _event()
    digest = AuditAddress.objects.get(event=event).digest
    assert digest == hash_address(FAMILY_ADDRESS) and len(digest) == 64
    assert digest != hashlib.sha256(FAMILY_ADDRESS.encode()).hexdigest()  # keyed: not testable without the key
    for table in ("audit_auditevent", "audit_auditaddress"):
        assert FAMILY_ADDRESS.encode() not in _raw_rows(table)
        assert b"192.0.2.1" not in _raw_rows(table)  # X-Forwarded-For is never read
    columns = [c.name for c in connection.introspection.get_table_description(connection.cursor(), "audit_auditevent")]
    assert "ip" not in columns


def test_it_keys_the_hash_with_the_instance_secret(settings):
    before = hash_address(FAMILY_ADDRESS)
    settings.SECRET_KEY = "another instance's secret key, at least fifty characters long......"
    assert hash_address(FAMILY_ADDRESS) != before


def test_it_records_no_address_for_a_command():
    event = audit(None, AuditEvent.Action.CONTACT_ERASED, "report:DL-2345-6789", actor="dalil retention")
    assert not AuditAddress.objects.filter(event=event).exists()


def test_it_refuses_to_change_or_delete_an_event_from_the_orm():
    event = _event()
    event.target = "report:other"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(target="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_it_refuses_to_change_or_delete_an_event_in_the_database():
    event = _event()
    assert _refused("UPDATE audit_auditevent SET target = 'x' WHERE id = %s", [event.pk])
    assert _refused("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).target == "report:DL-2345-6789"


def test_it_refuses_to_rewrite_an_address_but_lets_it_be_dropped():
    event = _event()
    address = AuditAddress.objects.get(event=event)
    with pytest.raises(AppendOnlyError):
        AuditAddress.objects.filter(pk=address.pk).update(digest="0" * 64)
    address.digest = "0" * 64
    with pytest.raises(AppendOnlyError):
        address.save()
    assert _refused("UPDATE audit_auditaddress SET digest = %s WHERE event_id = %s", ["0" * 64, event.pk])
    assert AuditAddress.objects.get(event=event).digest == hash_address(FAMILY_ADDRESS)
    assert not _refused("DELETE FROM audit_auditaddress WHERE event_id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_it_drops_old_addresses_and_keeps_their_events():
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() - datetime.timedelta(days=31)):
        old = _event()
    recent = _event("198.51.100.9")
    cutoff = timezone.now() - datetime.timedelta(days=30)
    assert drop_addresses_before(cutoff) == 1
    assert not AuditAddress.objects.filter(event=old).exists()
    assert AuditAddress.objects.filter(event=recent).exists()
    assert AuditEvent.objects.filter(pk__in=[old.pk, recent.pk]).count() == 2
    assert _refused("DELETE FROM audit_auditevent WHERE id = %s", [old.pk])  # still append-only after the drop


MIGRATION_SCRIPT = textwrap.dedent("""
    import django
    django.setup()
    from django.core.management import call_command
    from django.db import DatabaseError, connection, transaction
    call_command("migrate", "audit", "0003", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO audit_auditevent (action, actor, target, details, ip, at) "
                       "VALUES ('report_submitted', 'family:DL-1', 'report:DL-1', '{}', '203.0.113.7', %s)",
                       ["2020-01-01T00:00:00+00:00"])
    call_command("migrate", verbosity=0)
    from dalil.audit.models import AuditAddress, AuditEvent, hash_address
    event = AuditEvent.objects.get(target="report:DL-1")
    assert event.address.digest == hash_address("203.0.113.7"), "existing address not hashed"
    names = [c.name for c in connection.introspection.get_table_description(connection.cursor(), "audit_auditevent")]
    assert "ip" not in names, "clear-text column still there"
    for sql in ("UPDATE audit_auditevent SET target = 'x'", "DELETE FROM audit_auditevent"):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql)
        except DatabaseError:
            continue
        raise AssertionError(sql + " was allowed after the migration")
    print("migrated", AuditAddress.objects.count())
""")


def test_it_hashes_the_addresses_already_logged_and_keeps_the_triggers_when_migrating(cli_env_factory):
    env = cli_env_factory()
    env["DJANGO_SETTINGS_MODULE"] = "dalil.settings"
    result = subprocess.run([sys.executable, "-c", MIGRATION_SCRIPT], env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "migrated 1" in result.stdout
