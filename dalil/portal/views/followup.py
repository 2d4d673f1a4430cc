"""The home page, the secret follow-up link, and "forget this browser"."""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from dalil.archive.models import BodyCase
from dalil.identification.models import Identification, MissingPersonReport
from dalil.portal.access import act_for, forget as forget_session, get_report_for_session, not_found, portal_page
from dalil.portal.wording import claim_state, report_status


@portal_page
@require_safe
def home(request):
    return render(request, "portal/home.html", {"acting_for": get_report_for_session(request)})


@portal_page
@require_safe
def followup(request, token):
    report = MissingPersonReport.for_token(token) if len(token) <= 100 else None
    if report is None:
        return not_found(request)
    act_for(request, report, token)
    identifications = {i.case_id: i for i in Identification.objects.filter(report=report)}
    claims = []
    for claim in report.claims.select_related("case").order_by("created_at"):
        identification = identifications.pop(claim.case_id, None)
        claims.append({"case": claim.case, "at": claim.created_at,
                       "state": claim_state(identification.state if identification else "")})
    # A caseworker's own candidate is told to the family only once it is confirmed.
    confirmed = [BodyCase.objects.get(pk=i.case_id) for i in identifications.values()
                 if i.state == Identification.State.CONFIRMED]
    for case in confirmed:
        claims.append({"case": case, "at": None, "state": claim_state(Identification.State.CONFIRMED)})
    return render(request, "portal/followup.html", {
        "report": report,
        "status": report_status(report.status),
        "messages_for_family": report.messages.order_by("created_at"),
        "claims": claims,
        "open_search": report.search_requests.filter(status="open").exists(),
    })


@portal_page
@require_http_methods(["GET", "HEAD", "POST"])
def forget(request):
    """GET asks to confirm; POST makes this browser forget the report (and every choice made on it)."""
    if request.method == "POST":
        forget_session(request)
        return redirect("portal:home")
    return render(request, "portal/forget.html", {"acting_for": get_report_for_session(request)})
