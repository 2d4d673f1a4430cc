"""Identifications (steps, evidence, the buttons a role may press) and the reports that could fit a body."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Min
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from dalil.archive.models import BodyCase
from dalil.casework.views.access import REVIEWERS, STAFF, casework_page, get_case_for_user, get_identification_for_user
from dalil.identification import conflicts, workflow
from dalil.identification.matching import open_cases, reports_for_case, score
from dalil.identification.models import Claim, Identification
from dalil.lib.roles import Role, has_role

State = Identification.State
REPORTS = 50


@casework_page(*STAFF)
def identification(request, pk):
    ident = get_identification_for_user(request, pk)
    # with its first photo date, for the reasons; a case merged away (before merges carried identifications
    # over) is still shown, with where it went
    case = BodyCase.objects.filter(pk=ident.case_id).annotate(first_photo_date=Min("photos__photo_date")).get()
    surviving = case.surviving() if case.merged_into_id else None
    claim = Claim.objects.filter(report=ident.report, case=ident.case).first()
    evidence = score(ident.report, case, claimed=claim is not None)
    first_reviewer = workflow.corroborator(ident)
    is_reviewer = has_role(request.user, Role.REVIEWER)
    on_case, on_report = workflow.confirmed_elsewhere(ident)
    return render(request, "casework/identification.html", {
        "surviving": surviving,
        "conflicts": conflicts.for_identification(ident),
        "confirmed_on_case": on_case,
        "confirmed_on_report": on_report,
        "ident": ident,
        "report": ident.report,
        "case": case,
        "claim": claim,
        "evidence": evidence,
        "steps": ident.steps.select_related("actor"),
        "is_reviewer": is_reviewer,
        "can_corroborate": is_reviewer and ident.state == State.CLAIMED,
        "can_confirm": is_reviewer and ident.state == State.CORROBORATED
        and (first_reviewer is None or first_reviewer.pk != request.user.pk),
        "corroborated_by_me": first_reviewer is not None and first_reviewer.pk == request.user.pk,
        "can_reject": is_reviewer and ident.state != State.REJECTED,
    })


def error_with_link(error: workflow.WorkflowError):
    """The sentence, and a link to the identification in the way (messages keep safe HTML)."""
    if error.other is None:
        return str(error)
    return format_html('{} <a href="{}">{}</a>', str(error), reverse("casework:identification", args=[error.other.pk]),
                       _("Open identification #%(pk)s") % {"pk": error.other.pk})


@casework_page(*REVIEWERS, post=True)
def identification_step(request, pk):
    ident = get_identification_for_user(request, pk, write=True)
    action = request.POST.get("action")
    text = (request.POST.get("note") or request.POST.get("reason") or "").strip()
    steps = {"corroborate": workflow.corroborate, "confirm": workflow.confirm, "reject": workflow.reject}
    if action not in steps:
        messages.error(request, _("Choose corroborate, confirm or reject."))
        return redirect("casework:identification", pk=ident.pk)
    if action == "confirm" and (not text or request.POST.get("confirmed") != "yes"):
        # confirming tells the family: never one click, never without a word for the record
        messages.error(request, _("To confirm, write a note (what you checked) and tick the box."))
        return redirect(reverse("casework:identification", args=[ident.pk]) + "#review")
    extra = {"conflict_seen": request.POST.get("conflict_seen") == "yes"} if action == "corroborate" else {}
    try:
        steps[action](ident, request.user, text, request=request, **extra)
    except workflow.NotPermitted:
        raise PermissionDenied from None
    except workflow.WorkflowError as error:
        messages.error(request, error_with_link(error))
    else:
        messages.success(request, {
            "corroborate": _("Corroborated: a second, different reviewer can now confirm it."),
            "confirm": _("Confirmed: the family has been told on their follow-up page."),
            "reject": _("Rejected, with your reason recorded."),
        }[action])
    return redirect("casework:identification", pk=ident.pk)


@casework_page(*STAFF)
def case_reports(request, pk):
    case = get_case_for_user(request, pk)
    if case.merged_into_id:  # follow the body to the case it was merged into
        surviving = case.surviving()
        messages.info(request, _("Case #%(case)s was merged into case #%(target)s: these are the reports for that "
                                 "one.") % {"case": case.pk, "target": surviving.pk})
        return redirect("casework:case_reports", pk=surviving.pk)
    case = open_cases().filter(pk=case.pk).first() or case
    proposed = {i.report_id: i for i in case.identifications.all()}
    found = reports_for_case(case, limit=REPORTS)
    return render(request, "casework/case_reports.html", {
        "case": case,
        "candidates": [(c, proposed.get(c.report.pk)) for c in found],
        "merged": bool(case.merged_into_id),
    })
