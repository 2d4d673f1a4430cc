""""I think this is my relative": a claim, an Identification(claimed), and news on the follow-up page."""

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from dalil.audit.models import AuditEvent
from dalil.identification.models import Claim, Identification, MissingPersonReport
from dalil.lib import crypto
from tests.portal.conftest import MOTHER, file_report

pytestmark = pytest.mark.django_db
REASON = "الندبة على كتفه الأيسر من حادث في طفولته"


def test_it_records_a_claim_and_shows_it_on_the_followup_page(family, archive):
    _, report, token = file_report(family)
    case = archive["custody"]
    assert family.get(f"/case/{case.pk}/claim/").status_code == 200
    response = family.post(f"/case/{case.pk}/claim/", {"reason": REASON})
    assert response.status_code == 200 and f"/f/{token}/" in response.content.decode()
    claim = Claim.objects.get()
    assert (claim.report, claim.case, claim.reason) == (report, case, REASON)
    identification = Identification.objects.get()
    assert (identification.report, identification.case, identification.state) == (report, case, "claimed")
    report.refresh_from_db()
    assert report.status == MissingPersonReport.Status.POSSIBLE_MATCH
    event = AuditEvent.objects.get(action=AuditEvent.Action.CLAIM_MADE)
    assert event.actor == f"family:{report.reference}" and event.target == f"case:{case.pk}"
    reader = Client()
    reader.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    page = reader.get(f"/f/{token}/").content.decode()
    assert "Being checked" in page and "1001" in page and "3042" in page


def test_it_tells_the_family_when_a_claim_is_confirmed_or_not_a_match(family, archive):
    _, report, token = file_report(family)
    family.post(f"/case/{archive['custody'].pk}/claim/", {"reason": REASON})
    family.post(f"/case/{archive['unknown'].pk}/claim/", {"reason": "العمر والتاريخ"})
    Identification.objects.filter(case=archive["custody"]).update(state="confirmed")
    Identification.objects.filter(case=archive["unknown"]).update(state="rejected")
    reader = Client()
    reader.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    page = reader.get(f"/f/{token}/").content.decode()
    # a death is told by a person first: until a caseworker records it, the page says only that they will call
    assert "Not a match" in page and "will contact you soon" in page and "What we found" not in page
    Identification.objects.filter(case=archive["custody"]).update(family_told_at=timezone.now(), family_told_how="phone")
    page = reader.get(f"/f/{token}/").content.decode()
    assert "What we found" in page and "Not a match" in page and "Being checked" not in page


def test_it_keeps_one_claim_per_case(family, archive):
    file_report(family)
    case = archive["custody"]
    family.post(f"/case/{case.pk}/claim/", {"reason": REASON})
    family.post(f"/case/{case.pk}/claim/", {"reason": "مرة ثانية"})
    assert Claim.objects.count() == Identification.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CLAIM_MADE).count() == 1


def test_it_offers_a_report_first_and_then_comes_back(family, archive):
    case = archive["custody"]
    page = family.get(f"/case/{case.pk}/claim/").content.decode()
    assert f"/report/?next=/case/{case.pk}/claim/" in page.replace("%2F", "/")
    assert family.post(f"/case/{case.pk}/claim/", {"reason": REASON}).status_code == 200
    assert not Claim.objects.exists()
    response = family.post("/report/", {**MOTHER, "next": f"/case/{case.pk}/claim/"})
    assert f'href="/case/{case.pk}/claim/"' in response.content.decode()
    family.post(f"/case/{case.pk}/claim/", {"reason": REASON})
    assert Claim.objects.get().report == MissingPersonReport.objects.get()


def test_it_ignores_a_return_address_outside_the_case_pages(family):
    response = family.post("/report/", {**MOTHER, "next": "https://evil.example/case/1/"})
    assert "evil.example" not in response.content.decode()


def test_it_keeps_the_document_encrypted(family, archive):
    file_report(family)
    case = archive["custody"]
    document = SimpleUploadedFile("هوية.pdf", b"%PDF-1.4 identity card of Mohammed", content_type="application/pdf")
    family.post(f"/case/{case.pk}/claim/", {"reason": REASON, "document": document})
    claim = Claim.objects.get()
    stored = bytes(claim.document_encrypted)
    assert b"identity card" not in stored
    assert crypto.decrypt(stored) == b"%PDF-1.4 identity card of Mohammed"
    assert claim.document_name == "هوية.pdf"


def test_it_refuses_a_document_over_ten_megabytes(family, archive, settings):
    file_report(family)
    family.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    big = SimpleUploadedFile("big.pdf", b"0" * (10 * 1024 * 1024 + 1))
    response = family.post(f"/case/{archive['custody'].pk}/claim/", {"reason": REASON, "document": big})
    assert "larger than 10 MB" in response.content.decode()
    assert not Claim.objects.exists()
