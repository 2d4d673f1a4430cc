"""A family's claim document, opened by a caseworker: decrypted for the response only, audited, never cached."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from dalil.audit.models import AuditEvent
from dalil.identification.models import Claim
from dalil.lib import crypto
from tests.identification.personas import person

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (50, 40), (30, 90, 160)).save(out, "PNG")
    return out.getvalue()


def _claim(report, case, document: bytes, name: str) -> Claim:
    """As the portal stores it (dalil.portal.views.claims): the bytes encrypted, the name beside them."""
    return Claim.objects.create(report=report, case=case, reason="الندبة على ساعده الأيسر", document_name=name,
                                document_encrypted=crypto.encrypt(document))


def test_it_stores_the_document_encrypted(report, good_case):
    claim = _claim(report, good_case, b"%PDF-1.4 family book", "دفتر العائلة.pdf")
    assert b"family book" not in bytes(Claim.objects.get(pk=claim.pk).document_encrypted)


def test_it_shows_a_picture_inline_to_a_caseworker_and_audits_it(caseworker, report, good_case):
    picture = _png()
    claim = _claim(report, good_case, picture, "بطاقة.png")
    response = _client(caseworker).get(reverse("casework:claim_document", args=[claim.pk]))
    assert response.status_code == 200
    assert response.content == picture
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert "no-store" in response["Cache-Control"] and response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    event = AuditEvent.objects.get(action=AuditEvent.Action.VIEWED_DOCUMENT)
    assert event.actor == "salma" and event.target == f"claim:{claim.pk}"
    assert event.details["report"] == report.reference and event.details["name"] == "بطاقة.png"


def test_it_offers_anything_else_only_as_a_download_under_the_familys_file_name(caseworker, report, good_case):
    # a page of HTML named like a picture: recognised from its bytes, never rendered
    claim = _claim(report, good_case, b"<html><script>alert(1)</script></html>", "صورة.jpg")
    response = _client(caseworker).get(reverse("casework:claim_document", args=[claim.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment") and "filename*=utf-8''%D8%B5%D9%88%D8%B1%D8%A9.jpg" in disposition
    assert AuditEvent.objects.filter(action=AuditEvent.Action.VIEWED_DOCUMENT, target=f"claim:{claim.pk}").count() == 1


def test_it_audits_every_opening(caseworker, report, good_case):
    claim = _claim(report, good_case, _png(), "a.png")
    client = _client(caseworker)
    for _ in range(3):
        assert client.get(reverse("casework:claim_document", args=[claim.pk])).status_code == 200
    assert AuditEvent.objects.filter(action=AuditEvent.Action.VIEWED_DOCUMENT).count() == 3


def test_it_refuses_the_document_to_a_reviewer_and_tells_no_one(reviewer, report, good_case):
    claim = _claim(report, good_case, _png(), "a.png")
    response = _client(reviewer).get(reverse("casework:claim_document", args=[claim.pk]))
    assert response.status_code == 403
    assert _png() not in response.content
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.VIEWED_DOCUMENT).exists()


def test_it_answers_404_for_a_claim_without_a_document(caseworker, report, good_case):
    claim = Claim.objects.create(report=report, case=good_case, reason="عرفناه")
    assert _client(caseworker).get(reverse("casework:claim_document", args=[claim.pk])).status_code == 404
    assert _client(caseworker).get(reverse("casework:claim_document", args=[claim.pk + 1])).status_code == 404


def test_it_links_the_document_from_the_report_and_identification_pages_for_caseworkers_only(
        caseworker, reviewer, report, good_case):
    from dalil.identification import workflow

    claim = _claim(report, good_case, _png(), "بطاقة.png")
    ident = workflow.propose(report, good_case, caseworker)
    link = reverse("casework:claim_document", args=[claim.pk])
    for name, args in (("casework:report", [report.reference]), ("casework:identification", [ident.pk])):
        assert link in _client(caseworker).get(reverse(name, args=args)).content.decode(), name
        page = _client(reviewer).get(reverse(name, args=args)).content.decode()
        assert link not in page and "بطاقة.png" not in page, name
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.VIEWED_DOCUMENT).exists()  # a link opens nothing
