"""The family's side of a confirmed identification and of their report, handled by a caseworker.

"Told": a confirmed identification reaches the family's follow-up page only once a
caseworker records how the family was told (in person, by phone) or that they may
read it on the page (dalil.portal.news). Deletion requests: a family asks, from
their follow-up page, to delete their report; a caseworker deletes it (the report
and what the family gave with it: claims, messages, identifications, face data)
or declines with a reason. Body cases, photos and the evidence store are never
touched; the audit log keeps the reference and who did what.
"""

from django.contrib import messages
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from dalil.audit.models import AuditEvent, audit
from dalil.casework.views.access import CASEWORKERS, casework_page, get_report_for_user
from dalil.identification.models import TOLD_HOW, DeletionRequest, Identification

Action = AuditEvent.Action


@casework_page(*CASEWORKERS, post=True)
def family_told(request, reference):
    report = get_report_for_user(request, reference, write=True)
    ident = report.identifications.filter(pk=request.POST.get("identification"),
                                          state=Identification.State.CONFIRMED).first()
    how = request.POST.get("how", "")
    if ident is None or how not in dict(TOLD_HOW):
        messages.error(request, _("Choose how the family was told of the confirmed identification."))
        return redirect("casework:report", reference=report.reference)
    if ident.family_told_at is None:
        Identification.objects.filter(pk=ident.pk).update(family_told_at=timezone.now(), family_told_how=how,
                                                          family_told_by=request.user)
        audit(request, Action.FAMILY_TOLD, f"identification:{ident.pk}", report=report.reference, how=how)
        if how != "page":
            report.record_contact()  # a caseworker spoke with them
    messages.success(request, _("Recorded. The family's follow-up page now shows what was found, with support."))
    return redirect("casework:report", reference=report.reference)


@casework_page(*CASEWORKERS)
def deletion_requests(request):
    return render(request, "casework/deletion_requests.html", {
        "open": DeletionRequest.objects.filter(status=DeletionRequest.Status.OPEN).select_related("report"),
        "handled": DeletionRequest.objects.exclude(status=DeletionRequest.Status.OPEN).select_related(
            "handled_by").order_by("-handled_at")[:50],
    })


@casework_page(*CASEWORKERS, post=True)
def deletion_request(request, pk):
    asked = DeletionRequest.objects.filter(pk=pk, status=DeletionRequest.Status.OPEN).select_related("report").first()
    decision, note = request.POST.get("decision", ""), (request.POST.get("note") or "").strip()
    if asked is None:
        messages.error(request, _("This request was already handled."))
        return redirect("casework:deletion_requests")
    if decision == "decline" and not note:
        messages.error(request, _("Write why the report is kept: the family reads it on their follow-up page."))
        return redirect("casework:deletion_requests")
    if decision not in ("delete", "decline") or (decision == "delete" and request.POST.get("sure") != "yes"):
        messages.error(request, _("Tick the box to confirm the deletion."))
        return redirect("casework:deletion_requests")
    if decision == "decline":
        with transaction.atomic():
            _handled(asked, DeletionRequest.Status.DECLINED, request.user, note)
            if asked.report is not None:
                asked.report.messages.create(author=request.user, body=note)
            audit(request, Action.DELETION_DECLINED, f"report:{asked.reference}", deletion_request=asked.pk)
        messages.success(request, _("Declined; the family was told why."))
        return redirect("casework:deletion_requests")
    try:
        with transaction.atomic():
            report = asked.report
            _handled(asked, DeletionRequest.Status.DELETED, request.user, note)
            if report is not None:
                # Identifications (and their steps) protect the report: they go first. Cases and photos stay.
                Identification.objects.filter(report=report).delete()
                report.claims.all().delete()
                report.delete()
            audit(request, Action.REPORT_DELETED, f"report:{asked.reference}", deletion_request=asked.pk)
    except (ProtectedError, RestrictedError):
        messages.error(request, _("This report cannot be deleted yet: other records still point to it. Ask an "
                                  "administrator."))
        return redirect("casework:deletion_requests")
    messages.success(request, _("Report %(reference)s deleted. The archive's cases and photographs are unchanged.")
                     % {"reference": asked.reference})
    return redirect("casework:deletion_requests")


def _handled(asked: DeletionRequest, status: str, user, note: str) -> None:
    asked.status, asked.handled_by, asked.handled_at, asked.note = status, user, timezone.now(), note
    asked.save(update_fields=["status", "handled_by", "handled_at", "note"])
