"""Rate limits that protect without punishing: per browser and per address together, nothing typed is lost.

Personas: Umm Mohammed (MOTHER) reporting from a family association's office, where every family's browser
shares one public address; a flood from one address; a family asked to wait who turns to a caseworker.
"""

import re

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client

from dalil.identification.models import MissingPersonReport, SearchRequest
from dalil.portal import access
from tests.ingest.helpers import jpeg_bytes
from tests.portal.conftest import MOTHER, file_report

pytestmark = pytest.mark.django_db

OFFICE = "203.0.113.7"  # the association's one public address


def browser(address=OFFICE, lang="ar", **headers) -> Client:
    client = Client(REMOTE_ADDR=address, **headers)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = lang
    return client


@pytest.fixture
def limits(settings):
    settings.PORTAL_SESSION_REPORTS_PER_HOUR = 2
    settings.PORTAL_IP_REPORTS_PER_HOUR = 5
    settings.PORTAL_SESSION_SEARCHES_PER_HOUR = 2
    settings.PORTAL_IP_SEARCHES_PER_HOUR = 50
    settings.PORTAL_IP_ASKS_PER_HOUR = 50
    return settings


def _retry_after(response) -> int:
    value = int(response["Retry-After"])
    assert 1 <= value <= 3600
    return value


def test_it_lets_two_browsers_behind_one_address_report_below_the_address_limit(limits):
    first, second = browser(), browser()
    for client in (first, second):
        file_report(client)
        file_report(client)
    assert MissingPersonReport.objects.count() == 4


def test_it_stops_one_browser_past_its_own_limit_while_its_neighbour_goes_on(limits):
    busy, neighbour = browser(), browser()
    file_report(busy)
    file_report(busy)
    response = busy.post("/report/", MOTHER)
    assert response.status_code == 429
    _retry_after(response)
    file_report(neighbour)  # same address, own session: not punished for the busy browser
    assert MissingPersonReport.objects.count() == 3


def test_it_stops_a_flood_from_one_address_across_browsers(limits):
    limits.PORTAL_SESSION_REPORTS_PER_HOUR = 100
    for _ in range(5):
        file_report(browser())  # a fresh browser each time, as a script dropping its cookies would be
    assert browser().post("/report/", MOTHER).status_code == 429
    file_report(browser("198.51.100.9"))  # another address has its own count
    assert MissingPersonReport.objects.count() == 6


