""""I think this is my relative": a claim on a case, from the report this browser acts for."""

from django.db import IntegrityError, transaction
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from dalil.audit.models import AuditEvent, audit
from dalil.identification.models import Claim, Identification, MissingPersonReport
from dalil.lib import crypto
from dalil.portal.access import followup_token_for_session, get_case_for_family, get_report_for_session, portal_page
from dalil.portal.forms import ClaimForm

Status = MissingPersonReport.Status


@portal_page
@require_http_methods(["GET", "HEAD", "POST"])
def claim(request, pk):
    body = get_case_for_family(request, pk)
    report = get_report_for_session(request)
    if report is None:  # a report first, then back here
        return render(request, "portal/claim_needs_report.html", {"case": body, "next": request.path})
    existing = Claim.objects.filter(report=report, case=body).first()
    form = ClaimForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and existing is None and form.is_valid():
        try:
            with transaction.atomic():
                _record(request, report, body, form.cleaned_data)
        except IntegrityError:  # the same claim sent twice at once: the first one stands
            pass
        return _done(request, report, body)
    if existing is not None and request.method == "POST":
        return _done(request, report, body)
    return render(request, "portal/claim.html", {"case": body, "form": form, "report": report,
                                                 "existing": existing})


def _record(request, report, body, data) -> Claim:
    name, document = data["document"] or ("", b"")
    made = Claim.objects.create(report=report, case=body, reason=data["reason"], document_name=name,
                                document_encrypted=crypto.encrypt(document) if document else b"")
    Identification.objects.get_or_create(report=report, case=body,
                                         defaults={"state": Identification.State.CLAIMED})
    if report.status in (Status.RECEIVED, Status.IN_REVIEW):
        report.status = Status.POSSIBLE_MATCH
        report.save(update_fields=["status", "updated_at"])
    audit(request, AuditEvent.Action.CLAIM_MADE, f"case:{body.pk}", actor=f"family:{report.reference}",
          report=report.reference, document=bool(document))
    report.record_contact()  # the family wrote to us: their contact details' period starts again
    return made


def _done(request, report, body):
    token = followup_token_for_session(request)
    link = reverse("portal:followup", args=[token]) if token else ""
    return render(request, "portal/claim_done.html", {"case": body, "report": report, "link": link})
