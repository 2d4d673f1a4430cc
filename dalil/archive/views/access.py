"""Who may see what, and fetching each kind of object through one door.

Every archive page names the roles that may open it (dalil.lib.roles): any
staff role browses; originals, camera serials, the custody log, quarantine and
near-duplicate decisions are the archive keepers' (archivist, analyst, admin).
An anonymous visitor is sent to the login page; anyone signed in without one of
the roles (a staff account with no role included) gets 403. Views fetch objects
only through the `get_*_for_user` helpers below, so a later rule (say, a
caseworker who may see one collection only) is added in one place.
"""

import re
from functools import wraps
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme

from dalil.archive.models import NearDuplicate, Photo
from dalil.evidence.models import Collection, Item, Sighting
from dalil.lib.roles import ARCHIVE_KEEPERS, STAFF, has_role, require_role

SHA256 = re.compile(r"^[0-9a-f]{64}$")
SHOW_THUMBNAILS = "archive_show_thumbnails"  # session key: the user chose to see thumbnails, not blurred previews


def check(request, roles=STAFF) -> None:
    if not has_role(request.user, *roles):
        raise PermissionDenied


def may_keep(user) -> bool:
    """Originals, camera serials and full metadata, custody, quarantine, near duplicates."""
    return has_role(user, *ARCHIVE_KEEPERS)


def archive_page(*roles):
    """require_role(*roles): anonymous -> login page, no such role -> 403. HTML is never kept in shared caches."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            if not response.has_header("Cache-Control"):
                patch_cache_control(response, private=True, no_cache=True)
            return response

        return require_role(*roles)(wrapper)

    return decorate


def get_collection_for_user(request, name: str) -> Collection:
    check(request)
    try:
        return Collection.objects.get(name=name)
    except Collection.DoesNotExist:
        raise Http404("no such collection") from None


def get_item_for_user(request, sha256: str, original: bool = False) -> Item:
    """original=True: its bytes as received (camera serials and all), for the archive keepers only."""
    check(request, ARCHIVE_KEEPERS if original else STAFF)
    if not SHA256.match(sha256 or ""):
        raise Http404("not a SHA-256")
    try:
        return Item.objects.get(sha256=sha256)
    except Item.DoesNotExist:
        raise Http404("no such item") from None


def get_photo_for_user(request, sha256: str) -> Photo:
    item = get_item_for_user(request, sha256)
    try:
        return Photo.objects.select_related("item").get(item=item)
    except Photo.DoesNotExist:
        raise Http404("this item is not a photo") from None


def get_near_duplicate_for_user(request, pk, write: bool = False) -> NearDuplicate:
    check(request, ARCHIVE_KEEPERS)
    try:
        return NearDuplicate.objects.select_related("a__item", "b__item").get(pk=int(pk))
    except (NearDuplicate.DoesNotExist, TypeError, ValueError):
        raise Http404("no such pair") from None


def is_quarantined(item: Item) -> bool:
    """Quarantined anywhere: its bytes are not to be trusted to a browser."""
    return item.sightings.filter(outcome=Sighting.Outcome.QUARANTINED).exists()


def wants_thumbnails(request) -> bool:
    return bool(request.session.get(SHOW_THUMBNAILS, False))


def safe_next(request, fallback: str) -> str:
    """The `next` URL given in a form, if it points back into this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def query_without(request, *names: str) -> str:
    """The current query string minus some parameters, for pagination links ('' or 'a=1&b=2&')."""
    pairs = [(k, v) for k, values in request.GET.lists() if k not in names for v in values]
    return urlencode(pairs) + "&" if pairs else ""
