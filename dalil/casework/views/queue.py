"""The casework queue: what is waiting for a person, in four sections with counts."""

from django.db.models import Exists, OuterRef
from django.shortcuts import render

from dalil.casework.views.access import STAFF, casework_page, check
from dalil.identification.models import Claim, Identification, MissingPersonReport, SearchRequest
from dalil.lib.roles import Role, has_role

SHOWN = 100  # per section; the counts say how many there are in all


@casework_page(*STAFF)
def queue(request):
    check(request)
    # a claim is open until a reviewer has worked on its identification (the portal opens one as "claimed")
    worked = Identification.objects.filter(report=OuterRef("report"), case=OuterRef("case")).exclude(
        state=Identification.State.CLAIMED)
    sections = {
        "reports": MissingPersonReport.objects.filter(status=MissingPersonReport.Status.RECEIVED).order_by(
            "created_at", "pk"),
        "claims": Claim.objects.filter(~Exists(worked)).select_related("report", "case").order_by(
            "created_at", "pk"),
        "searches": SearchRequest.objects.filter(status=SearchRequest.Status.OPEN).select_related("report").order_by(
            "created_at", "pk"),
        "review": Identification.objects.filter(
            state__in=[Identification.State.CLAIMED, Identification.State.CORROBORATED]
        ).select_related("report", "case").order_by("updated_at", "pk"),
    }
    context = {name: list(qs[:SHOWN]) for name, qs in sections.items()}
    context["counts"] = {name: qs.count() for name, qs in sections.items()}
    context["shown"] = SHOWN
    context["is_reviewer"] = has_role(request.user, Role.REVIEWER)
    return render(request, "casework/queue.html", context)
