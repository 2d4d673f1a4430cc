"""What an admin does to staff accounts, one function each, shared by the staff pages and `dalil staff`.

Each change is written to the audit log with who made it (a username on the
web, "<login name> (cli)" on the command line). Changes reach sessions
already open at once: Django drops the session of a deactivated user or of a
changed password on their next request, roles are read on every request, and
django-otp stops accepting a removed second factor.
"""

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from dalil.accounts import factors
from dalil.audit.models import AuditEvent, audit
from dalil.lib.roles import Role, grant, revoke


class StaffError(Exception):
    """A change refused, with a sentence that says why and what to do instead."""


def staff_users():
    return get_user_model().objects.order_by("username").prefetch_related("groups")


def get_staff(username: str):
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise StaffError(f"No staff user is named {username!r}; `dalil staff list` shows who there is.")
    return user


def assigned_roles(user) -> list[str]:
    """The roles given to the user (not all roles, as an admin holds implicitly), in the roles' order."""
    names = {g.name for g in user.groups.all()}
    return [role for role in Role.values if role in names]


def new_password() -> str:
    return secrets.token_urlsafe(18)  # 24 characters: well over the 12 the validators ask for


def _checked_password(password: str | None, user) -> str:
    password = new_password() if password is None else password
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise StaffError("That password is refused: " + " ".join(error.messages)) from None
    return password


def _unknown_roles(roles) -> None:
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        raise StaffError(f"Unknown role {', '.join(unknown)}: choose from {', '.join(Role.values)}.")


def _active_admins(excluding=None):
    users = get_user_model().objects.filter(is_active=True)
    admins = users.filter(groups__name=Role.ADMIN) | users.filter(is_superuser=True)
    return admins.exclude(pk=getattr(excluding, "pk", None)).distinct()


@transaction.atomic
def add(username: str, roles, actor: str, request=None, password: str | None = None):
    """Create a staff user (or give an existing one more roles). Returns (user, created, password or None):
    a new user always gets a password, generated unless given; an existing one keeps theirs unless given."""
    _unknown_roles(roles)
    username = (username or "").strip()
    if not username:
        raise StaffError("Give a user name, e.g. `dalil staff add amal --role caseworker`.")
    User = get_user_model()
    user = User.objects.filter(username=username).first() or User(username=username)
    created = user.pk is None
    if password is not None or created:
        password = _checked_password(password, user)
        user.set_password(password)
    user.is_active = True
    user.save()
    before = assigned_roles(user)
    grant(user, *roles)
    if created:
        audit(request, AuditEvent.Action.STAFF_ADDED, f"staff:{username}", actor=actor, roles=sorted(set(roles)))
    elif set(roles) - set(before):
        audit(request, AuditEvent.Action.ROLES_CHANGED, f"staff:{username}", actor=actor,
              granted=sorted(set(roles) - set(before)), removed=[])
    return user, created, password


@transaction.atomic
def change_roles(user, grant_roles, remove_roles, actor: str, request=None) -> list[str]:
    """Grant and remove roles; returns the roles the user holds afterwards. Refuses to remove the last admin."""
    _unknown_roles([*grant_roles, *remove_roles])
    before = set(assigned_roles(user))
    to_remove = (set(remove_roles) - set(grant_roles)) & before
    to_grant = set(grant_roles) - before
    if Role.ADMIN in to_remove and user.is_active and not _active_admins(excluding=user).exists():
        raise StaffError(f"{user.username} is the last active admin: make someone else admin first.")
    if to_grant:
        grant(user, *to_grant)
    if to_remove:
        revoke(user, *to_remove)
    if to_grant or to_remove:
        audit(request, AuditEvent.Action.ROLES_CHANGED, f"staff:{user.username}", actor=actor,
              granted=sorted(to_grant), removed=sorted(to_remove))
    return assigned_roles(user)


