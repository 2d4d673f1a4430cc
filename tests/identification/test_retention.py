"""Contact details are not kept forever: a period counted from the last contact, a warning, a renewal, erasure.

Persona: Umm Mohammad («أم محمد»), who reported her son «محمد أحمد الخطيب» with her phone and email and
attached his ID card to a claim, then went quiet; Salma, the caseworker who asks her to renew.
"""

import datetime
import io
import json
import subprocess
import sys
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client, RequestFactory
from django.utils import timezone

from dalil.audit.models import AuditAddress, AuditEvent, audit
from dalil.identification import retention
from dalil.identification.models import Claim, Identification, MissingPersonReport
from dalil.lib import crypto
from tests.identification.personas import make_case, make_report

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def _quiet_for(report, days: int) -> MissingPersonReport:
    MissingPersonReport.objects.filter(pk=report.pk).update(last_contact_at=timezone.now() - days * DAY)
    return MissingPersonReport.objects.get(pk=report.pk)


def _with_claim_document(report) -> Claim:
    return Claim.objects.create(report=report, case=make_case(), reason="الندبة على ساعده",
                                document_name="هوية محمد.jpg", document_encrypted=crypto.encrypt(b"ID card scan"))


def _run(*args) -> str:
    out = io.StringIO()
    call_command("retention", *args, stdout=out)
    return out.getvalue()


def _staff(user) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


@pytest.fixture
def quiet(db):
    """Umm Mohammad's report, with no contact for 731 days, a claim with a document and a photo of her son."""
    report = make_report(photo=b"photo of the missing man", photo_consent=True)
    _with_claim_document(report)
    return _quiet_for(report, 731)


def test_it_lists_what_is_due_in_a_dry_run_and_changes_nothing(quiet):
    recent = make_report(reporter_name="أم خالد")
    out = _run("--dry-run")
    assert quiet.reference in out and recent.reference not in out
    assert "name, phone, email, 1 claim document(s)" in out
    assert "Nothing was changed" in out
    quiet.refresh_from_db()
    assert quiet.reporter_phone == "+963 944 123 456" and quiet.contact_erased_at is None
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.CONTACT_ERASED).exists()


def test_it_erases_contact_details_and_documents_and_keeps_the_report(quiet):
    identification = Identification.objects.create(report=quiet, case=make_case(exam_no="2002"))
    out = _run()
    assert "Contact details erased: 1 report(s)" in out and quiet.reference in out
    report = MissingPersonReport.objects.get(pk=quiet.pk)
    assert (report.reporter_name, report.reporter_phone, report.reporter_email) == ("", "", "")
    assert report.contact_erased_at is not None and not report.holds_contact
    claim = report.claims.get()
    assert bytes(claim.document_encrypted) == b"" and claim.document_name == ""
    assert claim.reason == "الندبة على ساعده"
    # what stays: the description of the missing man, his photo, the consents, the identification
    assert report.full_name_ar() == "محمد أحمد الخطيب" and report.distinguishing_marks.startswith("ندبة")
    assert report.photo == b"photo of the missing man" and report.photo_consent
    assert report.consent_contact and report.reporter_relationship == "الأم"
    assert Identification.objects.filter(pk=identification.pk).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.CONTACT_ERASED)
    assert event.actor == "dalil retention" and event.target == f"report:{report.reference}"
    assert event.details["fields"] == ["name", "phone", "email"] and event.details["documents"] == 1
    assert "Contact details erased: 0 report(s)" in _run()  # once only


def test_it_prints_a_json_summary(quiet):
    summary = json.loads(_run("--dry-run", "--json"))
    assert summary["applied"] is False and summary["contact_retention_days"] == 730
    assert [r["reference"] for r in summary["reports"]] == [quiet.reference]
    assert summary["reports"][0]["fields"] == ["name", "phone", "email"] and summary["reports"][0]["documents"] == 1
    summary = json.loads(_run("--json"))
    assert summary["applied"] is True and len(summary["reports"]) == 1 and summary["errors"] == []


def test_it_follows_the_retention_setting(quiet, settings):
    settings.CONTACT_RETENTION_DAYS = 1000
    assert quiet.reference not in _run("--dry-run")


