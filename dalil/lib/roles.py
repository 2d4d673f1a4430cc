"""Staff roles, one Django group each; every staff view says which roles may use it.

- archivist:  ingests and seals; browses the archive.
- analyst:    groups photos into cases, corrects numbers, codes findings.
- caseworker: works the queue of reports, claims and search requests; proposes matches;
              sees reporters' contact details (each view audited).
- reviewer:   corroborates, confirms or rejects identifications (two different reviewers confirm).
- admin:      everything, and manages staff.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db import models


class Role(models.TextChoices):
    ARCHIVIST = "archivist", "archivist"
    ANALYST = "analyst", "analyst"
    CASEWORKER = "caseworker", "caseworker"
    REVIEWER = "reviewer", "reviewer"
    ADMIN = "admin", "admin"


def roles_of(user) -> set[str]:
    if not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return set(Role.values)
    cached = getattr(user, "_dalil_roles", None)
    if cached is None:
        cached = set(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
        if Role.ADMIN in cached:
            cached = set(Role.values)
        user._dalil_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def require_role(*roles: str):
    """View decorator: anonymous -> login page; signed in without one of `roles` -> 403."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = roles
        return wrapper

    return decorate


def grant(user, *roles: str) -> None:
    from django.contrib.auth.models import Group

    for role in roles:
        group, _ = Group.objects.get_or_create(name=Role(role).value)
        user.groups.add(group)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.__dict__.pop("_dalil_roles", None)
