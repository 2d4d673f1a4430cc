"""Ingest runs that stopped before finishing: found, marked interrupted, and named by the run that finishes them.

A run records the process running it (host:pid). A run still "running" whose process no longer
exists on this machine was killed (or the machine lost power): the next ingest, and the list of
runs (`dalil ingest_runs`), mark it interrupted, as dalil.exports.jobs does for export jobs. Its
work is never lost: what it stored but did not record is read and recorded again by the next run
of the same source, which lists the interrupted runs it finished.
"""

import socket

from django.utils import timezone

from dalil.ingest.models import IngestRun
from dalil.lib import processes


def this_worker() -> str:
    return processes.this_process()


def mark_interrupted() -> list[IngestRun]:
    """Runs left "running" by a process of this machine that no longer exists: mark them interrupted.

    Runs of other machines are left alone: whether their process lives cannot be known from here.
    A run from before runs recorded their process (no worker) is left alone too.
    """
    host = socket.gethostname()
    found = []
    for run in IngestRun.objects.filter(status=IngestRun.Status.RUNNING, worker__startswith=f"{host}:"):
        if not processes.gone(run.worker):
            continue
        stop(run, f"interrupted: the process running it ({run.worker}) stopped before it finished; "
                  "the next run of the same source finishes its work")
        found.append(run)
    return found


def stop(run: IngestRun, reason: str) -> None:
    """Mark a run interrupted, with the reason in its summary."""
    run.status, run.finished_at = IngestRun.Status.INTERRUPTED, timezone.now()
    run.summary = {**run.summary, "reason": reason}
    run.save(update_fields=["status", "finished_at", "summary"])


def unfinished_before(run: IngestRun) -> list[IngestRun]:
    """The interrupted runs of this run's source since its last finished run: the work this run completes."""
    earlier = IngestRun.objects.filter(source=run.source, pk__lt=run.pk)
    last_finished = earlier.filter(status=IngestRun.Status.FINISHED).order_by("-pk").first()
    if last_finished is not None:
        earlier = earlier.filter(pk__gt=last_finished.pk)
    return list(earlier.filter(status=IngestRun.Status.INTERRUPTED).order_by("pk"))
