"""`dalil jobs list|show|retry|cancel`: background jobs from the command line (the same as the jobs pages)."""

import json

from django.core.management.base import BaseCommand, CommandError

from dalil.jobs import orchestrate
from dalil.jobs.models import Job

SHOWN = 50


def as_dict(job: Job) -> dict:
    return {"id": job.pk, "kind": job.kind, "state": job.state, "requested_by": job.requested_by,
            "parameters": orchestrate._public(job.parameters), "progress_done": job.progress_done,
            "progress_total": job.progress_total, "output": job.output, "output_sha256": job.output_sha256,
            "output_size": job.output_size, "summary": job.summary, "error": job.error, "worker": job.worker,
            "attempts": job.attempts, "cancel_requested": job.cancel_requested, "export": job.export_id,
            "ingest_run": job.ingest_run_id, "import_run": job.import_run_id,
            "created_at": job.created_at.isoformat(),
            "started_at": job.started_at.isoformat() if job.started_at else None,
            "finished_at": job.finished_at.isoformat() if job.finished_at else None}


class Command(BaseCommand):
    help = "Background jobs: `list` them, `show` one, `retry` a failed or interrupted one, `cancel` one."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{list,show,retry,cancel}")
        listing = actions.add_parser("list", help=f"the latest jobs (marks those whose process died interrupted)")
        listing.add_argument("--state", choices=Job.State.values, help="only jobs in this state")
        listing.add_argument("--kind", choices=Job.Kind.values, help="only jobs of this kind")
        listing.add_argument("--limit", type=int, default=SHOWN, help=f"how many (default {SHOWN})")
        listing.add_argument("--json", action="store_true", help="print a JSON list and nothing else")
        for name, text in (("show", "one job in full"), ("retry", "queue a failed or interrupted job again"),
                           ("cancel", "cancel a queued job, or ask a running one to stop")):
            sub = actions.add_parser(name, help=text)
            sub.add_argument("id", type=int, help="the job's number (see `dalil jobs list`)")
            sub.add_argument("--json", action="store_true", help="print the job as JSON and nothing else")
            if name != "show":
                sub.add_argument("--actor", default="", help="who does it, for the audit log (default: your login)")

    def handle(self, *args, **opts):
        orchestrate.mark_interrupted()
        if opts["action"] == "list":
            return self._list(opts)
        job = Job.objects.filter(pk=opts["id"]).first()
        if job is None:
            raise CommandError(f"there is no job {opts['id']}: see `dalil jobs list`")
        if opts["action"] != "show":
            actor = opts["actor"] or _login()
            try:
                job = (orchestrate.retry if opts["action"] == "retry" else orchestrate.cancel)(job, actor)
            except orchestrate.NotNow as exc:
                raise CommandError(str(exc)) from None
        if opts["json"]:
            self.stdout.write(json.dumps(as_dict(job), ensure_ascii=False))
            return
        for key, value in as_dict(job).items():
            if value not in ("", None, {}, []):
                self.stdout.write(f"{key:<17} {json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else value}")
        if job.state == Job.State.QUEUED and opts["action"] == "retry":
            self.stdout.write("Queued again: a worker (`dalil worker`, or the one `dalil serve` starts) will run it.")

    def _list(self, opts):
        if opts["limit"] < 1:
            raise CommandError("--limit must be at least 1")
        jobs = Job.objects.all()
        if opts["state"]:
            jobs = jobs.filter(state=opts["state"])
        if opts["kind"]:
            jobs = jobs.filter(kind=opts["kind"])
        jobs = list(jobs[:opts["limit"]])
        if opts["json"]:
            self.stdout.write(json.dumps([as_dict(j) for j in jobs], ensure_ascii=False))
            return
        if not jobs:
            self.stdout.write("No jobs.")
            return
        for job in jobs:
            progress = f"{job.progress_done}/{job.progress_total}" if job.progress_total else ""
            self.stdout.write(f"{job.pk:>6}  {job.kind:<12} {job.state:<11} {progress:>11}  {job.requested_by:<16} "
                              f"{job.created_at:%Y-%m-%d %H:%M}  {job.error[:60] or job.output_sha256[:16]}")


def _login() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no login name (a container): still a name in the audit log
        return "cli"
