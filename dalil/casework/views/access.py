"""Who may use the casework pages, and fetching each kind of object through one door.

Caseworkers, reviewers and admins use the queue and the reports; only reviewers
(and admins) move an identification past "claimed". Anonymous visitors are sent
to the login page, everyone else gets 403. Every page here shows people's data,
so no response is ever kept by a browser or a proxy (no-store).
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_POST

from dalil.archive.models import BodyCase
from dalil.identification.models import Identification, MissingPersonReport, SearchRequest
from dalil.lib.roles import Role, has_role, require_role

STAFF = (Role.CASEWORKER, Role.REVIEWER, Role.ADMIN)
REVIEWERS = (Role.REVIEWER, Role.ADMIN)


def casework_page(*roles, post=False):
    """require_role(*roles) (anonymous -> login, others -> 403), optionally POST only, and never cached."""

    def decorate(view):
        inner = require_POST(view) if post else view

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            response = inner(request, *args, **kwargs)
            patch_cache_control(response, private=True, no_store=True, max_age=0)
            return response

        return require_role(*roles)(wrapper)

    return decorate


def check(request, write_roles=STAFF) -> None:
    if not has_role(request.user, *write_roles):
        raise PermissionDenied


def get_report_for_user(request, reference: str, write: bool = False) -> MissingPersonReport:
    check(request)
    try:
        return MissingPersonReport.objects.get(reference=reference)
    except MissingPersonReport.DoesNotExist:
        raise Http404("no such report") from None


def get_case_for_user(request, pk, write: bool = False) -> BodyCase:
    check(request)
    try:
        return BodyCase.objects.get(pk=int(pk))
    except (BodyCase.DoesNotExist, TypeError, ValueError):
        raise Http404("no such case") from None


def get_identification_for_user(request, pk, write: bool = False) -> Identification:
    """write=True: moving it along, which only reviewers may do."""
    check(request, REVIEWERS if write else STAFF)
    try:
        return Identification.objects.select_related("report", "case").get(pk=int(pk))
    except (Identification.DoesNotExist, TypeError, ValueError):
        raise Http404("no such identification") from None


def get_search_request_for_user(request, pk, write: bool = False) -> SearchRequest:
    check(request)
    try:
        return SearchRequest.objects.select_related("report").get(pk=int(pk))
    except (SearchRequest.DoesNotExist, TypeError, ValueError):
        raise Http404("no such search request") from None
