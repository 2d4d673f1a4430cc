"""Ante-mortem records (missing-person reports) and their path to an identification.

Lifecycle of an identification (who moves it, when):
 1. claimed      - a family says "I think this is my relative" on a case, or a
                   caseworker proposes a candidate from the ranked list.
 2. corroborated - a reviewer records the evidence that supports it (numbers,
                   dates, marks, face, documents).
 3. confirmed    - a second, different reviewer confirms; the family is told
                   through their follow-up link.
    rejected     - any reviewer, at any step, with a reason.
Every step is an IdentificationStep row and an audit event.
"""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from dalil.archive.models import BodyCase
from dalil.lib import crypto

# No 0/O or 1/I/L: read aloud over a phone line without mistakes.
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_reference() -> str:
    body = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"DL-{body[:4]}-{body[4:]}"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class DatePrecision(models.TextChoices):
    """How much of a date a family knew: the date field then holds the first day of that month or year."""

    DAY = "day", "day"
    MONTH = "month", "month"
    YEAR = "year", "year"


class MissingPersonReport(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", "received"
        IN_REVIEW = "in_review", "being reviewed"
        POSSIBLE_MATCH = "possible_match", "a possible match is being checked"
        IDENTIFIED = "identified", "identification confirmed"
        CLOSED = "closed", "closed"

    class Sex(models.TextChoices):
        UNKNOWN = "", "unknown"
        MALE = "male", "male"
        FEMALE = "female", "female"

    class Testify(models.TextChoices):
        YES = "yes", "yes"
        NO = "no", "no"
        MAYBE = "maybe", "maybe, later"

    reference = models.CharField(max_length=20, unique=True, default=new_reference)
    followup_digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the secret link's token.")
    followup_revoked = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    language = models.CharField(max_length=5, default="ar")
    # The missing person (searchable: these find the person, they do not reach the family).
    first_name_ar = models.CharField(max_length=100, blank=True)
    father_name_ar = models.CharField(max_length=100, blank=True)
    grandfather_name_ar = models.CharField(max_length=100, blank=True)
    family_name_ar = models.CharField(max_length=100, blank=True)
    mother_name_ar = models.CharField(max_length=100, blank=True)
    first_name_latin = models.CharField(max_length=100, blank=True)
    father_name_latin = models.CharField(max_length=100, blank=True)
    grandfather_name_latin = models.CharField(max_length=100, blank=True)
    family_name_latin = models.CharField(max_length=100, blank=True)
    mother_name_latin = models.CharField(max_length=100, blank=True)
    sex = models.CharField(max_length=6, choices=Sex.choices, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    # A family often knows only the year, or the month, and "about": the date holds the first day of what they
    # knew, the precision says how much, and matching widens its window instead of trusting a guessed day.
    birth_date_precision = models.CharField(max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY)
    birth_date_approximate = models.BooleanField(default=False)
    age_at_arrest = models.PositiveSmallIntegerField(null=True, blank=True)
    home_town = models.CharField(max_length=200, blank=True)
    arrest_date = models.DateField(null=True, blank=True)
    arrest_date_precision = models.CharField(max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY)
    arrest_date_approximate = models.BooleanField(default=False)
    arrest_place = models.CharField(max_length=200, blank=True)
    arresting_branch = models.CharField(max_length=40, blank=True)
    last_detention_place = models.CharField(max_length=200, blank=True)
    distinguishing_marks = models.TextField(blank=True)
    chronic_illnesses = models.TextField(blank=True)
    # Encrypted at rest (dalil.lib.crypto): the photo and everything that reaches the reporter.
    photo_encrypted = models.BinaryField(blank=True, default=b"")
    photo_consent = models.BooleanField(default=False)
    reporter_name_encrypted = models.BinaryField(blank=True, default=b"")
    reporter_phone_encrypted = models.BinaryField(blank=True, default=b"")
    reporter_email_encrypted = models.BinaryField(blank=True, default=b"")
    reporter_relationship = models.CharField(max_length=100, blank=True)
    consent_contact = models.BooleanField(default=False)
    consent_prosecutors = models.BooleanField(default=False)
    consent_other_bodies = models.BooleanField(default=False)
    would_testify = models.CharField(max_length=5, choices=Testify.choices, blank=True)
    wants_caseworker_search = models.BooleanField(default=False)
    # News of a death is told by a caseworker, in person or by phone, before the follow-up page shows it; unless
    # the family chose, in the report, to read it on the page.
    news_on_page = models.BooleanField(default=False)
    # Contact details (name, phone, email, claim documents) are kept DALIL_CONTACT_RETENTION_DAYS from the last
    # contact: the family opening their link or writing to us, or a caseworker recording that they spoke. Then
    # `dalil retention` erases them (dalil.identification.retention); the report itself stays.
    last_contact_at = models.DateTimeField(default=timezone.now, db_index=True)
    contact_erased_at = models.DateTimeField(null=True, blank=True)
    # The caseworker who has the report in hand (dalil.casework.views.reports_list); none: anyone may take it.
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="assigned_reports")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        # the caseworkers' list of all reports: filtered by status and branch, newest first
        indexes = [models.Index(fields=["status", "created_at"], name="report_status_created"),
                   models.Index(fields=["arresting_branch"], name="report_branch"),
                   models.Index(fields=["arrest_date"], name="report_arrest_date")]

    def __str__(self) -> str:
        return self.reference

    @classmethod
    def issue_followup_token(cls) -> tuple[str, str]:
        """(token for the family's link, digest to store). The token itself is never stored."""
        token = secrets.token_urlsafe(32)
        return token, token_digest(token)

    @classmethod
    def for_token(cls, token: str):
        return cls.objects.filter(followup_digest=token_digest(token), followup_revoked=False).first()

    # Encrypted fields, read and written as text / bytes.
    def set_private(self, *, name="", phone="", email="", photo=b""):
        self.reporter_name_encrypted = crypto.encrypt_text(name)
        self.reporter_phone_encrypted = crypto.encrypt_text(phone)
        self.reporter_email_encrypted = crypto.encrypt_text(email)
        self.photo_encrypted = crypto.encrypt(photo) if photo else b""

    @property
    def reporter_name(self) -> str:
        return crypto.decrypt_text(self.reporter_name_encrypted)

    @property
    def reporter_phone(self) -> str:
        return crypto.decrypt_text(self.reporter_phone_encrypted)

    @property
    def reporter_email(self) -> str:
        return crypto.decrypt_text(self.reporter_email_encrypted)

    @property
    def photo(self) -> bytes:
        return crypto.decrypt(self.photo_encrypted) if self.photo_encrypted else b""

    def record_contact(self, when=None) -> None:
        """The family was in touch, or a caseworker spoke with them: the contact details' period starts again."""
        when = when or timezone.now()
        if when > self.last_contact_at:
            self.last_contact_at = when
            self.save(update_fields=["last_contact_at"])

    @property
    def contact_expires_at(self):
        return self.last_contact_at + datetime.timedelta(days=settings.CONTACT_RETENTION_DAYS)

    @property
    def holds_contact(self) -> bool:
        """Whether there is anything `dalil retention` would erase: a name, phone, email or claim document."""
        return bool(self.reporter_name_encrypted or self.reporter_phone_encrypted or self.reporter_email_encrypted
                    or self.claims.exclude(document_encrypted=b"").exists())

    @property
    def contact_expiring(self) -> bool:
        """Within DALIL_CONTACT_WARNING_DAYS of erasure (or past it), with contact details still held."""
        warning = datetime.timedelta(days=settings.CONTACT_WARNING_DAYS)
        return timezone.now() >= self.contact_expires_at - warning and self.holds_contact

    @property
    def gave_victim_details(self) -> bool:
        return bool((self.first_name_ar or self.first_name_latin) and (self.arrest_date or self.arresting_branch
                                                                          or self.distinguishing_marks))

    def full_name_ar(self) -> str:
        return " ".join(n for n in (self.first_name_ar, self.father_name_ar, self.grandfather_name_ar,
                                    self.family_name_ar) if n)

    def full_name_latin(self) -> str:
        return " ".join(n for n in (self.first_name_latin, self.father_name_latin, self.grandfather_name_latin,
                                    self.family_name_latin) if n)


class FollowUpMessage(models.Model):
    """A message on a report's follow-up page: from a caseworker to the family, or (from_family, no author) the
    family's reply to the caseworkers."""

    report = models.ForeignKey(MissingPersonReport, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
                               blank=True)
    from_family = models.BooleanField(default=False)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]


