"""The staff page (/staff/, admins) and one's own account page (/account/): every change audited, effective at once."""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from dalil.audit.models import AuditEvent
from dalil.lib.roles import Role, roles_of
from tests.accounts.helpers import PASSWORD, after_a_pause, is_login_redirect, sign_in, sign_in_password, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(staff("layla", Role.ADMIN))
    return client


def _signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _events(action) -> list[tuple[str, str]]:
    return list(AuditEvent.objects.filter(action=action).values_list("actor", "target"))


def test_it_lets_staff_change_their_own_password_and_ends_their_other_sessions(client):
    staff("amal", Role.CASEWORKER)
    sign_in(client, "amal")
    other_device = _signed_in("amal")
    assert other_device.get(reverse("casework:queue")).status_code == 200
    refused = client.post(reverse("accounts:password"), {"old_password": "not it", "new_password1": "a new long "
                          "password 8", "new_password2": "a new long password 8"})
    assert refused.status_code == 200 and User.objects.get(username="amal").check_password(PASSWORD)
    response = client.post(reverse("accounts:password"), {
        "old_password": PASSWORD, "new_password1": "a new long password 8", "new_password2": "a new long password 8"})
    assert response.status_code == 302
    assert User.objects.get(username="amal").check_password("a new long password 8")
    assert client.get(reverse("casework:queue")).status_code == 200  # this session goes on
    assert is_login_redirect(other_device.get(reverse("casework:queue")))  # the other one ended
    assert _events(AuditEvent.Action.PASSWORD_CHANGED) == [("amal", "staff:amal")]


def test_it_lets_an_admin_reset_a_password_shown_once(admin_client):
    staff("basil", Role.ANALYST)
    user_session = _signed_in("basil")
    page = admin_client.post(reverse("staff:reset_password", args=["basil"])).content.decode()
    password = re.search(r'<code dir="ltr" class="hash">([^<]+)</code>', page).group(1)
    assert User.objects.get(username="basil").check_password(password)
    assert is_login_redirect(user_session.get(reverse("archive:cases")))
    assert sign_in(Client(), "basil", password).status_code == 302
    assert _events(AuditEvent.Action.PASSWORD_RESET) == [("layla", "staff:basil")]


def test_it_ends_a_deactivated_users_access_at_once_open_sessions_too(admin_client):
    staff("hala", Role.CASEWORKER)
    session = _signed_in("hala")
    assert session.get(reverse("casework:queue")).status_code == 200
    admin_client.post(reverse("staff:active", args=["hala"]), {"active": "0"})
    assert is_login_redirect(session.get(reverse("casework:queue")))
    refused = sign_in_password(Client(), "hala")
    assert refused.status_code == 200 and "_auth_user_id" not in refused.wsgi_request.session
    admin_client.post(reverse("staff:active", args=["hala"]), {"active": "1"})
    assert sign_in(Client(), "hala").status_code == 302
    assert _events(AuditEvent.Action.STAFF_DEACTIVATED) == [("layla", "staff:hala")]
    assert _events(AuditEvent.Action.STAFF_REACTIVATED) == [("layla", "staff:hala")]


def test_it_takes_a_removed_role_away_from_open_sessions(admin_client):
    staff("omar", Role.CASEWORKER, Role.REVIEWER)
    session = _signed_in("omar")
    assert session.get(reverse("casework:queue")).status_code == 200
    admin_client.post(reverse("staff:roles", args=["omar"]), {"roles": ["archivist"]})
    assert session.get(reverse("casework:queue")).status_code == 403
    assert session.get(reverse("archive:collections")).status_code == 200
    assert roles_of(User.objects.get(username="omar")) == {Role.ARCHIVIST}
    event = AuditEvent.objects.get(action=AuditEvent.Action.ROLES_CHANGED)
    assert event.details == {"granted": ["archivist"], "removed": ["caseworker", "reviewer"]}


def test_it_keeps_an_admin_from_locking_themselves_out(admin_client):
    me = User.objects.get(username="layla")
    admin_client.post(reverse("staff:roles", args=["layla"]), {"roles": ["caseworker"]})
    admin_client.post(reverse("staff:active", args=["layla"]), {"active": "0"})
    me.refresh_from_db()
    assert me.is_active and Role.ADMIN in roles_of(me)
    assert not AuditEvent.objects.exists()


def test_it_adds_staff_with_a_one_time_password_who_then_set_up_their_authenticator(admin_client):
    page = admin_client.post(reverse("staff:add"), {"username": "rana", "first_name": "رنا",
                                                    "roles": ["archivist"]}).content.decode()
    password = re.search(r'<code dir="ltr" class="hash">([^<]+)</code>', page).group(1)
    client = Client()
    response = sign_in_password(client, "rana", password)
    assert client.get(response["Location"])["Location"].startswith(reverse("accounts:enrol"))
    assert _events(AuditEvent.Action.STAFF_ADDED) == [("layla", "staff:rana")]
    assert admin_client.post(reverse("staff:add"), {"username": "rana", "roles": ["archivist"]}).status_code == 200
    assert User.objects.filter(username="rana").count() == 1


def test_it_removes_a_lost_authenticator_so_the_user_sets_up_a_new_one(admin_client):
    staff("nour", Role.CASEWORKER)
    session = _signed_in("nour")
    admin_client.post(reverse("staff:reset_second_factor", args=["nour"]))
    response = session.get(reverse("casework:queue"))
    assert response["Location"].startswith(reverse("accounts:verify"))
    assert session.get(response["Location"])["Location"].startswith(reverse("accounts:enrol"))
    assert _events(AuditEvent.Action.SECOND_FACTOR_RESET) == [("layla", "staff:nour")]


def test_it_makes_new_recovery_codes_that_replace_the_old_ones(client):
    user = staff("sami", Role.ANALYST)
    from dalil.accounts import factors

    old = factors.new_recovery_codes(user)
    client.force_login(user)
    page = client.post(reverse("accounts:recovery_codes")).content.decode()
    new = re.findall(r'<li><code class="word">([a-z2-7]{8})</code></li>', page)
    assert len(new) == 10 and not set(new) & set(old)
    assert sign_in(Client(), "sami", token=old[0]).status_code == 200  # refused: the code step again
    after_a_pause("sami")
    assert sign_in(Client(), "sami", token=new[0]).status_code == 302


@pytest.mark.parametrize("language, words", [("ar", "إضافة عضو إلى الفريق"), ("en", "Add a staff member")])
def test_it_shows_the_staff_page_in_arabic_and_english(admin_client, language, words):
    admin_client.cookies["django_language"] = language
    page = admin_client.get(reverse("staff:list")).content.decode()
    assert words in page and "layla" in page
