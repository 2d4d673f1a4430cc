"""Who saw what: an append-only log of access to people's data and of photo reveals.

The custody log (evidence) covers the originals; this log covers the people:
a caseworker opening a reporter's contact details, a family member choosing
to see a blurred preview, a face crop or a full photo, a status change.

Where a request came from is not part of the event: it is an AuditAddress row
beside it, holding a keyed hash of the address (never the address itself), that
`dalil retention` deletes after DALIL_AUDIT_IP_RETENTION_DAYS. Events stay
append-only (ORM and database triggers refuse UPDATE and DELETE); address rows
may only be inserted and deleted, never changed.
"""

from django.conf import settings
from django.db import models
from django.utils.crypto import salted_hmac

from dalil.evidence.append_only import AppendOnlyError, AppendOnlyModel


class AuditEvent(AppendOnlyModel):
    class Action(models.TextChoices):
        VIEWED_CONTACT = "viewed_contact", "viewed contact details"
        VIEWED_REPORT = "viewed_report", "viewed a report"
        VIEWED_DOCUMENT = "viewed_document", "opened a claim document"
        REVEALED_PREVIEW = "revealed_preview", "revealed a blurred preview"
        REVEALED_FACE = "revealed_face", "revealed a face crop"
        REVEALED_PHOTO = "revealed_photo", "revealed a full photo"
        REPORT_SUBMITTED = "report_submitted", "submitted a report"
        CLAIM_MADE = "claim_made", "claimed a case"
        SEARCH_REQUESTED = "search_requested", "asked a caseworker to search"
        IDENTIFICATION = "identification", "moved an identification"
        LINK_REVOKED = "link_revoked", "revoked a follow-up link"
        MESSAGE_SENT = "message_sent", "sent a message to a family"
        DATA_IMPORTED = "data_imported", "imported records"
        DATA_EXPORTED = "data_exported", "exported records"
        DOWNLOADED_EXPORT = "downloaded_export", "downloaded an evidence package"
        EXPORTED_CONTACT = "exported_contact", "exported contact details in a package"
        FACE_SEARCH = "face_search", "searched the archive's faces with a photo"
        CONTACT_RENEWED = "contact_renewed", "renewed a family's contact details"
        CONTACT_ERASED = "contact_erased", "erased contact details whose retention ended"
        # The family's side of the follow-up page (dalil.portal.views.followup) and its handling in casework.
        FAMILY_MESSAGE = "family_message", "a family wrote to the caseworkers"
        CLAIM_WITHDRAWN = "claim_withdrawn", "a family withdrew a claim"
        DELETION_REQUESTED = "deletion_requested", "a family asked to delete their report"
        REPORT_DELETED = "report_deleted", "deleted a report at the family's request"
        DELETION_DECLINED = "deletion_declined", "declined a request to delete a report"
        FAMILY_TOLD = "family_told", "recorded that a family was told of an identification"
        REPORT_ASSIGNED = "report_assigned", "assigned a report to a caseworker"
        # Staff accounts (dalil.accounts): sign-in, lockout, second factor, and every change an admin makes.
        SIGNED_IN = "signed_in", "signed in with a password and a second factor"
        LOCKED_OUT = "login_locked_out", "was locked out of signing in after repeated failures"
        UNLOCKED = "login_unlocked", "unlocked signing in"
        SECOND_FACTOR_ADDED = "second_factor_added", "set up an authenticator app"
        SECOND_FACTOR_RESET = "second_factor_reset", "removed a staff member's authenticator and recovery codes"
        RECOVERY_CODE_USED = "recovery_code_used", "signed in with a recovery code"
        RECOVERY_CODES_NEW = "recovery_codes_new", "made new recovery codes"
        PASSWORD_CHANGED = "password_changed", "changed their own password"
        PASSWORD_RESET = "password_reset", "reset a staff member's password"
        STAFF_ADDED = "staff_added", "added a staff member"
        ROLES_CHANGED = "roles_changed", "granted or removed staff roles"
        STAFF_DEACTIVATED = "staff_deactivated", "deactivated a staff account"
        STAFF_REACTIVATED = "staff_reactivated", "reactivated a staff account"
        # Background jobs (dalil.jobs): who asked for heavy work, retried or cancelled it.
        JOB_STARTED = "job_started", "started a background job"
        JOB_RETRIED = "job_retried", "retried a background job"
        JOB_CANCELLED = "job_cancelled", "cancelled a background job"
        NAME_SEARCH = "name_search", "searched records by name"
        DUPLICATE_LINKED = "duplicate_linked", "linked two reports as the same person"
        DUPLICATE_UNLINKED = "duplicate_unlinked", "undid a link of two reports as the same person"
        DUPLICATE_DISTINCT = "duplicate_distinct", "marked two reports as different people"

    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.CharField(max_length=200, help_text="A username, or 'family:<report reference>'.")
    target = models.CharField(max_length=200, help_text="What was seen or changed, e.g. 'case:12', 'report:DL-…'.")
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]


def hash_address(ip: str) -> str:
    """HMAC-SHA256 of an IP address, keyed from the instance's secret key.

    Two events from one address share a hash (so abuse can be traced for a while), but
    someone holding only the database cannot test the 2^32 IPv4 addresses without the key.
    """
    return salted_hmac("dalil.audit.address", ip, secret=settings.SECRET_KEY, algorithm="sha256").hexdigest()


class AuditAddressQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("AuditAddress rows cannot be changed, only dropped when their time is up")


class AuditAddress(models.Model):
    """Where an audited request came from, as a keyed hash; deleted by `dalil retention` when its time is up.

    Staff actions keep one too (for tracing a misused account), under the same period. A database trigger
    refuses UPDATE on this table (migration 0004): a row can be written once and dropped, never rewritten.
    """

    event = models.OneToOneField(AuditEvent, on_delete=models.PROTECT, primary_key=True, related_name="address")
    digest = models.CharField(max_length=64, db_index=True, help_text="hash_address() of REMOTE_ADDR.")

    objects = AuditAddressQuerySet.as_manager()

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("AuditAddress rows cannot be changed, only dropped when their time is up")
        super().save(*args, **kwargs)


def audit(request, action: str, target: str, actor: str | None = None, **details) -> AuditEvent:
    if actor is None:
        user = getattr(request, "user", None)
        actor = user.get_username() if user is not None and user.is_authenticated else "anonymous"
    event = AuditEvent.objects.create(action=action, actor=actor, target=target, details=details)
    # REMOTE_ADDR only, never X-Forwarded-For: `dalil serve` (waitress's trusted_proxy) puts the real client
    # there when, and only when, the request came through the configured proxy; a header anyone can send is
    # no evidence of anything.
    ip = request.META.get("REMOTE_ADDR") if request is not None else None
    if ip:
        AuditAddress.objects.create(event=event, digest=hash_address(ip))
    return event


def drop_addresses_before(cutoff) -> int:
    """Delete the address hashes of events older than `cutoff`; the events themselves stay. Returns how many."""
    deleted, _ = AuditAddress.objects.filter(event__at__lt=cutoff).delete()
    return deleted
