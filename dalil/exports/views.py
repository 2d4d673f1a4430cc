"""The exports page: every export job, a form to package a case or collection, and bag downloads.

Archivists (and admins) export: a package carries originals out of the archive,
which is custody work. Every download is audited, and a bag is served only
while its tag manifest still hashes to what the job recorded.

The form checks the scope at once, then starts a background job (dalil.lib.background) and
shows the job's page: copying and hashing every original of a whole collection (~55,000
files, tens of GB) takes far longer than any browser or proxy waits. `dalil export bag`
makes the same package on the command line, where the archivist chooses (an external disk).
"""

import hashlib
import logging
import zipfile
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from dalil.audit.models import audit
from dalil.exports import contacts, profiles, scope as scopes
from dalil.exports.bags import ExportRefused
from dalil.exports.forms import BagForm
from dalil.exports.jobs import mark_interrupted, sha256_of
from dalil.exports.models import ExportJob
from dalil.exports.profiles import ProfileError, get as get_profile
from dalil.lib import background
from dalil.lib.roles import Role, has_role, require_role

logger = logging.getLogger(__name__)
MAY_EXPORT = (Role.ARCHIVIST, Role.ADMIN)
JOBS_PER_PAGE = 50
AUDIT_DOWNLOADED = "downloaded_export"
# ExportJob.Kind's labels, translated here: the model's choices stay plain English (no migration for words).
KIND_LABELS = {
    ExportJob.Kind.BAG: gettext_noop("evidence package (BagIt)"),
    ExportJob.Kind.PFIF: gettext_noop("missing-person records (PFIF 1.4)"),
    ExportJob.Kind.REPORT: gettext_noop("report document"),
    ExportJob.Kind.STATISTICS: gettext_noop("statistics"),
}


def exporter_required(view):
    return require_role(*MAY_EXPORT)(never_cache(view))


def get_job_for_user(request, pk) -> ExportJob:
    if not has_role(request.user, *MAY_EXPORT):
        raise PermissionDenied
    try:
        return ExportJob.objects.get(pk=int(pk))
    except (ExportJob.DoesNotExist, TypeError, ValueError):
        raise Http404("no such export job") from None


def downloadable(job: ExportJob) -> Path | None:
    """The bag folder of a finished web job (under DALIL_HOME/exports), or None."""
    if job.kind != ExportJob.Kind.BAG or job.status != ExportJob.Status.DONE or not job.output:
        return None
    path = Path(job.output)
    root = (Path(settings.HOME) / "exports").resolve()
    try:
        path.resolve().relative_to(root)
    except ValueError:
        return None  # written by `dalil export` somewhere else: fetch it from there
    return path if path.is_dir() else None


@exporter_required
@require_safe
def jobs(request):
    return _page(request, BagForm(initial={"case": request.GET.get("case") or None, "profile": "prosecutor"},
                                  may_export_contacts=contacts.may_export_contacts(request.user)))


