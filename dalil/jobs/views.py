"""The jobs pages: the jobs a person may see, one job's progress and result, retry and cancel; and the forms that
start the jobs with no page of their own (ingest from a server path, face indexing).

Who sees a job: whoever may start its kind (the same roles as the page that starts it); a job page refreshes
itself while the job runs (a meta refresh: the pages run no script).
"""

from functools import wraps
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dalil.exports.jobs import sha256_of
from dalil.jobs import orchestrate
from dalil.jobs.forms import FacesForm, IngestForm
from dalil.jobs.models import Job
from dalil.lib.roles import Role, has_role, require_role

KEEPERS = (Role.ARCHIVIST, Role.ADMIN)  # ingest and face indexing: archive processing
KIND_ROLES = {
    Job.Kind.INGEST: KEEPERS,
    Job.Kind.FACES: KEEPERS,
    Job.Kind.BAG: (Role.ARCHIVIST, Role.ADMIN),  # dalil.exports.views.MAY_EXPORT
    Job.Kind.REPORT: (Role.ARCHIVIST, Role.ANALYST, Role.ADMIN),  # dalil.reports.views.REPORT_MAKERS
}
IMPORT_ROLES = {"reports": (Role.CASEWORKER, Role.ADMIN), "victims": (Role.ARCHIVIST, Role.ANALYST, Role.ADMIN)}
ANY_STARTER = tuple(sorted({r for roles in [*KIND_ROLES.values(), *IMPORT_ROLES.values()] for r in roles}))
PER_PAGE = 50
REFRESH_SECONDS = 3


def roles_for_job(job: Job) -> tuple:
    if job.kind == Job.Kind.IMPORT_TABLE:
        return IMPORT_ROLES.get(job.parameters.get("kind"), (Role.ADMIN,))
    return KIND_ROLES[job.kind]


class NotYours(Exception):
    """A staff member who starts jobs asked for a job of a kind they may not start."""


def get_job_for_user(request, pk) -> Job:
    """The job if this user may see it (the roles that may start its kind); 404 if there is none; 403 for a user who
    starts no jobs at all; NotYours (the view sends back to the list, showing nothing) for one who starts others."""
    try:
        job = Job.objects.get(pk=int(pk))
    except (Job.DoesNotExist, TypeError, ValueError):
        raise Http404("no such job") from None
    if not has_role(request.user, *ANY_STARTER):
        raise PermissionDenied
    if not has_role(request.user, *roles_for_job(job)):
        raise NotYours
    return job


def job_page(view):
    """Views of one job: a job of a kind this user may not start sends back to their list, with a sentence."""
    @wraps(view)
    def wrapper(request, pk, *args, **kwargs):
        try:
            return view(request, pk, *args, **kwargs)
        except NotYours:
            messages.error(request, _("Job %(job)s is of a kind your role does not start: it is not shown to you.")
                           % {"job": pk})
            return redirect("jobs:list")

    return wrapper


def visible_to(user):
    kinds = [kind for kind, roles in KIND_ROLES.items() if has_role(user, *roles)]
    imports = [kind for kind, roles in IMPORT_ROLES.items() if has_role(user, *roles)]
    return Job.objects.filter(Q(kind__in=kinds) | Q(kind=Job.Kind.IMPORT_TABLE, parameters__kind__in=imports))


@require_role(*ANY_STARTER)
@require_safe
@never_cache
def job_list(request):
    orchestrate.mark_interrupted()
    page = Paginator(visible_to(request.user), PER_PAGE).get_page(request.GET.get("page"))
    keeper = has_role(request.user, *KEEPERS)
    running = any(not job.finished for job in page.object_list)
    return render(request, "jobs/list.html", {
        "page": page, "refresh": REFRESH_SECONDS if running else None,
        "ingest_form": IngestForm() if keeper else None, "faces_form": FacesForm() if keeper else None,
        "ingest_roots": settings.INGEST_ROOTS})


@require_role(*ANY_STARTER)
@require_safe
@never_cache
@job_page
def detail(request, pk):
    orchestrate.mark_interrupted()
    job = get_job_for_user(request, pk)
    return render(request, "jobs/detail.html", {
        "job": job, "refresh": None if job.finished else REFRESH_SECONDS,
        # as (key, value) pairs: a template's `summary.items` would read a key named "items"
        "parameters": sorted(orchestrate._public(job.parameters).items()),
        "summary": [(k, v) for k, v in job.summary.items() if not isinstance(v, (dict, list)) or v],
        "contacts": _contacts(job), "download": _download_kind(job),
        "retryable": job.state in (Job.State.FAILED, Job.State.INTERRUPTED)})