def test_it_drops_audit_addresses_after_their_period_and_keeps_the_events(db, settings):
    settings.AUDIT_IP_RETENTION_DAYS = 30
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7")
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() - 31 * DAY):
        old = audit(request, AuditEvent.Action.REVEALED_PREVIEW, "case:1", actor="family:DL-1")
    recent = audit(request, AuditEvent.Action.REVEALED_PREVIEW, "case:2", actor="family:DL-1")
    assert "Audit address hashes due to be dropped: 1" in _run("--dry-run")
    assert AuditAddress.objects.count() == 2
    assert "Audit address hashes dropped: 1" in _run()
    assert list(AuditAddress.objects.values_list("event_id", flat=True)) == [recent.pk]
    assert AuditEvent.objects.filter(pk__in=[old.pk, recent.pk]).count() == 2
    for sql in ("UPDATE audit_auditevent SET target = 'x' WHERE id = %s", "DELETE FROM audit_auditevent WHERE id = %s"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [old.pk])


def test_it_counts_from_when_the_family_last_opened_their_link(quiet):
    token, quiet.followup_digest = MissingPersonReport.issue_followup_token()
    quiet.save(update_fields=["followup_digest"])
    assert Client().get(f"/f/{token}/").status_code == 200
    quiet.refresh_from_db()
    assert timezone.now() - quiet.last_contact_at < DAY
    assert quiet.reference not in _run("--dry-run")


def test_it_does_not_erase_a_report_whose_family_came_back_while_it_ran(quiet):
    stale = MissingPersonReport.objects.get(pk=quiet.pk)
    MissingPersonReport.objects.get(pk=quiet.pk).record_contact()
    assert retention.erase_contact(stale) is None
    quiet.refresh_from_db()
    assert quiet.reporter_phone == "+963 944 123 456"


def test_it_warns_caseworkers_before_the_contact_details_expire(db, caseworker):
    soon = _quiet_for(make_report(), 700)  # erased in 30 days: inside the 60-day warning
    later = _quiet_for(make_report(reporter_name="أم خالد"), 100)
    client = _staff(caseworker)
    date = soon.contact_expires_at.strftime("%Y-%m-%d")
    queue = client.get("/casework/").content.decode()
    assert "The contact details of 1 report expire soon: ask the family to renew." in queue
    expiring = queue[queue.index('id="expiring"'):]
    expiring = expiring[:expiring.index("</ul>")]
    assert f"contact details expire on {date}; ask the family to renew." in expiring
    assert soon.reference in expiring and later.reference not in expiring
    page = client.get(f"/casework/reports/{soon.reference}/").content.decode()
    assert f"Contact details expire on {date}; ask the family to renew." in page
    assert f"/casework/reports/{soon.reference}/contact/renew/" in page
    page = client.get(f"/casework/reports/{later.reference}/").content.decode()
    assert "ask the family to renew" not in page and "Contact details are kept until" in page


def test_it_pushes_the_date_when_a_caseworker_records_a_renewal(db, caseworker):
    soon = _quiet_for(make_report(), 700)
    client = _staff(caseworker)
    response = client.post(f"/casework/reports/{soon.reference}/contact/renew/")
    assert response.status_code == 302
    soon.refresh_from_db()
    assert timezone.now() - soon.last_contact_at < DAY
    assert soon.contact_expires_at.date() == (timezone.now() + 730 * DAY).date()
    event = AuditEvent.objects.get(action=AuditEvent.Action.CONTACT_RENEWED)
    assert event.actor == caseworker.username and event.target == f"report:{soon.reference}"
    assert "now kept until" in client.get(response["Location"]).content.decode()
    assert "ask the family to renew" not in client.get("/casework/").content.decode()


def test_it_lets_only_caseworkers_record_a_renewal(db, reviewer, analyst):
    soon = _quiet_for(make_report(), 700)
    for user in (reviewer, analyst):
        assert _staff(user).post(f"/casework/reports/{soon.reference}/contact/renew/").status_code == 403
    assert Client().post(f"/casework/reports/{soon.reference}/contact/renew/").status_code == 302  # to login
    soon.refresh_from_db()
    assert timezone.now() - soon.last_contact_at > 600 * DAY


def test_it_refuses_to_renew_what_was_erased(quiet, caseworker):
    _run()
    client = _staff(caseworker)
    response = client.post(f"/casework/reports/{quiet.reference}/contact/renew/", follow=True)
    assert "already erased" in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.CONTACT_RENEWED).exists()


def test_it_runs_as_a_dalil_command(cli_env_factory):
    env = cli_env_factory()
    dalil = [sys.executable, "-m", "dalil.cli"]
    helped = subprocess.run([*dalil, "retention", "--help"], env=env, capture_output=True, text=True, timeout=300)
    assert helped.returncode == 0 and "--dry-run" in helped.stdout
    result = subprocess.run([*dalil, "retention", "--dry-run", "--json"], env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout)
    assert summary["reports"] == [] and summary["audit_addresses"] == 0 and summary["applied"] is False
