"""Body cases (post-mortem records): one case per body, grouped from its photos.

Lifecycle of a case (who moves it, when):
 1. grouped   - `dalil group_cases` (and every ingest) puts photos with the same
                examination number (else branch + detainee number) into one case;
                photos without numbers join the case of a near duplicate.
 2. flagged   - a photo whose numbers disagree with its case, or a body
                (branch + detainee) seen under two examination numbers, sets
                needs_review with the reasons; nothing is merged silently.
 3. described - an analyst sets category, date, sex, age range, marks and injury
                codes; every change is a CaseChange row that can be undone.
 4. corrected - an analyst corrects numbers, splits photos off into a new case or
                merges the case into another (it then points at it, merged_into).
                A case split off starts with its numbers "to be set"
                (numbers_pending): families never see it until an analyst sets
                them, so one body never shows as two.
 5. matched   - identification links missing-person reports to the case. A case
                with claims or identifications is merged or split only after they
                are resolved or carried over with a note (dalil.archive.commitments).
"""

import datetime

from django.conf import settings
from django.db import models

# The fields a CaseChange records before/after (as JSON values) and an undo puts back.
TRACKED_FIELDS = (
    "branch", "detainee_no", "exam_no", "category", "date", "sex", "age_min", "age_max",
    "marks", "notes", "needs_review", "review_reasons", "merged_into", "numbers_pending",
)


class BodyCase(models.Model):
    class Category(models.TextChoices):
        CUSTODY = "custody", "died in custody"
        SOLDIER = "soldier", "soldier or security forces"
        ATTACK = "attack", "attack scene"
        UNKNOWN = "unknown", "unknown"

    class Sex(models.TextChoices):
        UNKNOWN = "", "unknown"
        MALE = "male", "male"
        FEMALE = "female", "female"

    branch = models.CharField(max_length=20, blank=True, db_index=True)
    detainee_no = models.CharField(max_length=40, blank=True, db_index=True)
    exam_no = models.CharField(max_length=40, blank=True, db_index=True)
    category = models.CharField(max_length=10, choices=Category.choices, default=Category.UNKNOWN)
    date = models.DateField(null=True, blank=True, help_text="Date of death or, if unknown, of photography.")
    sex = models.CharField(max_length=6, choices=Sex.choices, blank=True)
    age_min = models.PositiveSmallIntegerField(null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(null=True, blank=True)
    marks = models.TextField(blank=True, help_text="Distinguishing marks, in the analyst's words.")
    notes = models.TextField(blank=True)
    needs_review = models.BooleanField(default=False, db_index=True)
    review_reasons = models.JSONField(default=list, blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    numbers_pending = models.BooleanField(
        default=False, db_index=True,
        help_text="Split off another case and its numbers not yet set: hidden from families until they are.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["branch", "exam_no", "pk"]

    def __str__(self) -> str:
        return " / ".join(n or "?" for n in (self.branch, self.detainee_no, self.exam_no))

    @property
    def numbers(self) -> tuple[str, str, str]:
        return (self.branch, self.detainee_no, self.exam_no)

    def surviving(self, limit: int = 20) -> "BodyCase":
        """The case this one was merged into, followed to the end (itself if never merged)."""
        case, seen = self, {self.pk}
        while case.merged_into_id and len(seen) < limit:
            case = BodyCase.objects.get(pk=case.merged_into_id)
            if case.pk in seen:
                break  # a loop would be a bug elsewhere: stop rather than spin
            seen.add(case.pk)
        return case

    def values(self, names=TRACKED_FIELDS) -> dict:
        """Field values as JSON: dates as ISO text, merged_into as an id."""
        out = {}
        for name in names:
            value = self.merged_into_id if name == "merged_into" else getattr(self, name)
            if isinstance(value, datetime.date):
                value = value.isoformat()
            elif isinstance(value, list):
                value = list(value)
            out[name] = value
        return out

    def set_values(self, values: dict) -> None:
        """The inverse of values()."""
        for name, value in values.items():
            if name not in TRACKED_FIELDS:
                continue
            if name == "merged_into":
                self.merged_into_id = value
            elif name == "date":
                self.date = datetime.date.fromisoformat(value) if value else None
            else:
                setattr(self, name, list(value) if isinstance(value, list) else value)


class InjuryCode(models.Model):
    """One coded finding on a case, from a controlled vocabulary, with who coded it and when."""

    class Code(models.TextChoices):
        EMACIATION = "emaciation", "emaciation"
        LIGATURE = "ligature", "ligature or strangulation marks"
        ELECTROCUTION = "electrocution", "electrocution marks"
        EYE = "eye", "eye injuries"
        BLUNT = "blunt", "blunt-force bruising"
        CUTS = "cuts", "cuts"
        BURNS = "burns", "burns"
        RESTRAINT = "restraint", "restraint marks"
        OTHER = "other", "other"

    case = models.ForeignKey(BodyCase, on_delete=models.CASCADE, related_name="injuries")
    code = models.CharField(max_length=20, choices=Code.choices)
    note = models.TextField(blank=True)
    coded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    coded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "code"], name="one_code_per_case")]


class CaseChange(models.Model):
    """Every change to a case (numbers corrected, photos moved, split, merge, findings), undoable.

    `before` and `after` hold what changed, in the same shape:
      {"fields": {name: value, ...},          # this case's TRACKED_FIELDS that changed
       "photos": {"<photo id>": case id|null}, # where each moved photo was / went
       "injury": {code, note, coded_by, coded_at} | null,  # one injury code (action=coded)
       ...}
    `after` may also say why ("joined": photos placed by a near duplicate) and name the
    change made together with this one on another case ("linked": its id, for split and
    merge); undoing either undoes both.
    """

    class Action(models.TextChoices):
        GROUPED = "grouped"
        CORRECTED = "corrected"
        DESCRIBED = "described"
        CODED = "coded"
        SPLIT = "split"
        MERGED = "merged"
        UNDONE = "undone"

    case = models.ForeignKey(BodyCase, on_delete=models.PROTECT, related_name="changes")
    action = models.CharField(max_length=10, choices=Action.choices)
    actor = models.CharField(max_length=200)
    at = models.DateTimeField(auto_now_add=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    undone_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-at", "-pk"]
