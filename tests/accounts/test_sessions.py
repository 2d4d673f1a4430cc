"""Sessions: staff are signed out after DALIL_STAFF_IDLE_MINUTES without a request; sessions end with the browser."""

import time

import pytest
from django.test import Client
from django.urls import reverse

from dalil.accounts.middleware import SEEN
from dalil.identification.models import MissingPersonReport
from dalil.lib.roles import Role
from tests.accounts.helpers import is_login_redirect, sign_in, staff

pytestmark = pytest.mark.django_db


def _idle(client: Client, seconds: int) -> None:
    session = client.session
    session[SEEN] = int(time.time()) - seconds
    session.save()


def test_it_signs_staff_out_after_the_idle_timeout(client, settings):
    settings.STAFF_IDLE_MINUTES = 30
    client.cookies["django_language"] = "en"
    client.force_login(staff("amal", Role.ARCHIVIST))
    assert client.get(reverse("archive:collections")).status_code == 200
    _idle(client, 29 * 60)
    assert client.get(reverse("archive:collections")).status_code == 200  # 29 minutes: still signed in
    _idle(client, 31 * 60)
    response = client.get(reverse("archive:collections"))
    assert is_login_redirect(response) and "next=" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "signed out after 30 minutes without activity" in page
    assert "_auth_user_id" not in client.session
    assert is_login_redirect(client.get(reverse("archive:collections")))


def test_it_counts_each_request_as_activity(client, settings):
    settings.STAFF_IDLE_MINUTES = 30
    client.force_login(staff("basil", Role.ANALYST))
    _idle(client, 20 * 60)
    assert client.get(reverse("archive:collections")).status_code == 200
    assert time.time() - client.session[SEEN] < 5  # the clock starts again
    _idle(client, 20 * 60)
    assert client.get(reverse("archive:collections")).status_code == 200


def test_it_gives_staff_a_session_cookie_that_ends_with_the_browser(client):
    staff("hala", Role.CASEWORKER)
    response = sign_in(client, "hala")
    cookie = response.cookies["sessionid"]
    assert cookie.value and cookie["max-age"] == "" and cookie["expires"] == ""


def test_it_gives_a_family_a_session_cookie_that_ends_with_the_browser(client, settings):
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = False  # the portal sees to it itself, whatever the default
    token, digest = MissingPersonReport.issue_followup_token()
    report = MissingPersonReport(followup_digest=digest, first_name_ar="سامر")
    report.set_private(name="أم سامر", phone="+000 0000 0009")
    report.save()
    response = client.get(reverse("portal:followup", args=[token]))
    assert response.status_code == 200
    cookie = response.cookies["sessionid"]
    assert cookie.value and cookie["max-age"] == "" and cookie["expires"] == ""
    assert client.session.get_expire_at_browser_close()


def test_it_signs_out_without_a_next_address(client):
    client.force_login(staff("omar", Role.REVIEWER))
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session
