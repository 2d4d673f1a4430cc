"""What the follow-up page tells a family, and what it holds back until a person has told them.

A confirmed identification means a death. It reaches the page only once a
caseworker has recorded that the family was told, in person or by phone (or that
they may read it on the page), or when the family chose, in their report, to read
such news on the page (MissingPersonReport.news_on_page). Until then the page
says that a caseworker will contact them, and holds back every staff message
written from the moment of the confirmation (the automatic one among them).
Once told: what was found, with support contacts, and no stale lines beside it
(an open search, other claims "being checked").
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from dalil.identification.models import Identification, IdentificationStep, MissingPersonReport
from dalil.portal.wording import claim_state, report_status

State = Identification.State
HELD = _("A caseworker would like to speak with you about your report, and will contact you soon. You can write "
         "to us below at any time.")
FOUND = _("Your relative has been identified. We are deeply sorry for your loss.")
WITHDRAWN = {"kind": "withdrawn", "words": _("You withdrew this")}
SETTLED = {"kind": "settled", "words": _("No longer checked: your relative was identified with another case")}


def told(ident: Identification, report: MissingPersonReport) -> bool:
    return ident.family_told_at is not None or report.news_on_page


def support_contacts() -> list[str]:
    """DALIL_SUPPORT_CONTACTS, one contact a line (or separated by ' | '); empty when the instance set none."""
    text = getattr(settings, "SUPPORT_CONTACTS", "") or ""
    return [line.strip() for line in text.replace(" | ", "\n").splitlines() if line.strip()]


def followup_context(report: MissingPersonReport) -> dict:
    identifications = {i.case_id: i for i in report.identifications.select_related("case")}
    confirmed = [i for i in identifications.values() if i.state == State.CONFIRMED]
    held = [i for i in confirmed if not told(i, report)]
    found = [i for i in confirmed if told(i, report)]
    messages = report.messages.order_by("created_at", "pk")
    if held:
        since = IdentificationStep.objects.filter(identification__in=held, to_state=State.CONFIRMED).order_by(
            "at").values_list("at", flat=True).first()
        if since is not None:
            messages = messages.exclude(from_family=False, created_at__gte=since)
    claims = []
    for claim in report.claims.select_related("case").order_by("created_at", "pk"):
        ident = identifications.get(claim.case_id)
        if claim.withdrawn_at:
            state = WITHDRAWN
        elif ident is not None and ident in held:
            state = claim_state("")  # still "being checked" for the family until a person has told them
        elif ident is not None and ident in found:
            continue  # shown under "what we found"
        elif found and (ident is None or ident.state != State.REJECTED):
            state = SETTLED
        else:
            state = claim_state(ident.state if ident else "")
        withdrawable = not claim.withdrawn_at and not found and (ident is None or ident.state != State.CONFIRMED)
        claims.append({"claim": claim, "case": claim.case, "at": claim.created_at, "state": state,
                       "withdrawable": withdrawable})
    if found:
        status = FOUND
    elif held:
        status = HELD
    else:
        status = report_status(report.status)
    return {
        "report": report,
        "status": status,
        "found": [i.case for i in found],
        "held": bool(held),
        "support": support_contacts() if found else [],
        "messages_for_family": messages,
        "claims": claims,
        "open_search": not found and not held and report.search_requests.filter(status="open").exists(),
        "deletion_asked": report.deletion_requests.filter(status="open").exists(),
    }
