"""Who may use the casework pages, and fetching each kind of object through one door.

Caseworkers, reviewers and admins use the queue and the reports; only reviewers
(and admins) move an identification past "claimed"; only caseworkers (and
admins) handle the family: contact details, messages, follow-up links, claim
documents, proposing a match, search requests (see dalil.lib.roles). Anonymous
visitors are sent to the login page, everyone else gets 403. Every page here
shows people's data, so no response is ever kept by a browser or a proxy (no-store).
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_POST

from dalil.archive.models import BodyCase
from dalil.identification.models import Claim, Identification, MissingPersonReport, SearchRequest
from dalil.lib.roles import CASEWORK, FAMILY_CONTACT, REVIEWERS, has_role, require_role

STAFF = CASEWORK
CASEWORKERS = FAMILY_CONTACT


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
    """write=True: anything that handles the family (contact, messages, link, proposing): caseworkers only."""
    check(request, CASEWORKERS if write else STAFF)
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
    check(request, CASEWORKERS if write else STAFF)
    try:
        return SearchRequest.objects.select_related("report").get(pk=int(pk))
    except (SearchRequest.DoesNotExist, TypeError, ValueError):
        raise Http404("no such search request") from None


def get_claim_for_user(request, pk, write: bool = False) -> Claim:
    """A family's claim with its document: the document is the family's, so caseworkers only."""
    check(request, CASEWORKERS)
    try:
        return Claim.objects.select_related("report", "case").get(pk=int(pk))
    except (Claim.DoesNotExist, TypeError, ValueError):
        raise Http404("no such claim") from None
