"""Who saw what: an append-only log of access to people's data and of photo reveals.

The custody log (evidence) covers the originals; this log covers the people:
a caseworker opening a reporter's contact details, a family member choosing
to see a blurred preview, a face crop or a full photo, a status change.
"""

from django.db import models

from dalil.evidence.append_only import AppendOnlyModel


class AuditEvent(AppendOnlyModel):
    class Action(models.TextChoices):
        VIEWED_CONTACT = "viewed_contact", "viewed contact details"
        VIEWED_REPORT = "viewed_report", "viewed a report"
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

    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.CharField(max_length=200, help_text="A username, or 'family:<report reference>'.")
    target = models.CharField(max_length=200, help_text="What was seen or changed, e.g. 'case:12', 'report:DL-…'.")
    details = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]


def audit(request, action: str, target: str, actor: str | None = None, **details) -> AuditEvent:
    if actor is None:
        user = getattr(request, "user", None)
        actor = user.get_username() if user is not None and user.is_authenticated else "anonymous"
    ip = request.META.get("REMOTE_ADDR") if request is not None else None
    return AuditEvent.objects.create(action=action, actor=actor, target=target, details=details, ip=ip)
