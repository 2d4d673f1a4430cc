"""Who may see and change cases, and fetching them through one door.

Analysts (and admins) change cases; archivists, caseworkers and reviewers may
look. Anonymous visitors go to the login page, anyone else signed in gets 403.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.views.decorators.cache import never_cache

from dalil.archive.models import BodyCase, CaseChange
from dalil.lib.roles import Role, has_role, require_role

MAY_CHANGE = (Role.ANALYST, Role.ADMIN)
MAY_VIEW = (Role.ARCHIVIST, Role.ANALYST, Role.CASEWORKER, Role.REVIEWER, Role.ADMIN)


def may_change(user) -> bool:
    return has_role(user, *MAY_CHANGE)


def _staff_page(roles):
    """require_role, and the page is never kept in any cache (it names bodies)."""

    def decorate(view):
        return require_role(*roles)(never_cache(view))

    return decorate


viewer_required = _staff_page(MAY_VIEW)
analyst_required = _staff_page(MAY_CHANGE)


def get_case_for_user(request, pk, write: bool = False) -> BodyCase:
    if not has_role(request.user, *(MAY_CHANGE if write else MAY_VIEW)):
        raise PermissionDenied
    try:
        query = BodyCase.objects.select_related("merged_into")
        return query.get(pk=int(pk))
    except (BodyCase.DoesNotExist, TypeError, ValueError):
        raise Http404("no such case") from None


def get_change_for_user(request, case: BodyCase, pk, write: bool = False) -> CaseChange:
    """A change recorded on `case` (a change of another case is not reachable through this one's URL)."""
    if not has_role(request.user, *(MAY_CHANGE if write else MAY_VIEW)):
        raise PermissionDenied
    try:
        return CaseChange.objects.get(pk=int(pk), case=case)
    except (CaseChange.DoesNotExist, TypeError, ValueError):
        raise Http404("no such change on this case") from None
