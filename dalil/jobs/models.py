"""Background jobs: one row per piece of heavy work a person asked for, whatever machine does it.

Lifecycle (state):
1. queued      — a web page or `dalil jobs` created the row (kind, parameters, who asked) and sent its
                 task to the broker; nothing has started.
2. running     — a worker took it: `worker` names the process doing it (host:pid), `started_at` is set,
                 `progress_done`/`progress_total` move as it goes.
3a. done       — finished; `output` (when it wrote a file or a folder), its SHA-256 and size are recorded,
                 and the domain record it made is linked (`export`, `ingest_run`, `import_run`).
3b. failed     — it stopped on an error (`error` says why in a sentence), or was cancelled before it ran.
3c. interrupted— its process is gone (killed, crashed, the machine restarted) while it was running: the
                 next check on that machine (a worker starting, the jobs page, `dalil jobs list`) marks it.
4. retry (from failed or interrupted, by a person) puts the same row back to queued with `attempts` + 1;
   the work itself is idempotent (an ingest skips what is recorded, an export writes a new package).

The domain records (ExportJob, IngestRun, ImportRun) stay the account of what was done and are what the
custody and audit logs name; a Job is how it was asked for and run.
"""

from django.db import models

from dalil.lib import background


class Job(models.Model):
    class Kind(models.TextChoices):
        INGEST = background.INGEST, "ingest"
        FACES = background.FACES, "face indexing"
        REPORT = background.REPORT, "report"
        BAG = background.BAG, "evidence package"
        IMPORT_TABLE = background.IMPORT_TABLE, "table import"

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"
        INTERRUPTED = "interrupted"

    FINISHED = (State.DONE, State.FAILED, State.INTERRUPTED)

    kind = models.CharField(max_length=16, choices=Kind.choices)
    state = models.CharField(max_length=12, choices=State.choices, default=State.QUEUED)
    requested_by = models.CharField(max_length=200)
    parameters = models.JSONField(default=dict, blank=True, help_text="What the task needs to do the work again.")
    progress_done = models.PositiveBigIntegerField(default=0)
    progress_total = models.PositiveBigIntegerField(null=True, blank=True)
    output = models.CharField(max_length=1000, blank=True, help_text="The file or folder written, if any.")
    output_sha256 = models.CharField(max_length=64, blank=True)
    output_size = models.PositiveBigIntegerField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True, help_text="The counts the work reported.")
    error = models.TextField(blank=True)
    worker = models.CharField(max_length=300, blank=True, help_text="host:pid of the process running it.")
    attempts = models.PositiveIntegerField(default=0, help_text="Retries asked for after a failure or interruption.")
    cancel_requested = models.BooleanField(default=False)
    export = models.ForeignKey("exports.ExportJob", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="jobs")
    ingest_run = models.ForeignKey("ingest.IngestRun", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="jobs")
    import_run = models.ForeignKey("exchange.ImportRun", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="jobs")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state"], name="jobs_job_state")]

    def __str__(self):
        return f"job {self.pk} ({self.kind}, {self.state})"

    @property
    def finished(self) -> bool:
        return self.state in self.FINISHED

    @property
    def percent(self) -> int | None:
        if not self.progress_total:
            return None
        return min(100, int(100 * self.progress_done / self.progress_total))
