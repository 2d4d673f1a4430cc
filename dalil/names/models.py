"""Every name dalil holds, indexed for search across scripts, and the reports that may be one person.

NameRecord is one record that carries a name: a missing-person report (from the
portal, a PFIF feed or a spreadsheet: all become reports) or an entry of a list
detailing the victims. Its NameKey rows are blocking keys, one or more a part
(dalil.names.parts): a search looks keys up in the index, then scores only the
records that share keys with the query, never every record.

Lifecycle of a DuplicateCandidate (a pair of reports that may be one person):
 1. open     - found when a report arrives or changes (names in either script,
               mother's name, birth date or age, home town, arrest date and place).
 2. linked   - a caseworker says both are the same person: nothing is merged,
               each report keeps its family, contacts, consents and claims, and
               neither family is ever shown the other's report.
 3. distinct - a caseworker says they are two people; not proposed again.
 A linked or distinct pair can be set back to open (the decision undone); every
 move is an AuditEvent.
"""

from django.conf import settings
from django.db import models

from dalil.exchange.models import VictimListEntry
from dalil.identification.models import MissingPersonReport


class NameRecord(models.Model):
    class Source(models.TextChoices):
        PORTAL = "portal", "report from the portal"
        PFIF = "pfif", "PFIF record"
        TABLE = "table", "spreadsheet row"
        VICTIMS = "victims", "list detailing the victims"

    source = models.CharField(max_length=8, choices=Source.choices)
    report = models.OneToOneField(MissingPersonReport, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="name_record")
    victim = models.OneToOneField(VictimListEntry, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="name_record")
    display = models.CharField(max_length=400, help_text="The name as shown in results, both scripts.")
    parts = models.JSONField(default=list, help_text="[[role, text], ...] in written order.")
    digest = models.CharField(max_length=64, help_text="SHA-256 of what was indexed: unchanged names are skipped.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(report__isnull=False) | models.Q(victim__isnull=False),
                                              name="name_record_has_a_source")]

    def __str__(self):
        return self.display


class NameKey(models.Model):
    """One blocking key of one part of a NameRecord (an Arabic consonant skeleton, or 'L' + a Latin one)."""

    record = models.ForeignKey(NameRecord, on_delete=models.CASCADE, related_name="keys")
    part = models.PositiveSmallIntegerField()
    key = models.CharField(max_length=40)

    class Meta:
        indexes = [models.Index(fields=["key", "record"], name="namekey_key_record")]


class DuplicateCandidate(models.Model):
    class State(models.TextChoices):
        OPEN = "open", "possible duplicate"
        LINKED = "linked", "the same person"
        DISTINCT = "distinct", "different people"

    # first.pk < second.pk: one row per pair, whichever report arrived last.
    first = models.ForeignKey(MissingPersonReport, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(MissingPersonReport, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(help_text="0-100: how likely the two reports are one person.")
    reasons = models.JSONField(default=list, help_text="dalil.names.reasons: data, put into words when shown.")
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN, db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-score", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="one_candidate_per_pair"),
            models.CheckConstraint(condition=models.Q(first__lt=models.F("second")), name="candidate_pair_ordered"),
        ]

    @property
    def sentences(self) -> list[str]:
        from dalil.names.reasons import say_all

        return say_all(self.reasons)

    def __str__(self):
        return f"{self.first_id} ~ {self.second_id} ({self.state})"
