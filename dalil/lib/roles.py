"""Staff roles, one Django group each; every staff view says which roles may use it.

- archivist:  ingests and seals; browses the archive; keeps its originals and custody.
- analyst:    groups photos into cases, corrects numbers, codes findings.
- caseworker: works the queue of reports, claims and search requests; proposes matches;
              handles the families: contact details, messages, follow-up links, claim documents
              (each view of something private audited).
- reviewer:   corroborates, confirms or rejects identifications (two different reviewers confirm).
- admin:      everything, and manages staff.

Least privilege: who may do what (the role sets below; views check them with
`require_role` or a `get_<thing>_for_user` helper, never "is staff" alone; a
staff account with no role, or a deactivated one, opens no staff page).

STAFF (any role):         browse collections, items and their blurred previews and
                          thumbnails; look at body cases; staff statistics.
ARCHIVE_KEEPERS (archivist, analyst, admin):
                          originals, camera serials and full EXIF/XMP, the custody log,
                          quarantine, near-duplicate decisions.
CASE_EDITORS (analyst, admin): change body cases (numbers, codes, split, merge, undo).
CASEWORK (caseworker, reviewer, admin):
                          the casework queue and figures, reports with their candidates,
                          the missing person's photo, identifications, face search.
FAMILY_CONTACT (caseworker, admin):
                          contact details, messages to a family, revoking and reissuing a
                          follow-up link, claim documents, proposing a match, marking a
                          search request done.
REVIEWERS (reviewer, admin): corroborate, confirm or reject an identification.
Evidence packages: archivist, admin (dalil.exports.views); table imports: by kind
(dalil.exchange.views); reports on paper: archivist, analyst, admin (dalil.reports.views).

A reviewer reviews: sees reports, candidates and identification pages, but never
a family's contact details, messages form, follow-up link or documents (a reissued
link would hand them a working family token). The staff menu is derived from the
views' own `allowed_roles` (dalil.lib.menu), so it cannot drift from this table;
tests/test_routes.py holds the same table per persona and fails on any difference.
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


STAFF = tuple(Role.values)  # any role
ARCHIVE_KEEPERS = (Role.ARCHIVIST, Role.ANALYST, Role.ADMIN)
CASE_EDITORS = (Role.ANALYST, Role.ADMIN)
CASEWORK = (Role.CASEWORKER, Role.REVIEWER, Role.ADMIN)
FAMILY_CONTACT = (Role.CASEWORKER, Role.ADMIN)
REVIEWERS = (Role.REVIEWER, Role.ADMIN)


def roles_of(user) -> set[str]:
    if not user.is_authenticated or not user.is_active:
        return set()
    # A request's user signed in with a password only (django-otp's middleware says so) holds no role yet:
    # every staff power waits for the second factor (dalil.accounts). Users loaded elsewhere (CLI) have no is_verified.
    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None and not is_verified():
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
    """View decorator: anonymous -> login page; password only -> the second-factor step; no such role -> 403."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            if not getattr(request.user, "is_verified", lambda: False)():
                from dalil.accounts.middleware import second_factor_redirect

                return second_factor_redirect(request)
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


def revoke(user, *roles: str) -> None:
    """Take roles away; takes effect on the user's next request, in every session they have open."""
    user.groups.remove(*user.groups.filter(name__in=[Role(role).value for role in roles]))
    user.__dict__.pop("_dalil_roles", None)
