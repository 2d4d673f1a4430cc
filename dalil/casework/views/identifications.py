"""Identifications (steps, evidence, the buttons a role may press) and the reports that could fit a body."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dalil.casework.views.access import REVIEWERS, STAFF, casework_page, get_case_for_user, get_identification_for_user
from dalil.identification import workflow
from dalil.identification.matching import open_cases, reports_for_case, score
from dalil.identification.models import Claim, Identification
from dalil.lib.roles import Role, has_role

State = Identification.State
REPORTS = 50


@casework_page(*STAFF)
def identification(request, pk):
    ident = get_identification_for_user(request, pk)
    case = open_cases().get(pk=ident.case_id)  # with its first photo date, for the reasons
    claim = Claim.objects.filter(report=ident.report, case=ident.case).first()
    evidence = score(ident.report, case, claimed=claim is not None)
    first_reviewer = workflow.corroborator(ident)
    is_reviewer = has_role(request.user, Role.REVIEWER)
    return render(request, "casework/identification.html", {
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


@casework_page(*REVIEWERS, post=True)
def identification_step(request, pk):
    ident = get_identification_for_user(request, pk, write=True)
    action = request.POST.get("action")
    text = request.POST.get("note") or request.POST.get("reason") or ""
    steps = {"corroborate": workflow.corroborate, "confirm": workflow.confirm, "reject": workflow.reject}
    if action not in steps:
        messages.error(request, _("Choose corroborate, confirm or reject."))
        return redirect("casework:identification", pk=ident.pk)
    try:
        steps[action](ident, request.user, text, request=request)
    except workflow.NotPermitted:
        raise PermissionDenied from None
    except workflow.WorkflowError as error:
        messages.error(request, str(error))
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
    case = open_cases().filter(pk=case.pk).first() or case
    proposed = {i.report_id: i for i in case.identifications.all()}
    found = reports_for_case(case, limit=REPORTS)
    return render(request, "casework/case_reports.html", {
        "case": case,
        "candidates": [(c, proposed.get(c.report.pk)) for c in found],
        "merged": bool(case.merged_into_id),
    })
