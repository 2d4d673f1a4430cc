"""The one place background work is started, run, checked, retried and cancelled.

Pages and commands call `start()`; a worker's task calls `run()`; the jobs page, `dalil jobs` and every
starting worker call `mark_interrupted()`. What each kind of job does lives in dalil.jobs.kinds, which
calls into the domain apps (ingest, faces, exports, reports, exchange); those never import this app.
"""

import logging
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dalil.audit.models import AuditEvent, audit
from dalil.jobs.models import Job
from dalil.lib import background, processes

log = logging.getLogger(__name__)

# The queue each kind goes to: ingest reads a medium, so it runs on a worker of the machine holding it (started with
# `dalil worker --queues ingest`, or every queue by default); the rest runs on any worker.
QUEUES = {Job.Kind.INGEST: "ingest"}
DEFAULT_QUEUE = "default"
ALL_QUEUES = (DEFAULT_QUEUE, "ingest")
PROGRESS_EVERY_SECONDS = 1.0
# Kept on a queued job for its task only, never shown, and dropped once it ran: an upload's secret token, a client
# address (for the audit rows the work writes).
PRIVATE_PARAMETERS = ("token", "address")


class Cancelled(Exception):
    """A person cancelled the job while it ran: raised from its progress callback."""


class JobError(Exception):
    """The job cannot be done as asked; str() is a sentence for the person who asked (shown on the job page)."""


class NotNow(Exception):
    """The job is in a state where this cannot be done (e.g. retrying a job that is running)."""


def queue_for(kind: str) -> str:
    return QUEUES.get(kind, DEFAULT_QUEUE)


def start(kind: str, actor: str, parameters: dict, request=None) -> Job:
    """Create a queued job, audit who asked, and send it to the workers; returns at once."""
    job = Job.objects.create(kind=kind, requested_by=actor, parameters=parameters)
    audit(request, AuditEvent.Action.JOB_STARTED, f"job:{job.pk}", actor=actor, kind=kind,
          parameters=_public(parameters))
    _send(job)
    return job


class CeleryStarter(background.Starter):
    """What domain pages call through dalil.lib.background: a job row, sent to the Celery workers."""

    def start(self, kind: str, actor: str, parameters: dict, request=None) -> int:
        return start(kind, actor, parameters, request=request).pk


def _public(parameters: dict) -> dict:
    """The parameters as the audit log and pages show them: never an upload's secret token."""
    return {k: v for k, v in parameters.items() if k not in PRIVATE_PARAMETERS}


def _send(job: Job) -> None:
    from dalil.jobs.tasks import run_job

    try:
        run_job.apply_async((job.pk,), queue=queue_for(job.kind))
    except Exception as exc:  # kombu's OperationalError and friends: the broker is down or misnamed
        log.error("job %s: cannot reach the broker: %s", job.pk, exc)
        _finish(job, Job.State.FAILED, error=(
            f"the job queue ({_broker_name()}) could not be reached ({exc}); nothing was done. Start the broker "
            "(or unset DALIL_BROKER_URL for the embedded one) and a worker (`dalil worker`), then retry"))


def _broker_name() -> str:
    return settings.BROKER_URL.split("@")[-1] if settings.BROKER_URL else "the embedded broker in DALIL_HOME"


class Progress:
    """The callback a job's work reports progress to; also where a cancellation is noticed.

    Takes the domain's progress events ("start" with a total, then one event per unit done) and writes them
    to the row at most once a second.
    """

    TOTALS = ("files", "photos", "items", "rows", "total")

    def __init__(self, job: Job):
        self.job, self._saved = job, 0.0

    def __call__(self, event: str, **data):
        if event == "start":
            total = next((data[k] for k in self.TOTALS if k in data), None)
            self.job.progress_total, self.job.progress_done = total, 0
            self._save(force=True)
        else:
            self.job.progress_done += 1
            self._save()

    def _save(self, force: bool = False):
        now = time.monotonic()
        if not force and now - self._saved < PROGRESS_EVERY_SECONDS:
            return
        self._saved = now
        Job.objects.filter(pk=self.job.pk).update(progress_done=self.job.progress_done,
                                                   progress_total=self.job.progress_total)
        if Job.objects.filter(pk=self.job.pk, cancel_requested=True).exists():
            raise Cancelled()


