"""What dalil exchanges with other missing-person systems: PFIF records and notes, and spreadsheet imports.

A PFIF person record arriving here becomes a MissingPersonReport (reference,
follow-up token, casework queue) plus a PfifRecord keeping what PFIF carries and
the report has no field for, so that exporting it again loses nothing. Contact
details (author and found-person name, phone, email) are never kept in clear:
they go encrypted into the report, or into the note's encrypted blob.

Lifecycle of a PFIF person record here:
 1. imported  - `dalil import pfif`: validated, stored, a report created (status received).
 2. updated   - the same person_record_id arrives with a later source_date: the
                fields dalil has not edited since are brought up to date.
 3. exported  - `dalil export pfif --profile ...`: written as PFIF 1.4 if the
                profile allows the report; a dalil report gets a record (origin
                home) the first time it is exported, so its id never changes.
Rejected records are kept as PfifRejection rows (reason, encrypted original).
"""

import json

from django.db import models

from dalil.archive.models import BodyCase
from dalil.identification.models import MissingPersonReport
from dalil.lib import crypto


def encrypt_json(data: dict) -> bytes:
    return crypto.encrypt(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()) if data else b""


def decrypt_json(blob) -> dict:
    return json.loads(crypto.decrypt(bytes(blob))) if blob else {}


class ImportRun(models.Model):
    """One `dalil import pfif|table` run: the file (by hash), who ran it, what it did, what it refused."""

    class Kind(models.TextChoices):
        PFIF = "pfif", "PFIF"
        REPORTS = "reports", "table of missing-person reports"
        VICTIMS = "victims", "table detailing the victims"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    file_name = models.CharField(max_length=500)
    file_sha256 = models.CharField(max_length=64, db_index=True)
    file_size = models.PositiveBigIntegerField()
    actor = models.CharField(max_length=200)
    options = models.JSONField(default=dict, blank=True, help_text="Version, domain, consents, sheet, mapping…")
    summary = models.JSONField(default=dict, blank=True, help_text="Counts and the first problems.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"import {self.pk} ({self.kind}, {self.file_name})"


class ExchangeConsent(models.Model):
    """The consents a record or note carries, under the names export profiles read (see exports.profiles)."""

    consent_contact = models.BooleanField(default=False)
    consent_prosecutors = models.BooleanField(default=False)
    consent_other_bodies = models.BooleanField(default=False)

    class Meta:
        abstract = True


class PfifRecord(models.Model):
    """A PFIF person record known here, keyed by its person_record_id ("domain/identifier")."""

    class Origin(models.TextChoices):
        IMPORTED = "imported", "imported from another repository"
        HOME = "home", "a dalil report, as exported"

    person_record_id = models.CharField(max_length=500, unique=True)
    origin = models.CharField(max_length=8, choices=Origin.choices)
    report = models.OneToOneField(MissingPersonReport, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="pfif_record")
    version = models.CharField(max_length=3, blank=True, help_text="PFIF version it arrived in.")
    fields = models.JSONField(default=dict, blank=True,
                              help_text="PFIF 1.4 fields as received (no contact details), 'x:' = dalil extension.")
    derived = models.JSONField(default=dict, blank=True,
                               help_text="The report as PFIF right after import: tells dalil's later edits apart.")
    source_date = models.CharField(max_length=20, blank=True)
    entry_date = models.DateTimeField(auto_now_add=True, help_text="When it was stored here (PFIF entry_date).")
    original_encrypted = models.BinaryField(blank=True, default=b"", help_text="The record's XML as received.")
    first_run = models.ForeignKey(ImportRun, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    last_run = models.ForeignKey(ImportRun, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["person_record_id"]

    def __str__(self):
        return self.person_record_id


class PfifNote(ExchangeConsent):
    """A PFIF note (a status or a sighting) received from another repository. Notes never change."""

    note_record_id = models.CharField(max_length=500, unique=True)
    person_record_id = models.CharField(max_length=500, db_index=True)
    record = models.ForeignKey(PfifRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="notes",
                               help_text="Empty while its person record has not arrived.")
    status = models.CharField(max_length=20, blank=True, db_index=True)
    fields = models.JSONField(default=dict, blank=True, help_text="PFIF 1.4 fields, contact details excepted.")
    private_encrypted = models.BinaryField(blank=True, default=b"", help_text="Author and found-person contact.")
    source_date = models.CharField(max_length=20, blank=True)
    entry_date = models.DateTimeField(auto_now_add=True)
    original_encrypted = models.BinaryField(blank=True, default=b"")
    run = models.ForeignKey(ImportRun, null=True, blank=True, on_delete=models.PROTECT, related_name="notes")

    class Meta:
        ordering = ["source_date", "note_record_id"]

    @property
    def private(self) -> dict:
        return decrypt_json(self.private_encrypted)


class Rejection(models.Model):
    """Input that was not imported, and why; the run went on without it."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="rejections")
    what = models.CharField(max_length=200, help_text="'person record x/y', 'row 7'…")
    field = models.CharField(max_length=100, blank=True)
    reason = models.TextField()
    original_encrypted = models.BinaryField(blank=True, default=b"", help_text="What was refused (may hold contacts).")

    class Meta:
        ordering = ["pk"]


class TableReport(models.Model):
    """A report created from a row of a spreadsheet; `key` tells a row seen before (idempotent re-import)."""

    key = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the row's own id, else of its values.")
    external_id = models.CharField(max_length=200, blank=True)
    report = models.OneToOneField(MissingPersonReport, on_delete=models.PROTECT, related_name="table_row")
    values_digest = models.CharField(max_length=64, help_text="SHA-256 of the mapped values last applied.")
    first_run = models.ForeignKey(ImportRun, on_delete=models.PROTECT, related_name="+")
    last_run = models.ForeignKey(ImportRun, on_delete=models.PROTECT, related_name="+")
    row_number = models.PositiveIntegerField()


class VictimListEntry(models.Model):
    """One row of a file detailing the victims, with its three numbers and the body case it matched, if any.

    Match outcomes: matched (one case agrees), unmatched (no case has these numbers),
    conflict (a case has one number but disagrees on another) and ambiguous (several
    cases fit). Only "matched" sets `case`; the others wait for an analyst: never merged.
    """

    class Match(models.TextChoices):
        MATCHED = "matched", "matched"
        UNMATCHED = "unmatched", "no case with these numbers"
        CONFLICT = "conflict", "a case disagrees on a number"
        AMBIGUOUS = "ambiguous", "several cases fit"

    run = models.ForeignKey(ImportRun, on_delete=models.PROTECT, related_name="victims")
    source_sha256 = models.CharField(max_length=64, db_index=True)
    sheet = models.CharField(max_length=200, blank=True)
    row_number = models.PositiveIntegerField()
    content_key = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the mapped values.")
    raw = models.JSONField(default=dict, help_text="The row as written, header -> text.")
    values = models.JSONField(default=dict, help_text="The mapped, normalised values.")
    branch = models.CharField(max_length=20, blank=True, db_index=True)
    detainee_no = models.CharField(max_length=40, blank=True, db_index=True)
    exam_no = models.CharField(max_length=40, blank=True, db_index=True)
    full_name = models.CharField(max_length=400, blank=True)
    match = models.CharField(max_length=9, choices=Match.choices)
    match_reason = models.TextField(blank=True)
    case = models.ForeignKey(BodyCase, null=True, blank=True, on_delete=models.PROTECT, related_name="victim_entries")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["source_sha256", "sheet", "row_number"]
        verbose_name_plural = "victim list entries"