def test_it_counts_under_remote_addr_and_ignores_x_forwarded_for(limits):
    limits.PORTAL_SESSION_REPORTS_PER_HOUR = 100
    for n in range(5):
        file_report(browser(HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"))  # a header anyone can send moves nothing
    assert browser(HTTP_X_FORWARDED_FOR="192.0.2.200").post("/report/", MOTHER).status_code == 429


def test_it_counts_an_ipv6_client_by_its_network(limits):
    limits.PORTAL_SESSION_REPORTS_PER_HOUR = 100
    for n in range(5):
        file_report(browser(f"2001:db8:1:2::{n + 1}"))  # one household's /64, a new address each time
    assert browser("2001:db8:1:2::99").post("/report/", MOTHER).status_code == 429
    file_report(browser("2001:db8:1:3::1"))


def test_it_keeps_everything_the_family_typed_and_says_when_to_send_it_again(limits):
    family = browser(lang="en")
    file_report(family)
    file_report(family)
    photo = ("photo.jpg", jpeg_bytes(3), "image/jpeg")
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = family.post("/report/", {**MOTHER, "distinguishing_marks": "ندبة على الكتف\nوشم صغير",
                                        "photo": SimpleUploadedFile(*photo), "photo_consent": "on"})
    assert response.status_code == 429
    page = response.content.decode()
    for typed in ("محمد", "الحلبي", "حاجز المعضمية", "أم محمد", "+963 944 123 456", "umm.mohammed@example.org",
                  "ندبة على الكتف\nوشم صغير"):
        assert typed in page, typed
    assert re.search(r'<input type="checkbox" name="consent_contact"[^>]*checked', page)
    assert re.search(r'<input type="radio" name="would_testify" value="maybe"[^>]*checked', page)
    minutes = -(-_retry_after(response) // 60)
    assert "Nothing you typed is lost" in page
    assert f"Please send it again in about {minutes} minute" in page
    assert "choose it again" in page  # the photo is the one thing a browser cannot refill
    assert "/ask/" in page  # and a caseworker is offered
    assert '<form method="post" enctype="multipart/form-data"' in page
    assert MissingPersonReport.objects.count() == 2


def test_it_says_it_warmly_in_arabic(limits):
    family = browser(lang="ar")
    file_report(family)
    file_report(family)
    page = family.post("/report/", MOTHER).content.decode()
    assert "لم يضع شيء مما كتبته" in page
    assert "شكراً لصبرك" in page


def test_it_keeps_ask_a_caseworker_open_to_a_family_asked_to_wait(limits):
    family = browser(lang="en")
    file_report(family)
    file_report(family)
    assert family.post("/report/", MOTHER).status_code == 429
    response = family.post("/ask/", {"note": "please search for my son"})  # this browser acts for its report
    assert response.status_code == 200
    assert SearchRequest.objects.filter(note="please search for my son").exists()
    stranger = browser(lang="en")  # same address, no report yet: the short form
    limits.PORTAL_IP_REPORTS_PER_HOUR = 1  # reports from this address are stopped too now
    assert stranger.post("/report/", MOTHER).status_code == 429
    response = stranger.post("/ask/", {"first_name_ar": "سعاد", "note": "ابحثوا عنها"})
    assert response.status_code == 200 and SearchRequest.objects.filter(note="ابحثوا عنها").exists()


def test_it_gives_ask_a_caseworker_only_a_generous_per_address_limit(limits):
    limits.PORTAL_IP_ASKS_PER_HOUR = 3
    for n in range(3):
        assert browser().post("/ask/", {"first_name_ar": f"سعاد {n}"}).status_code == 200
    response = browser(lang="en").post("/ask/", {"first_name_ar": "هدى", "family_name_ar": "الشامي",
                                                 "note": "آخر مرة رأيناها في ٢٠١٣"})
    assert response.status_code == 429
    _retry_after(response)
    page = response.content.decode()
    assert "هدى" in page and "الشامي" in page and "آخر مرة رأيناها في ٢٠١٣" in page
    assert "Please send it again in about" in page
    assert SearchRequest.objects.count() == 3


def test_it_limits_searches_per_browser_with_a_page_in_the_portal_layout(limits):
    family, neighbour = browser(lang="en"), browser(lang="en")
    assert family.get("/search/", {"number": "1"}).status_code == 200
    assert family.get("/search/", {"number": "2"}).status_code == 200
    response = family.get("/search/", {"number": "3"})
    assert response.status_code == 429
    minutes = -(-_retry_after(response) // 60)
    page = response.content.decode()
    assert f"Please try again in about {minutes} minute" in page
    assert "/ask/" in page and 'lang="en"' in page and "viewport" in page
    assert neighbour.get("/search/", {"number": "3"}).status_code == 200


def test_it_lets_a_browser_go_on_once_its_hour_is_over(limits, monkeypatch):
    limits.PORTAL_IP_REPORTS_PER_HOUR = 100  # the address's hour ends at another time: out of the way here
    now = [1_800_000_000.0]
    monkeypatch.setattr(access.time, "time", lambda: now[0])
    family = browser()
    file_report(family)
    file_report(family)
    response = family.post("/report/", MOTHER)
    wait = _retry_after(response)
    now[0] += wait - 1
    assert family.post("/report/", MOTHER).status_code == 429
    assert int(family.post("/report/", MOTHER)["Retry-After"]) == 1
    now[0] += 1
    file_report(family)


def test_it_keeps_its_session_count_when_the_session_id_changes(limits):
    family = browser()
    file_report(family)  # filing cycles the session id (a new report to act for)
    file_report(family)
    assert family.post("/report/", MOTHER).status_code == 429


def test_it_never_keeps_a_client_address_in_clear_in_the_cache(limits):
    file_report(browser())
    keys = list(getattr(cache, "_cache", {}).keys())
    assert any("portal:rate:report:ip:" in key for key in keys)
    assert not any(OFFICE in key for key in keys)
