"""The secret follow-up link: status and messages for that report only; anything else is one 404 page."""

import re

import pytest
from django.conf import settings as django_settings
from django.test import Client

from dalil.identification.models import FollowUpMessage, MissingPersonReport, SearchRequest
from dalil.audit.models import AuditEvent
from tests.portal.conftest import MOTHER, file_report

pytestmark = pytest.mark.django_db


def test_it_shows_the_status_and_the_caseworkers_messages(family, caseworker):
    _, report, token = file_report(family)
    FollowUpMessage.objects.create(report=report, author=caseworker, body="نبحث في الأرشيف، سنكتب لكم قريباً.")
    reader = Client()
    reader.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    response = reader.get(f"/f/{token}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert report.reference in page
    assert "We have received your report" in page
    assert "نبحث في الأرشيف، سنكتب لكم قريباً." in page
    assert "rim.caseworker" not in page  # staff are not named to families
    assert response["Referrer-Policy"] == "no-referrer"
    assert '<meta name="referrer" content="no-referrer">' in page
    # its forms post back under the secret address (their check), never to a page that would fail CSRF
    actions = re.findall(r'<form method="post" action="([^"]+)"', page)
    assert actions and all(a.startswith(f"/f/{token}/") for a in actions), actions


def test_it_never_shows_the_contact_details_again(family):
    _, report, token = file_report(family)
    page = Client().get(f"/f/{token}/").content.decode()
    for detail in ("944 123 456", "umm.mohammed@example.org", "أم محمد"):
        assert detail not in page


def test_it_gives_one_and_the_same_404_for_unknown_and_revoked_links(family):
    _, report, token = file_report(family)
    unknown = Client().get("/f/not-a-real-token-at-all/")
    MissingPersonReport.objects.filter(pk=report.pk).update(followup_revoked=True)
    revoked = Client().get(f"/f/{token}/")
    assert unknown.status_code == revoked.status_code == 404
    assert unknown.content == revoked.content
    assert report.reference.encode() not in revoked.content


def test_it_shows_nothing_of_another_report(family):
    _, first, first_token = file_report(family)
    _, second, _ = file_report(Client(), first_name_ar="خالد", family_name_ar="الشامي")
    page = Client().get(f"/f/{first_token}/").content.decode()
    assert first.reference in page and second.reference not in page and "خالد" not in page


def test_it_makes_the_browser_act_for_the_report_until_it_forgets(family):
    _, report, token = file_report(Client())
    family.get(f"/f/{token}/")
    assert family.session["portal_report"] == report.pk
    assert family.get("/forget/").status_code == 200
    response = family.post("/forget/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert "portal_report" not in family.session


def test_it_stops_acting_for_a_report_whose_link_was_revoked(family):
    _, report, _ = file_report(family)
    MissingPersonReport.objects.filter(pk=report.pk).update(followup_revoked=True)
    family.post("/ask/", {"note": "x"})
    assert not SearchRequest.objects.exists()


def test_it_attaches_a_caseworker_search_to_the_browsers_report(family):
    _, report, _ = file_report(family)
    assert report.reference in family.get("/ask/").content.decode()
    response = family.post("/ask/", {"note": "كان يلبس خاتماً فضياً"})
    assert response.status_code == 200
    request = SearchRequest.objects.get()
    assert request.report == report and request.note == "كان يلبس خاتماً فضياً"
    report.refresh_from_db()
    assert report.wants_caseworker_search
    event = AuditEvent.objects.get(action=AuditEvent.Action.SEARCH_REQUESTED)
    assert event.actor == f"family:{report.reference}"


def test_it_asks_for_the_essentials_before_a_caseworker_search_without_a_report(family):
    page = family.get("/ask/").content.decode()
    assert 'name="first_name_ar"' in page and 'name="photo"' not in page
    short = {k: MOTHER[k] for k in ("first_name_ar", "family_name_ar", "reporter_name", "reporter_phone")}
    response = family.post("/ask/", {**short, "note": "لا أريد أن أرى الصور"})
    assert response.status_code == 200
    report = MissingPersonReport.objects.get()
    assert report.wants_caseworker_search and report.reporter_phone == "+963 944 123 456"
    assert SearchRequest.objects.get().report == report
    assert "/f/" in response.content.decode()
