"""Reporting a missing relative, and "let a caseworker search for me"."""

import logging
from urllib.parse import quote, urlencode

from django.db import transaction

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from dalil.audit.models import AuditEvent, audit
from dalil.identification.models import SearchRequest
from dalil.lib.limits import BUSY_PHOTO, Busy, busy
from dalil.portal.access import (act_for, followup_token_for_session, get_report_for_session, limited, over_limit,
                                 portal_page, wait_context)
from dalil.portal.forms import AskForm, ReportForm, ShortReportForm

Action = AuditEvent.Action


def _return_to(request) -> str:
    """Where to go back after reporting (a claim on a case), only if it is one of our case pages."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/case/") and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return ""


def _file(request, form, ask_note: str | None = None) -> dict:
    """Save a valid report form; returns the context of the page that shows the secret link once."""
    with transaction.atomic():
        report, token = form.save(language=get_language() or "ar")
        actor = f"family:{report.reference}"
        audit(request, Action.REPORT_SUBMITTED, f"report:{report.reference}", actor=actor)
        if form.cleaned_data.get("wants_caseworker_search") or ask_note is not None:
            _ask(request, report, ask_note or "", actor)
    act_for(request, report, token)
    _search_faces(report)
    return {
        "report": report,
        "link": request.build_absolute_uri(reverse("portal:followup", args=[token])),
        "contact": {"name": form.cleaned_data.get("reporter_name", ""),
                    "phone": form.cleaned_data.get("reporter_phone", ""),
                    "email": form.cleaned_data.get("reporter_email", "")},
        "return_to": _return_to(request),
    }


def _search_faces(report) -> None:
    """A report with a photo kept by consent gets its face candidates now (dalil.identification.faces)."""
    if not (report.photo_encrypted and report.photo_consent):
        return
    from dalil.identification.faces import refresh_report

    try:
        refresh_report(report)
    except Busy:  # the report is filed; its photo is searched when the family asks for it, or after the next ingest
        logging.getLogger("dalil.portal").info("face candidates of report %s put off: busy", report.reference)
    except Exception:  # the report is filed whatever happens here; ingest's next faces run tries again
        logging.getLogger("dalil.portal").exception("face candidates of report %s not computed", report.reference)


def _ask(request, report, note: str, actor: str) -> SearchRequest:
    search_request = SearchRequest.objects.create(report=report, note=note or "")
    if not report.wants_caseworker_search:
        report.wants_caseworker_search = True
        report.save(update_fields=["wants_caseworker_search", "updated_at"])
    audit(request, Action.SEARCH_REQUESTED, f"report:{report.reference}", actor=actor,
          search_request=search_request.pk)
    return search_request


def _done(request, context):
    template = "portal/report_print.html" if request.GET.get("print") == "1" else "portal/report_done.html"
    response = render(request, template, {**context, **_share(context["report"], context["link"]),
                                          "language_path": reverse("portal:report_sent")})  # the link stays
    response["Cache-Control"] = "no-store"  # the secret link and contact details: never cached
    return response


def _share(report, link: str) -> dict:
    """Ways to keep the link without JavaScript: send it to oneself by email or SMS (the phone's own apps)."""
    subject = _("Dalil: my report %(reference)s") % {"reference": report.reference}
    body = _("My private follow-up link for report %(reference)s (do not share it): %(link)s") % {
        "reference": report.reference, "link": link}
    return {"mailto": "mailto:?" + urlencode({"subject": subject, "body": body}, quote_via=quote),
            "sms": "sms:?" + urlencode({"body": body}, quote_via=quote)}


@portal_page
@require_safe
def report_sent(request):
    """The confirmation again, for this browser only (its session holds the report and the link): in another
    language, or print-friendly (?print=1). Contact details are not shown again."""
    report = get_report_for_session(request)
    token = followup_token_for_session(request)
    if report is None or not token:
        return redirect("portal:home")
    return _done(request, {"report": report, "link": request.build_absolute_uri(reverse("portal:followup",
                                                                                        args=[token])),
                           "contact": None, "return_to": ""})


@portal_page
@require_http_methods(["GET", "HEAD", "POST"])
def report(request):
    # Rendered straight after the POST (no redirect): the token never travels in a Location or Referer.
    if request.method == "POST":
        if wait := over_limit(request, "report"):
            # Never lose what the family typed: the form comes back filled in (a chosen photo cannot be: browsers
            # do not let a page refill a file field), with when to send it again.
            return limited(render(request, "portal/report.html", {
                "form": ReportForm(request.POST), "return_to": _return_to(request), **wait_context(wait)}), wait)
        form = ReportForm(request.POST, request.FILES)
        try:
            valid = form.is_valid()  # checking the photo decodes it: Busy when the server decodes enough already
        except Busy:  # what they typed comes back filled in, with a sentence: choose the photo again in a minute
            form.add_error(None, BUSY_PHOTO)
            return busy(render(request, "portal/report.html", {"form": form, "return_to": _return_to(request)}))
        if valid:
            return _done(request, _file(request, form))
    else:
        form = ReportForm(initial={"wants_caseworker_search": request.GET.get("ask") == "1"})
    return render(request, "portal/report.html", {"form": form, "return_to": _return_to(request)})


@portal_page
@require_http_methods(["GET", "HEAD", "POST"])
def ask(request):
    """A caseworker searches instead of the family: attach to this browser's report, or take a short one."""
    # Counted apart from reports, per address only: this is where a family who was asked to wait is sent.
    wait = over_limit(request, "ask") if request.method == "POST" else 0
    existing = get_report_for_session(request)
    if existing is not None:
        form = AskForm(request.POST or None)
        if request.method == "POST" and not wait and form.is_valid():
            _ask(request, existing, form.cleaned_data["note"], f"family:{existing.reference}")
            existing.record_contact()
            return render(request, "portal/ask_done.html", {"report": existing})
        context = {"form": form, "report": existing}
    else:
        form = ShortReportForm(request.POST or None, initial={"wants_caseworker_search": True})
        note_form = AskForm(request.POST or None)
        if request.method == "POST" and not wait and form.is_valid() and note_form.is_valid():
            return _done(request, _file(request, form, note_form.cleaned_data["note"]))
        context = {"form": form, "note_form": note_form, "report": None}
    if wait:  # what they typed comes back with when to send it
        return limited(render(request, "portal/ask.html", {**context, **wait_context(wait)}), wait)
    return render(request, "portal/ask.html", context)
