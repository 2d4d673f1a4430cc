"""Running an export as a job: a row before, a hash and a custody row after, a clear failure in between."""

import hashlib
import shutil
import socket
from contextlib import contextmanager
from pathlib import Path

from django.utils import timezone

from dalil.evidence import custody
from dalil.evidence.models import CustodyEvent
from dalil.exports import profiles
from dalil.exports.models import ExportJob
from dalil.lib import processes


def sha256_of(path: Path) -> tuple[str, int]:
    """SHA-256 and size of a file; for a directory (a bag), of its sorted tag manifest or file listing."""
    path = Path(path)
    if path.is_dir():
        for name in ("tagmanifest-sha512.txt", "tagmanifest-sha256.txt"):
            if (path / name).is_file():
                return sha256_of(path / name)[0], sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        digest, size = hashlib.sha256(), 0
        for p in sorted(q for q in path.rglob("*") if q.is_file()):
            file_hash, file_size = sha256_of(p)
            digest.update(f"{file_hash}  {p.relative_to(path).as_posix()}\n".encode())
            size += file_size
        return digest.hexdigest(), size
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _this_worker() -> str:
    return processes.this_process()


def _remove_output(job: ExportJob) -> None:
    """Remove what a job that did not finish wrote: its output, and a bag's hidden partial folders beside it."""
    if not job.output:  # never Path(""), which is the working directory
        return
    written = Path(job.output)
    if written.is_dir():
        shutil.rmtree(written, ignore_errors=True)
    elif written.exists():
        written.unlink()
    for partial in written.parent.glob(f".{written.name}.partial-*"):
        shutil.rmtree(partial, ignore_errors=True)


def mark_interrupted() -> list[ExportJob]:
    """Jobs left "running" by a process of this machine that no longer exists (killed, crashed, power cut):
    mark them failed as interrupted and remove what they half-wrote. Jobs of other machines are left alone."""
    host = socket.gethostname()
    found = []
    for job in ExportJob.objects.filter(status=ExportJob.Status.RUNNING, worker__startswith=f"{host}:"):
        if not processes.gone(job.worker):
            continue
        _remove_output(job)
        job.status, job.finished_at = ExportJob.Status.FAILED, timezone.now()
        job.error = (f"interrupted: the process writing it ({job.worker}) stopped before it finished; "
                     "what it had written was removed")
        job.save(update_fields=["status", "error", "finished_at"])
        found.append(job)
    return found


@contextmanager
def export_job(kind: str, profile: str, actor: str, scope: dict, output: Path | str, recipient: str = ""):
    """Create the job row, yield it, then record the output's hash and an `exported` custody row.

    The body writes `output` (a file or a directory) and may fill `job.summary`, and list the
    exported originals' SHA-256 in `job.exported_items` (each gets its own custody row).
    A body that names its output only once the job exists (a folder named by the job's id) passes
    output="" and sets and saves `job.output` itself before writing.
    On an exception the job is marked failed, the half-written output removed, and the error re-raised.
    """
    profiles.get(profile)  # refuse an unknown profile before anything is written
    mark_interrupted()
    job = ExportJob.objects.create(kind=kind, profile=profile, scope=scope, requested_by=actor, recipient=recipient,
                                   output=str(output), worker=_this_worker())
    job.exported_items = []
    try:
        yield job
    except BaseException as exc:
        _remove_output(job)
        job.status, job.error, job.finished_at = ExportJob.Status.FAILED, str(exc) or type(exc).__name__, timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        raise
    if job.output:
        job.output_sha256, job.output_size = sha256_of(Path(job.output))
    job.status, job.finished_at = ExportJob.Status.DONE, timezone.now()
    job.save(update_fields=["status", "finished_at", "output", "output_sha256", "output_size", "summary"])
    details = {"job": job.pk, "kind": kind, "profile": profile, "scope": scope, "recipient": recipient,
               "output_sha256": job.output_sha256, "output_size": job.output_size}
    events = [custody.Event(CustodyEvent.Action.EXPORTED, actor=actor, collection=scope.get("collection", ""),
                            details=details)]
    events += [custody.Event(CustodyEvent.Action.EXPORTED, actor=actor, item_sha256=sha,
                             details={"job": job.pk, "profile": profile}) for sha in job.exported_items]
    custody.append(events)
