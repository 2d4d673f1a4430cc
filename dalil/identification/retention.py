"""Nothing about a family is kept forever: contact details and audit addresses have a period, then go.

Contact details are kept DALIL_CONTACT_RETENTION_DAYS (730) from the last contact
(MissingPersonReport.last_contact_at: the report was filed, the family opened their
follow-up link, asked a caseworker or claimed a case, or a caseworker recorded that
they spoke with them). Within DALIL_CONTACT_WARNING_DAYS (60) of the end, the
casework queue and the report page ask the caseworker to ask the family to renew.
Then `dalil retention` erases:
  - the reporter's name, phone and email;
  - the documents attached to the family's claims (file and file name).
What stays: the report's description of the missing person, the photo of the missing
person (given, with its own consent, to find them: it does not reach the family),
the relationship, the consents, claims' reasons, messages, identifications and the
follow-up link, so the family can still follow the case. Each erasure is an audit event.

Audit addresses (dalil.audit.AuditAddress, keyed hashes) are dropped
DALIL_AUDIT_IP_RETENTION_DAYS (30) after their event; the events stay.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from dalil.audit.models import AuditAddress, AuditEvent, audit, drop_addresses_before
from dalil.identification.models import Claim, MissingPersonReport

ACTOR = "dalil retention"
CONTACT_FIELDS = {"name": "reporter_name_encrypted", "phone": "reporter_phone_encrypted",
                  "email": "reporter_email_encrypted"}


def holding_contact():
    """Reports that still hold something `erase_contact` would erase."""
    documents = Claim.objects.filter(report=OuterRef("pk")).exclude(document_encrypted=b"")
    held = Q(Exists(documents))
    for field in CONTACT_FIELDS.values():
        held |= ~Q(**{field: b""})
    return MissingPersonReport.objects.filter(held)


def contact_cutoff(now=None) -> datetime.datetime:
    """Reports whose last contact is before this are due for erasure."""
    return (now or timezone.now()) - datetime.timedelta(days=settings.CONTACT_RETENTION_DAYS)


def due(now=None):
    return holding_contact().filter(last_contact_at__lt=contact_cutoff(now)).order_by("last_contact_at", "pk")


def expiring(now=None):
    """Reports whose contact details are erased within the warning window (or are due already): ask to renew."""
    soon = contact_cutoff(now) + datetime.timedelta(days=settings.CONTACT_WARNING_DAYS)
    return holding_contact().filter(last_contact_at__lt=soon).order_by("last_contact_at", "pk")


def what_is_held(report: MissingPersonReport) -> dict:
    return {"fields": [name for name, field in CONTACT_FIELDS.items() if getattr(report, field)],
            "documents": report.claims.exclude(document_encrypted=b"").count()}


def erase_contact(report: MissingPersonReport, now=None) -> dict | None:
    """Erase one report's contact details and claim documents, audited; None if a contact came in meanwhile."""
    now = now or timezone.now()
    with transaction.atomic():
        report = MissingPersonReport.objects.select_for_update().get(pk=report.pk)
        if report.last_contact_at >= contact_cutoff(now):  # the family opened their link while we were running
            return None
        held = what_is_held(report)
        for field in CONTACT_FIELDS.values():
            setattr(report, field, b"")
        report.contact_erased_at = now
        report.save(update_fields=[*CONTACT_FIELDS.values(), "contact_erased_at", "updated_at"])
        report.claims.filter(~Q(document_encrypted=b"") | ~Q(document_name="")).update(
            document_encrypted=b"", document_name="")
        audit(None, AuditEvent.Action.CONTACT_ERASED, f"report:{report.reference}", actor=ACTOR,
              last_contact=report.last_contact_at.isoformat(), retention_days=settings.CONTACT_RETENTION_DAYS,
              **held)
    return held


def run(apply: bool, now=None) -> dict:
    """What is due (dry run) or what was done (apply): contact details erased, audit addresses dropped."""
    now = now or timezone.now()
    reports, errors = [], []
    for report in due(now):
        entry = {"reference": report.reference, "last_contact": report.last_contact_at.isoformat(),
                 **what_is_held(report)}
        if apply:
            try:
                held = erase_contact(report, now)
            except Exception as error:  # one report that fails must not keep the others' details
                errors.append(f"{report.reference}: {error}")
                continue
            if held is None:
                continue
        reports.append(entry)
    address_cutoff = now - datetime.timedelta(days=settings.AUDIT_IP_RETENTION_DAYS)
    if apply:
        addresses = drop_addresses_before(address_cutoff)
    else:
        addresses = AuditAddress.objects.filter(event__at__lt=address_cutoff).count()
    return {
        "applied": apply,
        "contact_retention_days": settings.CONTACT_RETENTION_DAYS,
        "contact_cutoff": contact_cutoff(now).isoformat(),
        "reports": reports,
        "audit_ip_retention_days": settings.AUDIT_IP_RETENTION_DAYS,
        "audit_ip_cutoff": address_cutoff.isoformat(),
        "audit_addresses": addresses,
        "errors": errors,
    }