def _page(request, form, status=200):
    mark_interrupted()  # a job whose process was killed shows as failed, not running forever
    page = Paginator(ExportJob.objects.all(), JOBS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [(job, downloadable(job) is not None) for job in page.object_list]
    for job, _downloadable in rows:  # the stored codes in the reader's language
        job.kind_label = _(KIND_LABELS.get(job.kind, job.kind))
        job.profile_label = _(profiles.PROFILES[job.profile].label) if job.profile in profiles.PROFILES else job.profile
    return render(request, "exports/jobs.html", {"form": form, "page": page, "rows": rows,
                                                 "contacts_field": "recipient_key" in form.fields},
                  status=status)


@exporter_required
@require_POST
def create(request):
    allowed = contacts.may_export_contacts(request.user)
    form = BagForm(request.POST, may_export_contacts=allowed)
    if not form.is_valid():
        return _page(request, form, status=400)
    data = form.cleaned_data
    try:
        if data["case"]:
            scope = scopes.for_case(data["case"])
        elif data["collection"]:
            scope = scopes.for_collection(data["collection"])
        else:
            scope = scopes.for_query(data["query"])
        if get_profile(data["profile"]).aggregates_only:
            raise ExportRefused(_("The public profile exports aggregates only, never an evidence package: choose "
                                  "prosecutor or partner."))
    except (scopes.ScopeError, ExportRefused, ProfileError) as exc:
        form.add_error(None, str(exc))
        return _page(request, form, status=400)
    # Written in the background (dalil.jobs): the job page shows its progress, then the package's hash and download.
    job_id = background.start(background.BAG, request.user.get_username(), {
        "scope": scope.description, "profile": data["profile"], "recipient": data["recipient"],
        "recipient_keys": data.get("recipient_key", []), "contacts_allowed": allowed,
        "files": len(scope.items), "bytes": sum(item.size for item in scope.items)}, request=request)
    messages.success(request, _("Export started as job %(job)s: %(files)s files to package.") % {
        "job": job_id, "files": f"{len(scope.items):,}"})
    return redirect("jobs:detail", pk=job_id)


def contact_sentence(summary: dict) -> str:
    """What became of the families' contact details, for the page (the README says the same)."""
    if summary.get("mode") == "encrypted":
        return _("Contact details of %(count)s report(s) are in the package, encrypted to the recipient's key "
                 "(data/contacts.age).") % {"count": summary["count"]}
    if summary.get("mode") == "withheld":
        if summary.get("why") == "role":
            return _("Contact details of %(count)s report(s) were withheld: only a caseworker or an administrator "
                     "may export them.") % {"count": summary["withheld"]}
        return _("Contact details of %(count)s report(s) were withheld: give the recipient's age public key to "
                 "include them, encrypted.") % {"count": summary["withheld"]}
    return ""


class _Sink:
    """A write-only file for zipfile whose bytes the response takes away as they come."""

    def __init__(self):
        self.chunks, self.offset = [], 0

    def write(self, data):
        self.chunks.append(bytes(data))
        self.offset += len(data)
        return len(data)

    def tell(self):
        return self.offset

    def flush(self):
        pass

    def take(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


class ChangedOnDisk(Exception):
    pass


def _manifest(path: Path) -> dict[str, str]:
    """path -> digest from a manifest this app wrote (no percent-encoded names in them)."""
    pairs = (line.split("  ", 1) for line in path.read_text(encoding="utf-8").splitlines() if line)
    return {name: digest for digest, name in pairs}


def check_tag_files(bag: Path, expected_sha256: str) -> str | None:
    """Why the bag's tag files no longer match the job's hash, or None (cheap: tag files are small)."""
    tagmanifest = bag / "tagmanifest-sha512.txt"
    if not tagmanifest.is_file() or sha256_of(tagmanifest)[0] != expected_sha256:
        return "tagmanifest-sha512.txt"
    for name, digest in _manifest(tagmanifest).items():
        path = bag / name
        if not path.is_file() or hashlib.sha512(path.read_bytes()).hexdigest() != digest:
            return name
    return None


def zip_stream(bag: Path):
    """The bag as a zip (stored, not compressed: photos do not shrink), produced as it is sent.

    Each payload file is hashed as it is sent; one that no longer matches the manifest stops the
    download (the recipient gets a broken zip, never a quietly altered one).
    """
    expected = _manifest(bag / "manifest-sha256.txt")
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for path in sorted(p for p in bag.rglob("*") if p.is_file()):
            rel = path.relative_to(bag).as_posix()
            info = zipfile.ZipInfo.from_file(path, f"{bag.name}/{rel}")
            info.compress_type = zipfile.ZIP_STORED
            digest = hashlib.sha256()
            with open(path, "rb") as source, archive.open(info, "w", force_zip64=info.file_size > 2**31) as target:
                while chunk := source.read(1 << 20):
                    digest.update(chunk)
                    target.write(chunk)
                    yield sink.take()
            if rel.startswith("data/") and expected.get(rel) != digest.hexdigest():
                logger.error("export bag %s: %s changed on disk; download stopped", bag, rel)
                raise ChangedOnDisk(f"{rel} no longer matches the bag's manifest")
            yield sink.take()
    yield sink.take()


@exporter_required
@require_safe
def download(request, pk):
    job = get_job_for_user(request, pk)
    bag = downloadable(job)
    if bag is None:
        raise Http404("this export has no bag to download here")
    changed = check_tag_files(bag, job.output_sha256)
    if changed:
        return HttpResponse(_("This bag was changed on disk after it was made (%(file)s no longer matches what was "
                              "recorded for export %(job)s). It is not served; run `dalil validate-bag %(path)s`.")
                            % {"file": changed, "job": job.pk, "path": bag}, status=409,
                            content_type="text/plain; charset=utf-8")
    audit(request, AUDIT_DOWNLOADED, f"export:{job.pk}", profile=job.profile, scope=job.scope,
          output_sha256=job.output_sha256, recipient=job.recipient)
    response = StreamingHttpResponse(zip_stream(bag), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{bag.name}.zip"'
    response["Cache-Control"] = "private, no-store"
    return response
