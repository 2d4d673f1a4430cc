"""Statistics pages for staff and for the public, and the report download.

- staff (any staff role): every figure, per collection or for the whole instance;
- public (no account): aggregates only, small cells suppressed (dalil.exports.profiles.PUBLIC.min_cell),
  nothing about a report, a family or a person, no contact details, no names;
- report (archivists, analysts, admins): a form; its POST writes the report as an export job
  (under DALIL_HOME/exports/reports/) and returns it as a download. The web report never re-hashes the
  archive (a request cannot wait minutes to hours): it states the last recorded `dalil verify`, which the
  form shows before anyone asks; `dalil report` runs a fresh verify.
"""

import shlex

from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language_bidi, gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from dalil.evidence.models import Collection
from dalil.exports import profiles
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


def _too_large_for_the_web(wanted) -> str:
    """Why this PDF is too large to lay out while the page waits, with the command that makes it; "" if it is not.

    A PDF's annex costs about 7 ms and 140 kB of memory per case (bench/reports.py): a whole real collection
    (~6,800 cases) takes about a minute and 1 GB, longer than a proxy waits. HTML and public reports are cheap.
    """
    if wanted.format != "pdf" or wanted.profile == profiles.PUBLIC.name:
        return ""
    collection = Collection.objects.filter(name=wanted.collection).first()
    cases = statistics.Scope.of(collection).cases.count() if collection else 0
    limit = settings.REPORT_WEB_MAX_PDF_CASES
    if cases <= limit:
        return ""
    command = shlex.join(["dalil", "report", "--collection", wanted.collection, "--lang", wanted.lang,
                          "--profile", wanted.profile, "--format", "pdf", "report.pdf"])
    return _("This collection has %(cases)s cases: a PDF with an annex of more than %(limit)s cases is made on the "
             "server, not while this page waits. Nothing was written. Choose HTML here, or run: %(command)s") % {
        "cases": f"{cases:,}", "limit": f"{limit:,}", "command": command}


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
        output = settings.HOME / "exports" / "reports" / document.default_filename(wanted)
        try:
            if refusal := _too_large_for_the_web(wanted):
                raise document.ReportError(refusal)
            job = document.generate(wanted, output)
        except document.ReportError as exc:
            form.add_error(None, str(exc))
        else:
            response = FileResponse(open(output, "rb"), as_attachment=True, filename=output.name,
                                     content_type="application/pdf" if wanted.format == "pdf" else "text/html")
            response["X-Content-SHA256"] = job.output_sha256
            response["Cache-Control"] = "no-store"
            return response
    verifies = [integrity.verify_summary(c) for c in Collection.objects.order_by("name")[:50]]
    response = render(request, "reports/report_form.html", {"form": form, "verifies": verifies},
                      status=400 if form.errors else 200)
    patch_cache_control(response, private=True, no_cache=True)
    return response

