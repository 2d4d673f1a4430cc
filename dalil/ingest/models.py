from django.db import models

from dalil.evidence.models import Acquisition


class IngestRun(models.Model):
    """One invocation of `dalil ingest`: when, by whom, with what options, and what it found."""

    class Status(models.TextChoices):
        RUNNING = "running"  # stays so if the process was killed; the next run finishes its work
        FINISHED = "finished"
        REFUSED = "refused"

    acquisition = models.ForeignKey(Acquisition, null=True, on_delete=models.PROTECT, related_name="runs")
    source = models.CharField(max_length=2000)
    actor = models.CharField(max_length=200)
    options = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    summary = models.JSONField(default=dict)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True)
