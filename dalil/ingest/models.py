from django.db import models

from dalil.evidence.models import Acquisition


class IngestRun(models.Model):
    """One invocation of `dalil ingest`: when, by whom, with what options, and what it found.

    Lifecycle: 1. running (made when the run starts, by the process named in `worker`);
    2a. finished, or 2b. refused (the source could not be ingested; nothing recorded), or
    2c. interrupted: it stopped before finishing (an error, or killed: the next run or
    `dalil ingest_runs` on that machine sees its process gone and marks it); the next run
    of the same source finishes its work and says so.
    """

    class Status(models.TextChoices):
        RUNNING = "running"
        FINISHED = "finished"
        REFUSED = "refused"
        INTERRUPTED = "interrupted"

    acquisition = models.ForeignKey(Acquisition, null=True, on_delete=models.PROTECT, related_name="runs")
    source = models.CharField(max_length=2000)
    actor = models.CharField(max_length=200)
    options = models.JSONField(default=dict)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RUNNING)
    worker = models.CharField(max_length=300, blank=True, help_text="host:pid of the process running it.")
    summary = models.JSONField(default=dict)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True)