class Claim(models.Model):
    """A family's "I think this is my relative" on a case, with why."""

    report = models.ForeignKey(MissingPersonReport, on_delete=models.CASCADE, related_name="claims")
    case = models.ForeignKey(BodyCase, on_delete=models.PROTECT, related_name="claims")
    reason = models.TextField()
    document_encrypted = models.BinaryField(blank=True, default=b"")
    document_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The family took it back ("it is not them after all"); kept, so reviewers see that it was made and withdrawn.
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "case"], name="one_claim_per_report_case")]


class SearchRequest(models.Model):
    """A family's "let a caseworker search for me" instead of browsing photos themselves."""

    class Status(models.TextChoices):
        OPEN = "open", "open"
        DONE = "done", "done"

    report = models.ForeignKey(MissingPersonReport, on_delete=models.CASCADE, related_name="search_requests")
    note = models.TextField(blank=True)
    status = models.CharField(max_length=5, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)


TOLD_HOW = [("in_person", "in person"), ("phone", "by phone"), ("page", "on the follow-up page")]


class Identification(models.Model):
    class State(models.TextChoices):
        CLAIMED = "claimed", "claimed"
        CORROBORATED = "corroborated", "corroborated"
        CONFIRMED = "confirmed", "confirmed"
        REJECTED = "rejected", "rejected"

    report = models.ForeignKey(MissingPersonReport, on_delete=models.PROTECT, related_name="identifications")
    case = models.ForeignKey(BodyCase, on_delete=models.PROTECT, related_name="identifications")
    state = models.CharField(max_length=12, choices=State.choices, default=State.CLAIMED)
    reason = models.TextField(blank=True, help_text="Why rejected, or the evidence that supports it.")
    # A confirmed death reaches the follow-up page only once a caseworker records that the family was told, in
    # person or by phone (or that they may read it there), or when the family chose news on the page.
    family_told_at = models.DateTimeField(null=True, blank=True)
    family_told_how = models.CharField(max_length=10, choices=TOLD_HOW, blank=True)
    family_told_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                       null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "case"], name="one_identification_per_pair"),
            # Two reviewers confirming at the same moment must not both succeed (dalil.identification.workflow
            # locks and checks first; these make it true whatever writes the rows).
            models.UniqueConstraint(fields=["case"], condition=models.Q(state="confirmed"),
                                    name="one_confirmed_identification_per_case"),
            models.UniqueConstraint(fields=["report"], condition=models.Q(state="confirmed"),
                                    name="one_confirmed_identification_per_report"),
        ]


