"""The home page, the secret follow-up link and what a family does from it, and "remove this device's trace".

The follow-up page's address is its secret, so the page sends no referrer; a
browser then posts its forms with "Origin: null", which Django's CSRF check
refuses. Its forms (write to us, withdraw a claim, ask to delete the report)
therefore post back under the same secret address, /f/<token>/..., and are
checked by that token instead: a page elsewhere cannot forge them without the
secret. Each answers with the follow-up page itself (no redirect: the token never
travels in a Location header).
"""

from django import forms
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dalil.audit.models import AuditEvent, audit
from dalil.identification.models import Claim, DeletionRequest, FollowUpMessage, Identification, MissingPersonReport
from dalil.portal.access import (act_for, forget as forget_session, get_report_for_session, limited, not_found,
                                 over_limit, portal_page, wait_context)
from dalil.portal.forms import MAX_REASON, FamilyText
from dalil.portal.news import followup_context

Action = AuditEvent.Action
Status = MissingPersonReport.Status


class ReplyForm(forms.Form):
    body = FamilyText(label=_("Write to the caseworkers"), max_length=MAX_REASON,
                      help_text=_("A question, something you remembered, a new detail or document to tell us about: "
                                  "a caseworker reads it and answers here."),
                      widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}))


class DeleteForm(forms.Form):
    reason = FamilyText(label=_("Why (optional)"), max_length=MAX_REASON, required=False,
                        widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}))
    sure = forms.BooleanField(label=_("Yes, I ask you to delete my report"), required=True,
                              error_messages={"required": _("Tick the box to confirm.")})