def _take(job_id: int) -> Job | None:
    """Mark the job running by this process, or None when it is not queued (done, cancelled, taken already)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state != Job.State.QUEUED:
            return None
        if job.cancel_requested:
            _finish(job, Job.State.FAILED, error="cancelled before it started")
            return None
        job.state, job.worker, job.started_at = Job.State.RUNNING, processes.this_process(), timezone.now()
        job.save(update_fields=["state", "worker", "started_at"])
        return job


def run(job_id: int) -> Job | None:
    """Do the work of a queued job (in a worker). Idempotent: a job that is not queued is left as it is."""
    from dalil.jobs import kinds

    job = _take(job_id)
    if job is None:
        return None
    try:
        outcome = kinds.HANDLERS[job.kind](job, Progress(job))
    except Cancelled:
        kinds.link(job)
        _finish(job, Job.State.FAILED, error="cancelled while it ran; what it had finished is kept")
    except JobError as exc:  # the work cannot be done as asked: a sentence, no traceback
        log.warning("job %s (%s) failed: %s", job.pk, job.kind, exc)
        kinds.link(job)
        _finish(job, Job.State.FAILED, error=str(exc))
    except Exception as exc:
        log.exception("job %s (%s) failed", job.pk, job.kind)
        kinds.link(job)
        _finish(job, Job.State.FAILED, error=f"{type(exc).__name__}: {exc}")
    else:
        _finish(job, Job.State.DONE)
        log.info("job %s (%s) done: %s", job.pk, job.kind, outcome)
    return job


def _finish(job: Job, state: str, error: str = "") -> None:
    job.state, job.error, job.finished_at = state, error, timezone.now()
    if state == Job.State.DONE and job.progress_total is not None:
        job.progress_done = job.progress_total
    job.save()


def mark_interrupted() -> list[Job]:
    """Jobs left running by a process of this machine that no longer exists: marked interrupted, retryable.

    Also lets the domain apps mark their own records of the same work (an export, an ingest run).
    """
    from dalil.exports.jobs import mark_interrupted as exports_interrupted
    from dalil.ingest.runs import mark_interrupted as ingest_interrupted

    from dalil.jobs import kinds

    found = []
    for job in Job.objects.filter(state=Job.State.RUNNING):
        if not processes.gone(job.worker):
            continue
        kinds.link(job)
        _finish(job, Job.State.INTERRUPTED, error=(
            f"interrupted: the process running it ({job.worker}) stopped before it finished (killed, crashed, "
            "or the machine restarted); retry it"))
        found.append(job)
    exports_interrupted()
    ingest_interrupted()
    return found


def retry(job: Job, actor: str, request=None) -> Job:
    """Queue a failed or interrupted job again, as the same row with one more attempt."""
    mark_interrupted()
    job.refresh_from_db()
    if job.state not in (Job.State.FAILED, Job.State.INTERRUPTED):
        raise NotNow(f"job {job.pk} is {job.state}: only a failed or interrupted job can be retried")
    job.state, job.attempts, job.cancel_requested = Job.State.QUEUED, job.attempts + 1, False
    job.error, job.worker, job.started_at, job.finished_at = "", "", None, None
    job.progress_done, job.progress_total = 0, None
    job.ingest_run, job.export, job.import_run = None, None, None  # the new attempt's records (an ingest run names
    job.output, job.output_sha256, job.output_size = "", "", None  # the interrupted run it finishes)
    job.save()
    audit(request, AuditEvent.Action.JOB_RETRIED, f"job:{job.pk}", actor=actor, kind=job.kind, attempt=job.attempts)
    _send(job)
    return job


def cancel(job: Job, actor: str, request=None) -> Job:
    """Cancel a queued job now, or ask a running one to stop at its next progress step."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.finished:
            raise NotNow(f"job {job.pk} is {job.state} already: there is nothing to cancel")
        if job.state == Job.State.QUEUED:
            _finish(job, Job.State.FAILED, error=f"cancelled by {actor} before it started")
        else:
            job.cancel_requested = True
            job.save(update_fields=["cancel_requested"])
    audit(request, AuditEvent.Action.JOB_CANCELLED, f"job:{job.pk}", actor=actor, kind=job.kind, state=job.state)
    return job
