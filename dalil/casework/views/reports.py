"""One missing-person report: its details, ranked candidates, messages, claims, search requests and link.

Contact details are not on the page: a caseworker asks for them (POST), sees them
once, and that view is audited. Reviewers see the report and its candidates but
not the family's side: contact details, messages, the follow-up link, proposing.
The family's photo is served only on request, re-encoded from its pixels (no
EXIF, no GPS from the family's phone), audited, and never stored by the browser.
"""

import io

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from dalil.audit.models import AuditEvent, audit
from dalil.casework.views.access import CASEWORKERS, STAFF, casework_page, get_case_for_user, get_report_for_user
from dalil.exchange.display import report_sources
from dalil.identification.matching import candidates_for_report
from dalil.identification.models import Identification, MissingPersonReport as Report
from dalil.identification.workflow import WorkflowError, propose as propose_identification
from dalil.lib.roles import Role, has_role

CANDIDATES = 50


def _start_review(report: Report) -> None:
    """The first thing a caseworker does with a new report takes it out of the "new" section."""
    if report.status == Report.Status.RECEIVED:
        report.status = Report.Status.IN_REVIEW
        report.save(update_fields=["status", "updated_at"])


@casework_page(*STAFF)
def report(request, reference):
    item = get_report_for_user(request, reference)
    audit(request, AuditEvent.Action.VIEWED_REPORT, f"report:{item.reference}")
    identifications = list(item.identifications.select_related("case").order_by("-updated_at", "pk"))
    proposed = {i.case_id: i for i in identifications}
    candidates = candidates_for_report(item, limit=CANDIDATES)
    return render(request, "casework/report.html", {
        "report": item,
        "candidates": [(c, proposed.get(c.case.pk)) for c in candidates],
        "identifications": identifications,
        "messages_sent": item.messages.select_related("author"),
        "claims": item.claims.select_related("case").order_by("created_at", "pk"),
        "search_requests": item.search_requests.order_by("created_at", "pk"),
        "has_photo": bool(item.photo_encrypted),
        "is_reviewer": has_role(request.user, Role.REVIEWER),
        "exchange": report_sources(item),  # PFIF source and notes, or the spreadsheet row it came from
    })


@casework_page(*CASEWORKERS, post=True)
def report_contact(request, reference):
    item = get_report_for_user(request, reference, write=True)
    audit(request, AuditEvent.Action.VIEWED_CONTACT, f"report:{item.reference}")
    return render(request, "casework/report_contact.html", {"report": item})


@casework_page(*STAFF)
def report_photo(request, reference):
    item = get_report_for_user(request, reference)
    if not item.photo_encrypted:
        raise Http404("this report has no photo")
    try:
        with Image.open(io.BytesIO(item.photo)) as image:
            image = ImageOps.exif_transpose(image).convert("RGB")
            out = io.BytesIO()
            image.save(out, "JPEG", quality=88)  # pixels only: no EXIF, XMP or ICC
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise Http404("this photo cannot be shown") from None
    audit(request, AuditEvent.Action.VIEWED_REPORT, f"report:{item.reference}", part="photo")
    response = HttpResponse(out.getvalue(), content_type="image/jpeg")
    response["Content-Disposition"] = "inline"
    return response


def _confirmation(request) -> tuple[bool, str]:
    """(the confirmation step was posted with its box ticked, the note); the first POST has neither."""
    return request.POST.get("confirmed") == "yes", (request.POST.get("note") or "").strip()


@casework_page(*CASEWORKERS, post=True)
def propose(request, reference):
    """Two steps, without JavaScript: the candidate's button asks; a page shows the pair, any other family on the
    body, and asks why (a note for the reviewers) and for a tick; then the proposal is made."""
    item = get_report_for_user(request, reference, write=True)
    case = get_case_for_user(request, request.POST.get("case"))
    ticked, note = _confirmation(request)
    if request.POST.get("step") != "confirm" or not (ticked and note):
        others = Identification.objects.filter(case=case).exclude(report=item).exclude(
            state=Identification.State.REJECTED).select_related("report")
        error = "" if request.POST.get("step") != "confirm" else _(
            "Write why you propose this case (the reviewers read it) and tick the box.")
        return render(request, "casework/confirm_propose.html", {
            "report": item, "case": case, "others": others, "note": note, "error": error,
        }, status=400 if error else 200)
    try:
        ident = propose_identification(item, case, request.user, request=request, note=note)
    except WorkflowError as error:
        messages.error(request, str(error))
        return redirect("casework:report", reference=item.reference)
    messages.success(request, _("Proposed: this case now awaits a reviewer."))
    return redirect("casework:identification", pk=ident.pk)


@casework_page(*CASEWORKERS, post=True)
def message(request, reference):
    item = get_report_for_user(request, reference, write=True)
    body = (request.POST.get("body") or "").strip()
    if not body:
        messages.error(request, _("Write the message before sending it."))
        return redirect("casework:report", reference=item.reference)
    sent = item.messages.create(author=request.user, body=body)
    _start_review(item)
    audit(request, AuditEvent.Action.MESSAGE_SENT, f"report:{item.reference}", message=sent.pk)
    messages.success(request, _("Message sent: the family will see it on their follow-up page."))
    return redirect(reverse("casework:report", kwargs={"reference": item.reference}) + "#messages")


@casework_page(*CASEWORKERS, post=True)
def revoke_link(request, reference):
    item = get_report_for_user(request, reference, write=True)
    if not item.followup_revoked:
        item.followup_revoked = True
        item.save(update_fields=["followup_revoked", "updated_at"])
        audit(request, AuditEvent.Action.LINK_REVOKED, f"report:{item.reference}")
    messages.success(request, _("The follow-up link no longer works. Issue a new one to give the family access again."))
    return redirect("casework:report", reference=item.reference)


def followup_url(request, token: str) -> str:
    """The family's link, if the portal has a follow-up page yet; else only the token is shown."""
    for name in ("portal:followup", "portal:follow_up"):
        try:
            return request.build_absolute_uri(reverse(name, kwargs={"token": token}))
        except NoReverseMatch:
            continue
    return ""


@casework_page(*CASEWORKERS, post=True)
def reissue_link(request, reference):
    """Two steps: a page says what happens (the old link stops at once: a link is reissued because it was lost
    or reached someone else, and either way it must not keep working) and asks for a note and a tick."""
    item = get_report_for_user(request, reference, write=True)
    ticked, note = _confirmation(request)
    if request.POST.get("step") != "confirm" or not (ticked and note):
        error = "" if request.POST.get("step") != "confirm" else _(
            "Write why the family needs a new link and tick the box.")
        return render(request, "casework/confirm_reissue.html", {"report": item, "note": note, "error": error},
                      status=400 if error else 200)
    token, item.followup_digest = Report.issue_followup_token()
    item.followup_revoked = False
    item.save(update_fields=["followup_digest", "followup_revoked", "updated_at"])
    # the old link stops working: recorded as a revocation, with the reissue and the caseworker's note
    audit(request, AuditEvent.Action.LINK_REVOKED, f"report:{item.reference}", reissued=True, note=note)
    return render(request, "casework/link_reissued.html",
                  {"report": item, "token": token, "url": followup_url(request, token)})
