"""Export jobs: one row per export, whoever asked and whatever it produced.

Lifecycle (status):
1. running  — created when an export starts (CLI or web), with kind, profile, scope and who asked.
2. done     — the output is complete; its SHA-256 and size are recorded and an `exported` custody row names the job.
3. failed   — the export stopped; `error` says why; whatever was half-written is removed. A job whose
               process was killed is found still "running" with a dead `worker` by the next export (or the
               exports page) on that machine, and marked failed as interrupted the same way.

`contact_details` is set when the output carries families' contact details (only ever encrypted to the
recipient's age keys, listed in `contact_recipients`; dalil/exports/contacts.py).
"""

from django.db import models


class ExportJob(models.Model):
    class Kind(models.TextChoices):
        BAG = "bag", "evidence package (BagIt)"
        PFIF = "pfif", "missing-person records (PFIF 1.4)"
        REPORT = "report", "report document"
        STATISTICS = "statistics", "statistics"

    class Status(models.TextChoices):
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    profile = models.CharField(max_length=12)
    scope = models.JSONField(default=dict, help_text="What was exported, e.g. {'case': 12} or {'collection': 'x'}.")
    requested_by = models.CharField(max_length=200)
    recipient = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.RUNNING)
    output = models.CharField(max_length=500, blank=True, help_text="Where the output was written.")
    output_sha256 = models.CharField(max_length=64, blank=True)
    output_size = models.PositiveBigIntegerField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True, help_text="Counts: items, cases, reports, notes…")
    error = models.TextField(blank=True)
    worker = models.CharField(max_length=300, blank=True, help_text="host:pid of the process writing it.")
    contact_details = models.BooleanField(
        default=False, help_text="The output carries families' contact details (encrypted to the recipient's key).")
    contact_recipients = models.JSONField(
        default=list, blank=True, help_text="The age public keys the contact details were encrypted to.")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"export {self.pk} ({self.kind}, {self.profile}, {self.status})"
