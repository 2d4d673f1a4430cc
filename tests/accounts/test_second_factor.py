"""Every staff page needs a second factor: TOTP from an authenticator app, or a one-use recovery code."""

import base64
import re
import time

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from dalil.audit.models import AuditEvent
from dalil.lib.roles import Role
from tests.accounts.helpers import after_a_pause, code, sign_in, sign_in_password, staff
from tests.test_routes import EVERYONE, ROUTES, world  # noqa: F401  (world: the objects the routes point at)

pytestmark = pytest.mark.django_db


def _secret(html: str) -> str:
    return re.search(r'<code dir="ltr" class="hash">([A-Z2-7]+)</code>', html).group(1)


def _code_from_page(html: str) -> str:
    """What a person's app would show after scanning the page's QR code (its secret is printed beside it)."""
    secret = _secret(html)
    totp = TOTP(base64.b32decode(secret + "=" * (-len(secret) % 8)))
    totp.time = time.time()
    return f"{totp.token():06d}"


def test_it_sends_a_password_only_session_to_the_code_step_from_every_staff_route(world, password_only_login):
    admin = User.objects.create_user("half-signed-in")
    from dalil.lib.roles import grant

    grant(admin, Role.ADMIN)
    client = Client()
    password_only_login(client, admin)
    verify = reverse("accounts:verify")
    wrong = []
    for name, route in ROUTES.items():
        if route.allowed == EVERYONE:
            continue
        url = world.url(name, route)
        for method in route.methods:
            response = client.post(url, world.post_data(route)) if method == "POST" else client.get(url)
            if response.status_code != 302 or not response["Location"].startswith(verify):
                wrong.append(f"{method} {name} -> {response.status_code} {response.get('Location', '')}")
    assert not wrong, "opened with a password only:\n" + "\n".join(wrong)
    # and the code step itself shows no staff menu: the session holds no role yet
    page = client.get(verify).content.decode()
    assert reverse("archive:collections") not in page


def test_it_enrols_with_a_qr_code_then_shows_recovery_codes_once(client):
    staff("amal", Role.CASEWORKER, device=False)
    response = sign_in_password(client, "amal", next_url=reverse("casework:queue"))
    assert response["Location"].startswith(reverse("accounts:verify"))
    response = client.get(response["Location"])  # no authenticator yet: on to enrolment
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:enrol"))
    page = client.get(response["Location"]).content.decode()
    assert "<svg" in page and "<script" not in page and "otpauth://totp/Dalil%3Aamal?" in page
    assert client.get(reverse("casework:queue")).status_code == 302  # not before the code confirms the app
    done = client.post(reverse("accounts:enrol"), {"code": _code_from_page(page), "next": reverse("casework:queue")})
    assert done.status_code == 200
    codes = re.findall(r'<li><code class="word">([a-z2-7]{8})</code></li>', done.content.decode())
    assert len(codes) == 10 and set(codes) == set(StaticToken.objects.values_list("token", flat=True))
    assert client.get(reverse("casework:queue")).status_code == 200
    assert TOTPDevice.objects.get(user__username="amal").confirmed
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SECOND_FACTOR_ADDED, target="staff:amal").exists()
    # The secret is shown once: enrolment now sends to the code step, and shows no secret.
    again = client.get(reverse("accounts:enrol"))
    assert again.status_code == 302 and "otpauth" not in again.content.decode()


def test_it_shows_a_new_secret_each_time_the_enrolment_page_opens_and_only_the_last_counts(client):
    staff("basil", Role.ANALYST, device=False)
    sign_in_password(client, "basil")
    first = client.get(reverse("accounts:enrol")).content.decode()
    second = client.get(reverse("accounts:enrol")).content.decode()
    assert _secret(first) != _secret(second)
    refused = client.post(reverse("accounts:enrol"), {"code": _code_from_page(first)})
    assert "not right" in refused.content.decode()
    assert TOTPDevice.objects.filter(user__username="basil").count() == 1
    assert not TOTPDevice.objects.filter(user__username="basil", confirmed=True).exists()
    after_a_pause("basil")
    assert client.post(reverse("accounts:enrol"), {"code": _code_from_page(second)}).status_code == 200
    assert TOTPDevice.objects.get(user__username="basil").confirmed


def test_it_signs_in_with_the_password_then_the_code_and_audits_it(client):
    staff("hala", Role.CASEWORKER)
    response = sign_in(client, "hala")
    assert response.status_code == 302 and response["Location"] == reverse("archive:collections")
    assert client.get(reverse("casework:queue")).status_code == 200
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SIGNED_IN, actor="hala").exists()


def test_it_refuses_a_wrong_code_and_keeps_the_staff_pages_closed(client):
    staff("omar", Role.REVIEWER)
    response = sign_in(client, "omar", token="000000")
    assert response.status_code == 200 and "not right" in response.content.decode()
    assert client.get(reverse("casework:queue"))["Location"].startswith(reverse("accounts:verify"))


def test_it_asks_for_a_code_again_at_every_password_sign_in(client):
    staff("rana", Role.ARCHIVIST)
    sign_in(client, "rana")
    assert client.get(reverse("archive:collections")).status_code == 200
    sign_in_password(client, "rana")  # the same browser signs in again
    assert client.get(reverse("archive:collections"))["Location"].startswith(reverse("accounts:verify"))


def test_it_accepts_a_recovery_code_once(client):
    user = staff("layla", Role.CASEWORKER)
    from dalil.accounts import factors

    codes = factors.new_recovery_codes(user)
    response = sign_in(client, "layla", token=codes[0].upper())  # as typed from paper, in capitals
    assert response.status_code == 302
    assert client.get(reverse("casework:queue")).status_code == 200
    assert factors.recovery_codes_left(user) == 9
    assert AuditEvent.objects.filter(action=AuditEvent.Action.RECOVERY_CODE_USED, actor="layla").exists()
    other = Client()
    again = sign_in(other, "layla", token=codes[0])
    assert again.status_code == 200 and "not right" in again.content.decode()
    assert other.get(reverse("casework:queue")).status_code == 302


def test_it_refuses_a_totp_code_used_already(client):
    staff("nour", Role.CASEWORKER)
    sign_in(client, "nour")
    device = TOTPDevice.objects.get(user__username="nour")
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = device.t0 + device.last_t * device.step
    again = sign_in(Client(), "nour", token=f"{totp.token():06d}")
    assert again.status_code == 200 and "not right" in again.content.decode()
    assert code(device)  # a fresh code still works