class OpenForm(forms.Form):
    link = forms.CharField(label=_("Paste your private link"), max_length=400,
                           widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off", "inputmode": "url"}))


@portal_page
@require_safe
def home(request):
    return render(request, "portal/home.html", {"acting_for": get_report_for_session(request), "open_form": OpenForm()})


def _report_for(token: str):
    return MissingPersonReport.for_token(token) if len(token) <= 100 else None


def _page(request, report, token, *, reply=None, delete=None, notice="", status=200):
    context = followup_context(report)
    context.update(token=token, reply_form=reply or ReplyForm(), delete_form=delete or DeleteForm(), notice=notice,
                   language_path=reverse("portal:followup", args=[token]))  # not the form's address: a GET there
    return render(request, "portal/followup.html", context, status=status)


@portal_page
@require_safe
def followup(request, token):
    report = _report_for(token)
    if report is None:
        return not_found(request)
    act_for(request, report, token)
    report.record_contact()  # the family came back: their contact details' period starts again
    return _page(request, report, token)


@csrf_exempt  # the secret token in the address is the check (see the module docstring)
@portal_page
@require_POST
def reply(request, token):
    report = _report_for(token)
    if report is None:
        return not_found(request)
    act_for(request, report, token)
    if wait := over_limit(request, "ask"):  # per address, as "ask a caseworker": a flood stops here
        form = ReplyForm(request.POST)
        return limited(_page(request, report, token, reply=form, notice=_wait_words(wait)), wait)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _page(request, report, token, reply=form, status=400)
    message = FollowUpMessage.objects.create(report=report, body=form.cleaned_data["body"], from_family=True)
    audit(request, Action.FAMILY_MESSAGE, f"report:{report.reference}", actor=f"family:{report.reference}",
          message=message.pk)
    report.record_contact()
    return _page(request, report, token, notice=_("Thank you. Your message was sent to the caseworkers."))


def _wait_words(wait: int) -> str:
    return _("Many messages were sent from here in the last hour. Please send yours again in about %(minutes)d "
             "minutes; what you wrote is below.") % {"minutes": wait_context(wait)["wait_minutes"]}


@csrf_exempt  # the secret token in the address is the check (see the module docstring)
@portal_page
@require_POST
def withdraw(request, token, claim_id):
    """The family takes back "I think this is my relative". Kept, marked withdrawn: the reviewers see both."""
    report = _report_for(token)
    if report is None:
        return not_found(request)
    act_for(request, report, token)
    claim = Claim.objects.filter(pk=claim_id, report=report, withdrawn_at__isnull=True).select_related("case").first()
    if claim is None or request.POST.get("sure") != "yes":
        return _page(request, report, token, notice=_("Nothing was withdrawn: tick the box to confirm."), status=400)
    with transaction.atomic():
        ident = Identification.objects.select_for_update().filter(report=report, case=claim.case).first()
        if ident is not None and ident.state == Identification.State.CONFIRMED:
            return _page(request, report, token, status=409, notice=_(
                "This one has been confirmed by two reviewers and cannot be withdrawn here. If you think it is "
                "wrong, please write to us below: a caseworker will look at it with you."))
        claim.withdrawn_at = timezone.now()
        claim.save(update_fields=["withdrawn_at"])
        if ident is not None and ident.state == Identification.State.CLAIMED and not ident.steps.exists():
            ident.delete()  # nobody had worked on it yet: it was only the family's claim
        open_left = report.identifications.filter(state__in=(Identification.State.CLAIMED,
                                                             Identification.State.CORROBORATED)).exists()
        if report.status == Status.POSSIBLE_MATCH and not open_left:
            report.status = Status.IN_REVIEW
            report.save(update_fields=["status", "updated_at"])
        audit(request, Action.CLAIM_WITHDRAWN, f"case:{claim.case_id}", actor=f"family:{report.reference}",
              report=report.reference, claim=claim.pk)
    return _page(request, report, token, notice=_("You withdrew it. Your report stays open."))


@csrf_exempt  # the secret token in the address is the check (see the module docstring)
@portal_page
@require_POST
def delete(request, token):
    """A request, not a deletion: a caseworker deletes the report (never the archive's evidence) and says so."""
    report = _report_for(token)
    if report is None:
        return not_found(request)
    act_for(request, report, token)
    form = DeleteForm(request.POST)
    if not form.is_valid():
        return _page(request, report, token, delete=form, status=400)
    if not report.deletion_requests.filter(status=DeletionRequest.Status.OPEN).exists():
        asked = DeletionRequest.objects.create(report=report, reference=report.reference,
                                               reason=form.cleaned_data["reason"])
        audit(request, Action.DELETION_REQUESTED, f"report:{report.reference}", actor=f"family:{report.reference}",
              deletion_request=asked.pk)
    return _page(request, report, token, notice=_(
        "We received your request. A caseworker will delete your report and what you gave us with it, and write to "
        "you here before they do. The archive's photographs are not changed."))


@portal_page
@require_http_methods(["GET", "HEAD", "POST"])
def open_link(request):
    """The home page's field: a pasted follow-up link (or just its secret part) opens the report."""
    form = OpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = _token_in(form.cleaned_data["link"])
        report = _report_for(token) if token else None
        if report is not None:
            act_for(request, report, token)
            report.record_contact()
            return _page(request, report, token)
        form.add_error("link", _("This is not a working follow-up link. Please check that you copied all of it. A "
                                 "reference number alone (DL-…) does not open a report: call or write to the "
                                 "association that helped you, and they can send you a new link."))
    return render(request, "portal/open.html", {"open_form": form}, status=400 if form.errors else 200)


def _token_in(text: str) -> str:
    """The token in '.../f/<token>/' (a full link, or the path), or the text itself if it looks like a token."""
    text = (text or "").strip()
    if "/f/" in text:
        text = text.split("/f/", 1)[1]
    text = text.split("?", 1)[0].split("#", 1)[0].strip("/ ")
    return text if text and len(text) <= 100 and all(c.isalnum() or c in "-_" for c in text) else ""


@portal_page
@require_http_methods(["GET", "HEAD", "POST"])
def forget(request):
    """GET asks to confirm; POST makes this browser forget the report (and every choice made on it)."""
    if request.method == "POST":
        forget_session(request)
        return redirect("portal:home")
    return render(request, "portal/forget.html", {"acting_for": get_report_for_session(request)})
