"""Reporting a missing relative, and "let a caseworker search for me"."""

import logging

from django.db import transaction
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods

from dalil.audit.models import AuditEvent, audit
from dalil.identification.models import SearchRequest
from dalil.portal.access import act_for, get_report_for_session, over_limit, portal_page, too_many
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
    response = render(request, "portal/report_done.html", context)
    response["Cache-Control"] = "no-store"  # the secret link and contact details: never cached
    return response


@portal_page
@require_http_methods(["GET", "HEAD", "POST"])
def report(request):
    # Rendered straight after the POST (no redirect): the token never travels in a Location or Referer.
    if request.method == "POST":
        if over_limit(request, "report"):
            return too_many(request)
        form = ReportForm(request.POST, request.FILES)
        if form.is_valid():
            return _done(request, _file(request, form))
    else:
        form = ReportForm(initial={"wants_caseworker_search": request.GET.get("ask") == "1"})
    return render(request, "portal/report.html", {"form": form, "return_to": _return_to(request)})


@portal_page
@require_http_methods(["GET", "HEAD", "POST"])
def ask(request):
    """A caseworker searches instead of the family: attach to this browser's report, or take a short one."""
    existing = get_report_for_session(request)
    if existing is not None:
        form = AskForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            _ask(request, existing, form.cleaned_data["note"], f"family:{existing.reference}")
            return render(request, "portal/ask_done.html", {"report": existing})
        return render(request, "portal/ask.html", {"form": form, "report": existing})
    form = ShortReportForm(request.POST or None, initial={"wants_caseworker_search": True})
    note_form = AskForm(request.POST or None)
    if request.method == "POST":
        if over_limit(request, "report"):
            return too_many(request)
        if form.is_valid() and note_form.is_valid():
            return _done(request, _file(request, form, note_form.cleaned_data["note"]))
    return render(request, "portal/ask.html", {"form": form, "note_form": note_form, "report": None})
