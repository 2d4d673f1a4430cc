"""What each kind of job does: read its parameters, call the domain app, record what it made on the job.

Each handler takes (job, progress) and returns a short summary; a JobError says what to change. Handlers
are safe to run again after a failure or interruption: ingest skips what an earlier run recorded, an
export or report writes a new output under a new job, a table import runs in one transaction.

Ingest on many machines (issue 12, point 2) fans out here: `_ingest` runs on the machine holding the medium
(queue "ingest"); the per-item work it now does in local processes can become one task per batch of items
sent to the "default" queue, with the job's progress counting the items they finish.
"""

from pathlib import Path
from types import SimpleNamespace

from django.conf import settings

from dalil.jobs.models import Job
from dalil.jobs.orchestrate import JobError


def _done(job: Job, output: str = "", sha256: str = "", size: int | None = None, summary: dict | None = None) -> None:
    job.output, job.output_sha256, job.output_size = output, sha256, size
    job.summary = summary or {}


def _bag(job: Job, progress) -> dict:
    from dalil.exports import scope as scopes
    from dalil.exports.bags import ExportRefused, export_bag
    from dalil.exports.profiles import ProfileError
    from dalil.evidence.store import StoreError

    p = job.parameters
    kind, value = next(iter(p["scope"].items()))
    try:
        scope = {"case": scopes.for_case, "collection": scopes.for_collection, "query": scopes.for_query}[kind](value)
        progress("start", items=len(scope.items))
        export = export_bag(scope, p["profile"], job.requested_by, recipient=p.get("recipient", ""),
                            recipient_keys=p.get("recipient_keys", []), contacts_allowed=p.get("contacts_allowed", False))
    except (scopes.ScopeError, ExportRefused, ProfileError, StoreError) as exc:
        raise JobError(str(exc)) from None
    job.export = export
    _done(job, export.output, export.output_sha256, export.output_size, export.summary)
    return export.summary


def _report(job: Job, progress) -> dict:
    from dalil.reports import document

    p = job.parameters
    wanted = document.Request(**{k: v for k, v in p.items() if k in document.Request.__dataclass_fields__})
    wanted.actor, wanted.verify = job.requested_by, False  # the web never re-hashes the archive: it states the last verify
    output = Path(settings.HOME) / "exports" / "reports" / document.default_filename(wanted)
    try:
        export = document.generate(wanted, output)
    except document.ReportError as exc:
        raise JobError(str(exc)) from None
    job.export = export
    _done(job, export.output, export.output_sha256, export.output_size, export.summary)
    return export.summary


def _faces(job: Job, progress) -> dict:
    from dalil.faces import backend as backends
    from dalil.faces.stage import index_faces

    if not backends.available():
        raise JobError("face indexing needs face_recognition on the worker's machine: run `make setup` there")
    summary = index_faces(job.parameters.get("collection") or None, progress=progress).as_dict()
    _done(job, summary=summary)
    return summary


def _ingest(job: Job, progress) -> dict:
    from dalil.ingest.pipeline import IngestError, Options, ingest

    p = job.parameters
    options = Options(collection=p["collection"], received_from=p.get("received_from", ""), medium=p.get("medium", ""),
                      pattern=p.get("pattern") or None, sidecar=Path(p["sidecar"]) if p.get("sidecar") else None,
                      workers=p.get("workers", 0), actor=job.requested_by)
    try:
        summary = ingest(check_ingest_path(p["source"]), options, progress=progress).as_dict()
    except IngestError as exc:
        raise JobError(str(exc)) from None
    finally:
        link(job)
    _done(job, summary=summary)
    return summary


def _import_table(job: Job, progress) -> dict:
    from dalil.exchange import uploads
    from dalil.exchange.models import ImportRun
    from dalil.exchange.tables.run import TableImportError, import_bytes

    p = job.parameters
    try:
        name, raw = uploads.load(p.get("token", ""), p["user"])
    except uploads.UploadGone:
        raise JobError("the uploaded file is no longer kept (it expired after two hours, or was imported): "
                       "upload it again") from None
    suffix = ".xlsx" if p.get("format") == "xlsx" else ".csv"
    # The page's request is gone; its client address still goes on the import's audit rows, as when it ran inline.
    request = SimpleNamespace(META={"REMOTE_ADDR": p["address"]} if p.get("address") else {}, user=None)
    try:
        summary = import_bytes(raw, Path(name).with_suffix(suffix), p["kind"], job.requested_by,
                               sheet=p.get("sheet") or None, columns=p["columns"], consents=p.get("consents") or {},
                               request=request)
    except TableImportError as exc:
        raise JobError(str(exc)) from None
    uploads.discard(p["token"])  # imported: the encrypted file, and the token that opens it, are gone
    job.parameters = {k: v for k, v in p.items() if k not in ("token", "address")}
    if summary.run is not None:
        ImportRun.objects.filter(pk=summary.run).update(file_name=p["name"][:500])
        job.import_run_id = summary.run
    counts = {"counts": summary.counts, "run": summary.run}
    _done(job, summary=counts)
    return counts


def check_ingest_path(text: str) -> Path:
    """The source path if it lies under one of DALIL_INGEST_ROOTS (after resolving links), else a JobError."""
    roots = settings.INGEST_ROOTS
    if not roots:
        raise JobError("no folder is open to ingest from the web: set DALIL_INGEST_ROOTS on the server "
                       "(docs/settings.md), or run `dalil ingest` there")
    path = Path(text).expanduser()
    if not path.is_absolute():
        raise JobError(f"{text}: give the full path on the server, starting with /")
    resolved = path.resolve()
    if not any(resolved == root or root in resolved.parents for root in roots):
        raise JobError(f"{text} is not under a folder open to ingest ({', '.join(map(str, roots))})")
    if not resolved.exists():
        raise JobError(f"{text}: no such file or folder on the server")
    return resolved


def link(job: Job) -> None:
    """Link the domain record an unfinished job made (an ingest run, an export), so its page names it."""
    from dalil.exports.models import ExportJob
    from dalil.ingest.models import IngestRun

    if not job.worker or not job.started_at:
        return
    if job.kind == Job.Kind.INGEST and job.ingest_run_id is None:
        job.ingest_run = IngestRun.objects.filter(worker=job.worker, started_at__gte=job.started_at).order_by(
            "pk").last()
    if job.kind in (Job.Kind.BAG, Job.Kind.REPORT) and job.export_id is None:
        job.export = ExportJob.objects.filter(worker=job.worker, created_at__gte=job.started_at).order_by("pk").last()


HANDLERS = {Job.Kind.BAG: _bag, Job.Kind.REPORT: _report, Job.Kind.FACES: _faces, Job.Kind.INGEST: _ingest,
            Job.Kind.IMPORT_TABLE: _import_table}