@transaction.atomic
def set_active(user, active: bool, actor: str, request=None) -> bool:
    """Deactivate (every open session of theirs ends on its next request) or reactivate; False if unchanged."""
    if user.is_active == active:
        return False
    if not active and _is_admin(user) and not _active_admins(excluding=user).exists():
        raise StaffError(f"{user.username} is the last active admin: make someone else admin first.")
    user.is_active = active
    user.save(update_fields=["is_active"])
    action = AuditEvent.Action.STAFF_REACTIVATED if active else AuditEvent.Action.STAFF_DEACTIVATED
    audit(request, action, f"staff:{user.username}", actor=actor)
    return True


def _is_admin(user) -> bool:
    return user.is_superuser or user.groups.filter(name=Role.ADMIN).exists()


@transaction.atomic
def reset_password(user, actor: str, request=None, password: str | None = None) -> str:
    """A new password (generated unless given) for someone who forgot theirs; their open sessions end."""
    password = _checked_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit(request, AuditEvent.Action.PASSWORD_RESET, f"staff:{user.username}", actor=actor)
    return password


@transaction.atomic
def reset_second_factor(user, actor: str, request=None) -> int:
    """Remove the user's authenticator and recovery codes (a lost phone); they enrol again at next sign-in."""
    removed = factors.remove_all(user)
    audit(request, AuditEvent.Action.SECOND_FACTOR_RESET, f"staff:{user.username}", actor=actor, devices=removed)
    return removed


@dataclass
class Lock:
    """Failed sign-ins counted against a user name or an address (within the cool-off)."""

    kind: str  # "username" or "ip_address"
    value: str
    failures: int
    last: datetime | None
    locked: bool = field(default=False)


def _recent_attempts():
    attempts = AccessAttempt.objects.all()
    if settings.AXES_COOLOFF_TIME:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)
    return attempts


def locks() -> list[Lock]:
    """User names and addresses with failed sign-ins now counted, locked ones first (as django-axes counts them)."""
    found = []
    for kind in ("username", "ip_address"):
        rows = (_recent_attempts().exclude(**{f"{kind}__isnull": True}).values(kind)
                .annotate(failures=Sum("failures_since_start")).order_by(kind))
        for row in rows:
            last = _recent_attempts().filter(**{kind: row[kind]}).order_by("-attempt_time").first()
            found.append(Lock(kind, row[kind], row["failures"], last.attempt_time if last else None,
                              locked=row["failures"] >= settings.AXES_FAILURE_LIMIT))
    return sorted(found, key=lambda lock: (not lock.locked, lock.kind, lock.value))


@transaction.atomic
def unlock(actor: str, request=None, username: str | None = None, ip: str | None = None) -> int:
    """Clear the failed sign-ins of a user name and/or an address; returns how many records were cleared."""
    if not username and not ip:
        raise StaffError("Say what to unlock: a user name, an address (--ip), or both.")
    cleared = 0
    if username:
        cleared += axes_reset(username=username)
        user = get_user_model().objects.filter(username=username).first()
        if user is not None:
            factors.reset_throttling(user)  # django-otp's own back-off on wrong codes starts again too
    if ip:
        cleared += axes_reset(ip=ip)
    target = f"staff:{username}" if username else f"address:{ip}"
    audit(request, AuditEvent.Action.UNLOCKED, target, actor=actor, username=username or "", address=ip or "",
          cleared=cleared)
    return cleared


def locked_usernames() -> set[str]:
    return {lock.value for lock in locks() if lock.kind == "username" and lock.locked}


def summary(user, locked: set[str] | None = None) -> dict:
    """One staff member as the staff page and `dalil staff list --json` show them (`locked`: locked_usernames(),
    when summing up many)."""
    return {
        "username": user.username,
        "name": user.get_full_name(),
        "roles": assigned_roles(user),
        "superuser": user.is_superuser,
        "active": user.is_active,
        "authenticator": factors.has_authenticator(user),
        "recovery_codes_left": factors.recovery_codes_left(user),
        "locked": user.username in (locked_usernames() if locked is None else locked),
        "last_login": user.last_login.isoformat() if user.last_login else None,
    }