def _contacts(job: Job) -> str:
    """What became of the families' contact details in a package (the exports page says the same)."""
    if job.kind != Job.Kind.BAG or job.state != Job.State.DONE:
        return ""
    from dalil.exports.views import contact_sentence

    return contact_sentence(job.summary.get("contacts", {}))


def _download_kind(job: Job) -> str:
    """"bag" (the exports page serves it as a zip), "file" (served here), or "" (nothing to download here)."""
    if job.state != Job.State.DONE or not job.output:
        return ""
    if job.kind == Job.Kind.BAG and job.export_id:
        from dalil.exports.views import downloadable

        return "bag" if downloadable(job.export) is not None else ""
    return "file" if _served_file(job) is not None else ""


def _served_file(job: Job) -> Path | None:
    """A report file this instance wrote under DALIL_HOME/exports, or None."""
    path = Path(job.output)
    try:
        path.resolve().relative_to((Path(settings.HOME) / "exports").resolve())
    except ValueError:
        return None
    return path if path.is_file() else None


@require_role(*ANY_STARTER)
@require_safe
@never_cache
@job_page
def download(request, pk):
    job = get_job_for_user(request, pk)
    path = _served_file(job) if job.state == Job.State.DONE and job.kind == Job.Kind.REPORT else None
    if path is None:
        raise Http404("this job has no file to download here")
    if sha256_of(path)[0] != job.output_sha256:
        return HttpResponse(_("This file was changed on disk after job %(job)s made it: it is not served.")
                            % {"job": job.pk}, status=409, content_type="text/plain; charset=utf-8")
    response = FileResponse(open(path, "rb"), as_attachment=True, filename=path.name,
                            content_type="application/pdf" if path.suffix == ".pdf" else "text/html")
    response["X-Content-SHA256"] = job.output_sha256
    return response


@require_role(*ANY_STARTER)
@require_POST
@job_page
def retry(request, pk):
    job = get_job_for_user(request, pk)
    try:
        orchestrate.retry(job, request.user.get_username(), request=request)
    except orchestrate.NotNow:
        messages.error(request, _("Only a failed or interrupted job can be retried."))
    else:
        messages.success(request, _("Job %(job)s is queued again.") % {"job": job.pk})
    return redirect("jobs:detail", pk=job.pk)


@require_role(*ANY_STARTER)
@require_POST
@job_page
def cancel(request, pk):
    job = get_job_for_user(request, pk)
    try:
        job = orchestrate.cancel(job, request.user.get_username(), request=request)
    except orchestrate.NotNow:
        messages.error(request, _("This job has finished already: there is nothing to cancel."))
    else:
        if job.state == Job.State.FAILED:
            messages.success(request, _("Job %(job)s was cancelled before it started.") % {"job": job.pk})
        else:
            messages.info(request, _("Job %(job)s will stop at its next step; what it finished is kept.")
                          % {"job": job.pk})
    return redirect("jobs:detail", pk=job.pk)


@require_role(*KEEPERS)
@require_http_methods(["GET", "POST"])
@never_cache
def ingest(request):
    from dalil.jobs.kinds import check_ingest_path

    form = IngestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            source = check_ingest_path(data["source"])
        except orchestrate.JobError as exc:
            form.add_error("source", str(exc))
        else:
            job = orchestrate.start(Job.Kind.INGEST, request.user.get_username(), {
                "source": str(source), "collection": data["collection"], "received_from": data["received_from"],
                "medium": data["medium"], "pattern": data["pattern"]}, request=request)
            return redirect("jobs:detail", pk=job.pk)
    return render(request, "jobs/ingest.html", {"form": form, "ingest_roots": settings.INGEST_ROOTS},
                  status=400 if form.errors else 200)


@require_role(*KEEPERS)
@require_POST
def faces(request):
    form = FacesForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a collection from the list."))
        return redirect("jobs:list")
    job = orchestrate.start(Job.Kind.FACES, request.user.get_username(),
                            {"collection": form.cleaned_data["collection"]}, request=request)
    return redirect("jobs:detail", pk=job.pk)
