"""Reporting a missing relative: Arabic first, contact details and photo encrypted, the secret link shown once."""

import io

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from PIL import Image

from dalil.audit.models import AuditEvent
from dalil.identification.models import MissingPersonReport, SearchRequest
from tests.ingest.helpers import jpeg_bytes
from tests.portal.conftest import MOTHER, SERIAL, file_report

pytestmark = pytest.mark.django_db


def _upload(data: bytes, name="photo.jpg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def test_it_speaks_arabic_right_to_left_by_default(family):
    page = family.get("/").content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert "العربية" in page and "English" in page
    assert "تنصح جمعيات أهالي المعتقلين والمفقودين بعدم البحث في الصور وحدكم" in page  # the portal's own Arabic catalogue


def test_it_speaks_english_left_to_right_when_chosen(family):
    family.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    page = family.get("/").content.decode()
    assert '<html lang="en" dir="ltr">' in page
    assert "Let a caseworker search for me" in page
    assert "advise not to search the photos alone" in page


def test_it_offers_the_three_choices_and_a_caseworker_on_the_home_page(family):
    family.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    page = family.get("/").content.decode()
    for words in ("Report a missing relative", "Search the archive safely", "I have a reference or follow-up link"):
        assert words in page


def test_it_files_a_report_with_contact_details_encrypted_at_rest(family):
    response, report, token = file_report(family)
    assert report.first_name_ar == "محمد" and report.family_name_ar == "الحلبي"
    assert report.age_at_arrest == 28 and report.arresting_branch == "215"  # Arabic-Indic digits read
    assert report.reporter_phone == "+963 944 123 456"
    assert report.reporter_email == "umm.mohammed@example.org"
    assert report.reporter_name == "أم محمد"
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM identification_missingpersonreport WHERE id = %s", [report.pk])
        row = cursor.fetchone()
    raw = b"".join(bytes(v) if isinstance(v, (bytes, memoryview)) else str(v).encode() for v in row)
    for secret in ("944 123 456", "umm.mohammed", "أم محمد", token):
        assert secret.encode() not in raw
    assert MissingPersonReport.for_token(token) == report


def test_it_shows_the_reference_and_an_absolute_secret_link_once(family):
    response, report, token = file_report(family)
    page = response.content.decode()
    assert report.reference in page
    assert f"http://testserver/f/{token}/" in page
    assert "+963 944 123 456" in page  # shown back this once, to check
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    assert not response.has_header("Location")


def test_it_audits_the_report_as_the_family(family):
    _, report, _ = file_report(family)
    event = AuditEvent.objects.get(action=AuditEvent.Action.REPORT_SUBMITTED)
    assert event.actor == f"family:{report.reference}" and event.target == f"report:{report.reference}"


def test_it_keeps_the_photo_re_encoded_without_exif(family):
    original = jpeg_bytes(7, serial=SERIAL)
    assert SERIAL.encode() in original
    _, report, _ = file_report(family, photo=_upload(original), photo_consent="on")
    assert report.photo_consent
    kept = report.photo
    assert kept[:3] == b"\xff\xd8\xff" and SERIAL.encode() not in kept and b"Exif" not in kept
    image = Image.open(io.BytesIO(kept))
    assert image.format == "JPEG" and not image.getexif() and "icc_profile" not in image.info
    stored = bytes(MissingPersonReport.objects.values_list("photo_encrypted", flat=True).get(pk=report.pk))
    assert b"\xff\xd8" not in stored  # encrypted at rest, not a JPEG


def test_it_does_not_keep_a_photo_without_its_consent(family):
    _, report, _ = file_report(family, photo=_upload(jpeg_bytes(8)))
    assert report.photo == b"" and not report.photo_consent


def test_it_refuses_a_decompression_bomb_with_a_clear_message(family):
    bomb = io.BytesIO()
    Image.new("1", (9000, 9000)).save(bomb, "PNG")  # 81 megapixels in a few kilobytes
    family.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    response = family.post("/report/", {**MOTHER, "photo": _upload(bomb.getvalue(), "bomb.png"),
                                        "photo_consent": "on"})
    assert response.status_code == 200
    assert "too large (more than 40 megapixels)" in response.content.decode()
    assert not MissingPersonReport.objects.exists()


def test_it_refuses_a_file_that_is_not_an_image(family):
    family.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    response = family.post("/report/", {**MOTHER, "photo": _upload(b"<html><script>alert(1)</script>", "x.jpg"),
                                        "photo_consent": "on"})
    assert "not a photo we can read" in response.content.decode()
    assert not MissingPersonReport.objects.exists()


def test_it_refuses_a_photo_over_ten_megabytes(family):
    family.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    response = family.post("/report/", {**MOTHER, "photo": _upload(b"\xff\xd8" + b"0" * (10 * 1024 * 1024))})
    assert "larger than 10 MB" in response.content.decode()
    assert not MissingPersonReport.objects.exists()


def test_it_asks_for_at_least_a_first_name(family):
    response = family.post("/report/", {"reporter_name": "أم محمد"})
    assert response.status_code == 200 and not MissingPersonReport.objects.exists()
    assert 'role="alert"' in response.content.decode()


def test_it_creates_a_search_request_when_a_caseworker_should_search(family):
    _, report, _ = file_report(family, wants_caseworker_search="on")
    assert report.wants_caseworker_search
    assert SearchRequest.objects.filter(report=report).count() == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SEARCH_REQUESTED).count() == 1


def test_it_limits_reports_per_connection(family, settings):
    settings.PORTAL_SESSION_REPORTS_PER_HOUR = 2
    file_report(family)
    file_report(family)
    assert family.post("/report/", MOTHER).status_code == 429
    assert MissingPersonReport.objects.count() == 2


def test_it_refuses_a_report_without_csrf_token():
    assert Client(enforce_csrf_checks=True).post("/report/", MOTHER).status_code == 403
