"""A lockout is written to the audit log as it happens, so an admin sees who was locked out and from where."""

from axes.signals import user_locked_out
from django.conf import settings
from django.dispatch import receiver

from dalil.audit.models import AuditEvent, audit


@receiver(user_locked_out)
def audit_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
    # django-axes signals again at each attempt made while locked out (each one prolongs the lockout): the event
    # is written once, when the failure that crossed the limit comes in.
    if getattr(request, "axes_failures_since_start", None) != settings.AXES_FAILURE_LIMIT:
        return
    audit(request, AuditEvent.Action.LOCKED_OUT, f"staff:{username or '?'}", actor="anonymous",
          failures_allowed=settings.AXES_FAILURE_LIMIT)
