import json

from django.core.management.base import BaseCommand

from dalil.ingest import runs
from dalil.ingest.models import IngestRun


class Command(BaseCommand):
    help = "List recent ingest runs with their status; a run whose process is gone is marked interrupted first."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=20, help="how many of the newest runs (default 20)")
        parser.add_argument("--status", choices=IngestRun.Status.values, help="only runs with this status")
        parser.add_argument("--json", action="store_true", help="one JSON object per line")

    def handle(self, *args, **opts):
        marked = runs.mark_interrupted()
        rows = IngestRun.objects.order_by("-pk")
        if opts["status"]:
            rows = rows.filter(status=opts["status"])
        for run in rows[: max(0, opts["limit"])]:
            record = {
                "id": run.pk, "status": run.status, "source": run.source, "actor": run.actor, "worker": run.worker,
                "started_at": run.started_at.isoformat(),
                "finished_at": run.finished_at.isoformat() if run.finished_at else None,
                "files": run.summary.get("files"), "reason": run.summary.get("reason", ""),
                "finished_interrupted": run.summary.get("finished_interrupted", []),
            }
            if opts["json"]:
                self.stdout.write(json.dumps(record, ensure_ascii=False))
                continue
            line = f"#{run.pk:<5} {run.status:<11} {record['started_at'][:19]}  {run.source}"
            if record["finished_interrupted"]:
                line += "  (finished " + ", ".join(f"#{pk}" for pk in record["finished_interrupted"]) + ")"
            self.stdout.write(line)
            if record["reason"]:
                self.stdout.write(f"       {record['reason']}")
        if marked and not opts["json"]:
            self.stdout.write(f"{len(marked)} run(s) found stopped and marked interrupted just now")