class DeletionRequest(models.Model):
    """A family's "delete my report": a caseworker deletes it (the report and what the family gave; never the
    evidence archive) or declines with a reason. Kept after the report is gone, with its reference, as a record."""

    class Status(models.TextChoices):
        OPEN = "open", "open"
        DELETED = "deleted", "report deleted"
        DECLINED = "declined", "declined"

    report = models.ForeignKey(MissingPersonReport, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="deletion_requests")
    reference = models.CharField(max_length=20)
    reason = models.TextField(blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
                                   blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]


class IdentificationStep(models.Model):
    identification = models.ForeignKey(Identification, on_delete=models.CASCADE, related_name="steps")
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]


class ReportFaceSearch(models.Model):
    """The face search of a report's photo (dalil.faces): when it ran, and whether a face was found.

    Made when a report with a photo kept by consent is submitted, and brought up
    to date after each run of the faces stage (ingest, `dalil faces index`). The
    photo's embedding is kept beside it so that a refresh only searches again;
    it is deleted with the report, as the photo is.
    """

    class Status(models.TextChoices):
        DONE = "done", "searched"
        NO_FACE = "no_face", "no face found in the photo"
        REFUSED = "refused", "the photo could not be read"

    report = models.OneToOneField(MissingPersonReport, on_delete=models.CASCADE, related_name="face_search")
    status = models.CharField(max_length=10, choices=Status.choices)
    note = models.CharField(max_length=300, blank=True)
    embedding = models.BinaryField(blank=True, default=b"", help_text="128 float32 of the photo's largest face.")
    photo_digest = models.CharField(max_length=64, help_text="SHA-256 of the encrypted photo searched.")
    computed_at = models.DateTimeField(auto_now=True)


class FaceCandidate(models.Model):
    """A body case whose faces are near a report's photo: its fused distance and the nearest face."""

    report = models.ForeignKey(MissingPersonReport, on_delete=models.CASCADE, related_name="face_candidates")
    case = models.ForeignKey(BodyCase, on_delete=models.CASCADE, related_name="face_candidates")
    distance = models.FloatField()
    face = models.ForeignKey("faces.Face", on_delete=models.SET_NULL, null=True, related_name="+")
    rank = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["report", "rank"]
        constraints = [models.UniqueConstraint(fields=["report", "case"], name="one_face_candidate_per_pair")]
