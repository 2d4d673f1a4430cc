"""Statistics pages for staff and for the public, and the report download.

- staff (any staff role): every figure, per collection or for the whole instance;
- public (no account): aggregates only, small cells suppressed (dalil.exports.profiles.PUBLIC.min_cell),
  nothing about a report, a family or a person, no contact details, no names;
- report (archivists, analysts, admins): a form; its POST starts a background job (dalil.lib.background)
  that writes the report as an export job (under DALIL_HOME/exports/reports/), and shows the job's page,
  which offers the download once it is done. The web report never re-hashes the archive (that takes minutes
  to hours): it states the last recorded `dalil verify`, which the form shows before anyone asks;
  `dalil report` runs a fresh verify.
"""

from dataclasses import asdict

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language_bidi
from django.views.decorators.http import require_http_methods, require_safe

from dalil.evidence.models import Collection
from dalil.exports import profiles
from dalil.lib import background
from dalil.lib.roles import Role, has_role, require_role
from dalil.reports import document, integrity, statistics
from dalil.reports.forms import ReportForm
from dalil.reports.pages import chart_context, progress_context

STAFF = tuple(Role.values)
REPORT_MAKERS = (Role.ARCHIVIST, Role.ANALYST, Role.ADMIN)


def get_collection_for_request(request) -> Collection | None:
    """The collection named in ?collection= (404 if unknown), or None for the whole instance."""
    name = request.GET.get("collection", "")
    if not name:
        return None
    collection = Collection.objects.filter(name=name).first()
    if collection is None:
        raise Http404("no such collection")
    return collection


def _page_context(request, min_cell: int) -> dict:
    collection = get_collection_for_request(request)
    public = bool(min_cell)
    figures = statistics.compute(collection, period="quarter" if public else "month")
    rtl = get_language_bidi()
    context = chart_context(figures, rtl=rtl, min_cell=min_cell)
    context.update({"collection": collection, "rtl": rtl,
                    "collections": Collection.objects.order_by("name").values_list("name", flat=True)})
    return context


@require_role(*STAFF)
@require_safe
def staff(request):
    context = _page_context(request, min_cell=0)
    context.update(progress_context(context["figures"], context["rtl"]))
    context["may_report"] = has_role(request.user, *REPORT_MAKERS)
    response = render(request, "reports/staff.html", context)
    patch_cache_control(response, private=True, no_cache=True)
    return response


@require_safe
def public(request):
    response = render(request, "reports/public.html", _page_context(request, min_cell=profiles.PUBLIC.min_cell))
    patch_cache_control(response, public=True, max_age=300)
    return response


@require_role(*REPORT_MAKERS)
@require_http_methods(["GET", "POST"])
def report(request):
    initial = {"collection": request.GET.get("collection", ""),
               "lang": "ar" if get_language_bidi() else "en"}
    form = ReportForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        # Never a fresh verify inside a request: re-hashing a real archive takes minutes to hours. The document
        # states the last `dalil verify` from the custody log instead (and says when files changed since).
        wanted = form.report_request(actor=request.user.get_username())
        wanted.verify = False
        try:
            wanted.check()
        except document.ReportError as exc:
            form.add_error(None, str(exc))
        else:  # laid out in the background (a 6,800-case PDF takes about a minute): the job page offers the file
            parameters = {k: v for k, v in asdict(wanted).items() if k not in ("actor", "verify")}
            job_id = background.start(background.REPORT, wanted.actor, parameters, request=request)
            return redirect("jobs:detail", pk=job_id)
    verifies = [integrity.verify_summary(c) for c in Collection.objects.order_by("name")[:50]]
    response = render(request, "reports/report_form.html", {"form": form, "verifies": verifies},
                      status=400 if form.errors else 200)
    patch_cache_control(response, private=True, no_cache=True)
    return response

