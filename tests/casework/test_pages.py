"""What caseworkers and reviewers see and do on the casework pages."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from dalil.audit.models import AuditEvent
from dalil.identification.models import Claim, Identification, MissingPersonReport, SearchRequest
from tests.identification.personas import D, make_case, make_report

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def _jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "FamilyPhone"
    exif.get_ifd(0x8825).update({1: "N", 2: (33.0, 30.0, 0.0)})
    out = io.BytesIO()
    Image.new("RGB", (60, 80), (200, 180, 150)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_it_shows_the_queue_in_four_sections_with_counts(caseworker, report, good_case):
    SearchRequest.objects.create(report=report, note="ابحثوا عنه")
    Claim.objects.create(report=report, case=good_case, reason="عرفناه من الصورة")
    response = _client(caseworker).get(reverse("casework:queue"))
    assert response.status_code == 200
    assert response.context["counts"] == {"reports": 1, "claims": 1, "searches": 1, "review": 0}
    assert report.reference in response.content.decode()


def test_it_shows_a_report_with_ranked_candidates_and_reasons_but_no_contact_details(caseworker, report, good_case):
    make_case(exam_no="0999", date=D(2011, 1, 1))
    response = _client(caseworker).get(reverse("casework:report", args=[report.reference]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "محمد أحمد الخطيب" in page
    assert "+963 944 123 456" not in page and "um.mohammad@example.org" not in page and "أم محمد" not in page
    assert page.index("1001") < page.index("0999")  # the case dated before the arrest ranks below
    assert "the branch that made the arrest" in page and "Propose" in page
    assert AuditEvent.objects.filter(action=AuditEvent.Action.VIEWED_REPORT, actor="salma").count() == 1
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.VIEWED_CONTACT).exists()


def test_it_shows_contact_details_only_when_asked_and_audits_it(caseworker, report):
    response = _client(caseworker).post(reverse("casework:report_contact", args=[report.reference]))
    page = response.content.decode()
    assert "+963 944 123 456" in page and "أم محمد" in page and "um.mohammad@example.org" in page
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action=AuditEvent.Action.VIEWED_CONTACT)
    assert (event.actor, event.target) == ("salma", f"report:{report.reference}")


def test_it_serves_the_familys_photo_without_its_metadata_audited_and_not_stored(caseworker):
    report = make_report(photo=_jpeg_with_gps())
    response = _client(caseworker).get(reverse("casework:report_photo", args=[report.reference]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert "no-store" in response["Cache-Control"]
    image = Image.open(io.BytesIO(response.content))
    assert not image.getexif() and b"FamilyPhone" not in response.content
    assert AuditEvent.objects.filter(action=AuditEvent.Action.VIEWED_REPORT, details__part="photo").count() == 1


def test_it_answers_404_for_a_report_without_a_photo(caseworker, report):
    assert _client(caseworker).get(reverse("casework:report_photo", args=[report.reference])).status_code == 404


CONFIRMED = {"step": "confirm", "confirmed": "yes"}


def test_it_proposes_a_candidate_from_the_report_page(caseworker, report, good_case):
    client, url = _client(caseworker), reverse("casework:propose", args=[report.reference])
    asked = client.post(url, {"case": good_case.pk})  # a confirmation page first, asking why
    assert asked.status_code == 200 and not Identification.objects.exists()
    response = client.post(url, {"case": good_case.pk, "note": "الفرع والتاريخ متطابقان", **CONFIRMED})
    ident = Identification.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("casework:identification", args=[ident.pk])
    assert ident.state == "claimed" and ident.steps.get().actor == caseworker
    assert ident.steps.get().note == "الفرع والتاريخ متطابقان"


def test_it_lists_the_reports_that_could_fit_a_body(caseworker, report, good_case):
    make_report(first_name_ar="سامر", sex="female")
    response = _client(caseworker).get(reverse("casework:case_reports", args=[good_case.pk]))
    found = [c.report for c, _ in response.context["candidates"]]
    assert found[0] == report and len(found) == 2


def test_it_walks_an_identification_through_two_reviewers(caseworker, reviewer, second_reviewer, report, good_case):
    _client(caseworker).post(reverse("casework:propose", args=[report.reference]),
                             {"case": good_case.pk, "note": "branch and dates fit", **CONFIRMED})
    ident = Identification.objects.get()
    step = reverse("casework:identification_step", args=[ident.pk])
    assert _client(caseworker).post(step, {"action": "corroborate", "note": "x"}).status_code == 403
    first = _client(reviewer)
    page = first.get(reverse("casework:identification", args=[ident.pk])).content.decode()
    assert "Corroborate" in page and 'value="confirm"' not in page
    first.post(step, {"action": "corroborate", "note": "الأرقام متطابقة"})
    page = first.get(reverse("casework:identification", args=[ident.pk])).content.decode()
    assert 'value="confirm"' not in page and "second, different reviewer" in page
    first.post(step, {"action": "confirm", "note": "checked", "confirmed": "yes"})  # refused: the same reviewer
    ident.refresh_from_db()
    assert ident.state == "corroborated"
    second = _client(second_reviewer)
    second.post(step, {"action": "confirm", "note": ""})  # refused: no note, no tick
    ident.refresh_from_db()
    assert ident.state == "corroborated"
    second.post(step, {"action": "confirm", "note": "numbers and marks checked", "confirmed": "yes"})
    ident.refresh_from_db()
    report.refresh_from_db()
    assert ident.state == "confirmed" and report.status == MissingPersonReport.Status.IDENTIFIED
    assert report.messages.get().author == second_reviewer


def test_it_needs_a_reason_to_reject_through_the_page(reviewer, report, good_case, caseworker):
    from dalil.identification import workflow

    ident = workflow.propose(report, good_case, caseworker)
    client = _client(reviewer)
    response = client.post(reverse("casework:identification_step", args=[ident.pk]), {"action": "reject"},
                           follow=True)
    assert "reason" in response.content.decode()
    ident.refresh_from_db()
    assert ident.state == "claimed"


def test_it_sends_a_message_to_the_family_and_audits_it(caseworker, report):
    _client(caseworker).post(reverse("casework:message", args=[report.reference]), {"body": "نحن نبحث، لا تقلقي"})
    assert report.messages.get().body == "نحن نبحث، لا تقلقي"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.MESSAGE_SENT, actor="salma").count() == 1
    report.refresh_from_db()
    assert report.status == MissingPersonReport.Status.IN_REVIEW


def test_it_revokes_and_reissues_the_follow_up_link(caseworker, report):
    client = _client(caseworker)
    client.post(reverse("casework:revoke_link", args=[report.reference]))
    report.refresh_from_db()
    assert report.followup_revoked
    asked = client.post(reverse("casework:reissue_link", args=[report.reference]))
    assert "stops working at once" in asked.content.decode() and "token" not in asked.context
    response = client.post(reverse("casework:reissue_link", args=[report.reference]),
                           {"note": "the family lost the link", **CONFIRMED})
    token = response.context["token"]
    assert f"/f/{token}/" in response.content.decode() and "no-store" in response["Cache-Control"]
    assert MissingPersonReport.for_token(token) == report
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LINK_REVOKED).count() == 2
    page = client.get(reverse("casework:report", args=[report.reference])).content.decode()
    assert token not in page


def test_it_marks_a_search_request_done(caseworker, report):
    search = SearchRequest.objects.create(report=report, note="ابحثوا عنه")
    _client(caseworker).post(reverse("casework:search_request_done", args=[search.pk]))
    search.refresh_from_db()
    assert search.status == "done" and search.note == "ابحثوا عنه"


def test_it_speaks_arabic_right_to_left_by_default(caseworker, report):
    client = Client()
    client.force_login(caseworker)
    page = client.get(reverse("casework:report", args=[report.reference])).content.decode()
    assert 'lang="ar" dir="rtl"' in page and "المرشّحة" in page
