"""Small pieces every import and export here shares: audit actions, the instance's PFIF domain, hashing."""

import contextlib
import contextvars
import getpass
import hashlib

from django.conf import settings

from dalil.audit.models import AuditEvent, audit

# Audit actions for data exchange; AuditEvent.Action may name them too (the column is free text).
IMPORTED = getattr(AuditEvent.Action, "DATA_IMPORTED", "data_imported")
EXPORTED = getattr(AuditEvent.Action, "DATA_EXPORTED", "data_exported")
CONSENT_NAMES = {"contact": "consent_contact", "prosecutors": "consent_prosecutors",
                 "other-bodies": "consent_other_bodies"}
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "*", "testserver"}


def home_domain() -> str:
    """The domain of this instance's PFIF record ids: settings.PFIF_DOMAIN, else the first public host name."""
    configured = (getattr(settings, "PFIF_DOMAIN", "") or "").strip().lower()
    if configured:
        return configured
    for host in settings.ALLOWED_HOSTS:
        host = host.strip().lstrip(".").lower()
        if host and host not in _LOCAL_HOSTS and "." in host and not host.replace(".", "").isdigit():
            return host
    return "dalil.local"


def default_actor(given: str = "") -> str:
    return given or f"{getpass.getuser()} (cli)"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_REQUEST = contextvars.ContextVar("dalil_exchange_request", default=None)


@contextlib.contextmanager
def audit_request(request):
    """Inside this block record_audit() notes the web request's client address (None: the command line)."""
    token = _REQUEST.set(request)
    try:
        yield
    finally:
        _REQUEST.reset(token)


def record_audit(action: str, target: str, actor: str, **details) -> None:
    audit(_REQUEST.get(), action, target, actor=actor, **details)


def consents_from(names: list[str] | None) -> dict:
    """--consent values ('contact', 'prosecutors', 'other-bodies') as report field names -> True."""
    out = {field: False for field in CONSENT_NAMES.values()}
    for name in names or []:
        out[CONSENT_NAMES[name]] = True
    return out
