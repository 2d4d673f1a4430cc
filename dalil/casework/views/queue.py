"""The casework queue: what is waiting for a person, in four sections with counts, conflicts first."""

from django.db.models import Exists, OuterRef, Q
from django.shortcuts import render

from dalil.casework.views.access import STAFF, casework_page, check
from dalil.identification import conflicts, retention
from dalil.identification.models import Claim, FollowUpMessage, Identification, MissingPersonReport, SearchRequest
from dalil.lib.roles import Role, has_role

SHOWN = 100  # per section; the counts say how many there are in all


def new_reports():
    """Reports no caseworker has taken up: just received, or gone straight to a claim (the portal then says
    "possible match") with nobody assigned and no word yet from a caseworker."""
    Status = MissingPersonReport.Status
    spoken = FollowUpMessage.objects.filter(report=OuterRef("pk"), from_family=False)
    return MissingPersonReport.objects.filter(
        Q(status=Status.RECEIVED) | Q(status=Status.POSSIBLE_MATCH, assigned_to__isnull=True) & ~Exists(spoken))


@casework_page(*STAFF)
def queue(request):
    check(request)
    # a claim is open until a reviewer has worked on its identification (the portal opens one as "claimed")
    worked = Identification.objects.filter(report=OuterRef("report"), case=OuterRef("case")).exclude(
        state=Identification.State.CLAIMED)
    sections = {
        "reports": new_reports().order_by("created_at", "pk"),
        "claims": Claim.objects.filter(~Exists(worked)).select_related("report", "case").order_by(
            "created_at", "pk"),
        "searches": SearchRequest.objects.filter(status=SearchRequest.Status.OPEN).select_related("report").order_by(
            "created_at", "pk"),
        "review": Identification.objects.filter(
            state__in=[Identification.State.CLAIMED, Identification.State.CORROBORATED]
        ).select_related("report", "case").annotate(family_claimed=Exists(
            Claim.objects.filter(report=OuterRef("report"), case=OuterRef("case")))).order_by("updated_at", "pk"),
    }
    context = {name: list(qs[:SHOWN]) for name, qs in sections.items()}
    context["counts"] = {name: qs.count() for name, qs in sections.items()}
    # contact details erased soon unless the family renews (dalil.identification.retention)
    expiring = retention.expiring()
    context["expiring"], context["expiring_count"] = list(expiring[:SHOWN]), expiring.count()
    # two families on one body, two bodies for one report, a body changed under review: from the first moment
    context["conflicts"] = conflicts.for_queue(SHOWN)
    context["flagged"] = conflicts.flagged_ids(context["review"])
    context["shown"] = SHOWN
    context["is_reviewer"] = has_role(request.user, Role.REVIEWER)
    return render(request, "casework/queue.html", context)
