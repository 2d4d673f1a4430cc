"""Staff face search: upload photos of one person, see the body cases with the nearest faces.

Uploads are read into memory only (never written to disk or the store), and
each search is audited without the photos themselves.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.http import Http404
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from dalil.archive.models import BodyCase
from dalil.archive.views.media import derivative_response
from dalil.audit.models import AuditEvent, audit
from dalil.faces import backend as backends
from dalil.faces.models import Face
from dalil.lib.limits import BUSY, Busy, busy
from dalil.lib.roles import Role, has_role, require_role

ROLES = (Role.CASEWORKER, Role.REVIEWER, Role.ADMIN)
MAX_PHOTOS = 5
TOP_K = 10


def get_face_for_user(request, face_id, write: bool = False) -> Face:
    if not has_role(request.user, *ROLES):
        raise PermissionDenied
    try:
        return Face.objects.get(pk=int(face_id))
    except (Face.DoesNotExist, TypeError, ValueError):
        raise Http404("no such face") from None


@csrf_exempt  # checked below, once the upload handlers are set (they must be set before the body is read)
@require_role(*ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def search(request):
    request.upload_handlers = [MemoryFileUploadHandler(request)]
    response = _search(request)
    patch_cache_control(response, private=True, no_store=True, max_age=0)
    return response


@csrf_protect
def _search(request):
    context = {"max_photos": MAX_PHOTOS, "available": backends.available(), "matches": None, "errors": []}
    if request.method == "POST" and context["available"]:
        try:
            context.update(_run_search(request))
        except Busy:  # the server is decoding or searching enough pictures already: 503, try again in a minute
            context["errors"] = [BUSY]
            return busy(render(request, "faces/search.html", context))
    return render(request, "faces/search.html", context)


def _run_search(request) -> dict:
    from dalil.faces.images import PictureRefused
    from dalil.faces.index import search_cases
    from dalil.faces.probe import probe_vector

    limit = settings.FACES_MAX_UPLOAD_BYTES * MAX_PHOTOS
    if int(request.META.get("CONTENT_LENGTH") or 0) > limit:
        return {"errors": [_("The photos are too large together.")]}
    files = request.FILES.getlist("photos")
    if not files:
        return {"errors": [_("Choose at least one photo.")]}
    if len(files) > MAX_PHOTOS:
        return {"errors": [_("Choose at most %(n)d photos of the same person.") % {"n": MAX_PHOTOS}]}
    vectors, errors = [], []
    for upload in files:
        if upload.size > settings.FACES_MAX_UPLOAD_BYTES:
            errors.append(_("%(name)s is too large.") % {"name": upload.name})
            continue
        try:
            vectors.append(probe_vector(upload.read(), upload.name))
        except PictureRefused as exc:
            errors.append(str(exc))
    if errors:
        return {"errors": errors}
    matches = search_cases(vectors, top_k=TOP_K)
    cases = BodyCase.objects.in_bulk([m.case_id for m in matches])
    audit(request, AuditEvent.Action.FACE_SEARCH, "faces", photos=len(vectors), cases=[m.case_id for m in matches])
    return {"matches": [(m, cases[m.case_id]) for m in matches]}


@require_role(*ROLES)
@require_safe
def crop(request, face_id):
    face = get_face_for_user(request, face_id)
    return derivative_response(face.crop_sha256, missing="no crop was made for this face")
