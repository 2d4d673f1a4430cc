"""Sign-in lockout (django-axes): after DALIL_LOGIN_FAILURE_LIMIT failures, not even the right password opens."""

import io
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from dalil.audit.models import AuditEvent
from dalil.lib.roles import Role
from tests.accounts.helpers import PASSWORD, after_a_pause, sign_in, sign_in_password, staff

pytestmark = pytest.mark.django_db


def _fail(client: Client, username: str, times: int) -> None:
    for _ in range(times):
        response = sign_in_password(client, username, "not the password at all")
        assert response.status_code in (200, 429)


def test_it_locks_a_user_name_after_the_limit_even_with_the_right_password(client, settings):
    staff("amal", Role.CASEWORKER)
    _fail(client, "amal", settings.AXES_FAILURE_LIMIT - 1)
    assert sign_in(client, "amal").status_code == 302  # one failure short of the limit: still fine
    client.post(reverse("logout"))
    _fail(Client(), "amal", settings.AXES_FAILURE_LIMIT)
    elsewhere = Client(REMOTE_ADDR="192.0.2.9")
    locked = sign_in_password(elsewhere, "amal", PASSWORD)  # from another address, with the right password
    assert locked.status_code == 429 and "locked" in locked.content.decode()
    assert "_auth_user_id" not in elsewhere.session
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOCKED_OUT, target="staff:amal").count() == 1


def test_it_locks_an_address_that_tries_many_user_names(settings):
    staff("basil", Role.ANALYST)
    attacker = Client(REMOTE_ADDR="198.51.100.7")
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in_password(attacker, f"guess{n}", "not the password at all")
    assert sign_in_password(attacker, "basil", PASSWORD).status_code == 429
    assert sign_in_password(Client(REMOTE_ADDR="203.0.113.5"), "basil", PASSWORD).status_code == 302


def test_it_counts_wrong_codes_towards_the_lockout_and_signs_the_half_signed_in_session_out(client, settings):
    staff("hala", Role.CASEWORKER)
    sign_in_password(client, "hala")
    for n in range(settings.AXES_FAILURE_LIMIT):
        after_a_pause("hala")  # a code sent sooner is refused by django-otp's back-off before it is even checked
        response = client.post(reverse("accounts:verify"), {"code": "000000"})
    assert response.status_code == 429
    assert client.get(reverse("casework:queue"))["Location"].startswith(reverse("login"))  # signed out
    assert sign_in_password(Client(), "hala").status_code == 429


def test_it_unlocks_from_the_staff_page_and_audits_it(client, settings):
    staff("omar", Role.REVIEWER)
    _fail(Client(), "omar", settings.AXES_FAILURE_LIMIT)
    admin = staff("layla", Role.ADMIN)
    client.force_login(admin)
    page = client.get(reverse("staff:list")).content.decode()
    assert "omar" in page and "locked" in page
    response = client.post(reverse("staff:unlock"), {"username": "omar"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action=AuditEvent.Action.UNLOCKED)
    assert event.actor == "layla" and event.target == "staff:omar"
    assert sign_in(Client(), "omar").status_code == 302


def test_it_unlocks_from_the_command_line_and_audits_it(settings):
    staff("rana", Role.ARCHIVIST)
    _fail(Client(REMOTE_ADDR="192.0.2.44"), "rana", settings.AXES_FAILURE_LIMIT)
    out = io.StringIO()
    call_command("staff", "unlock", "--list", stdout=out)
    assert "rana" in out.getvalue() and "LOCKED" in out.getvalue()
    call_command("staff", "unlock", "rana", stdout=io.StringIO())
    call_command("staff", "unlock", "--ip", "192.0.2.44", stdout=io.StringIO())
    assert set(AuditEvent.objects.filter(action=AuditEvent.Action.UNLOCKED).values_list("target", flat=True)) == {
        "staff:rana", "address:192.0.2.44"}
    assert not AccessAttempt.objects.exists()
    assert sign_in(Client(REMOTE_ADDR="192.0.2.44"), "rana").status_code == 302


def test_it_lets_a_locked_user_name_try_again_after_the_cool_off(settings):
    staff("nour", Role.CASEWORKER)
    _fail(Client(), "nour", settings.AXES_FAILURE_LIMIT)
    assert sign_in_password(Client(), "nour").status_code == 429
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.first().attempt_time
                                 - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert sign_in(Client(), "nour").status_code == 302
