"""Pictures: the derivatives (blurred preview, thumbnail) and, after a warning, the original.

Derivatives were re-encoded from pixels at ingest, with no metadata, and are
served as they are. An original is evidence: it is shown only after a plain
warning and a POST, every view is written to the custody log first, and it is
never cached. A quarantined original, or one whose bytes are not a plain
image, is only ever offered as a download of opaque bytes, never rendered.
"""

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_POST, require_safe

from dalil.evidence import custody
from dalil.evidence.models import CustodyEvent
from dalil.evidence.store import StoreError, derivatives, originals
from dalil.archive.views.access import archive_page, get_item_for_user, get_photo_for_user, is_quarantined
from dalil.lib.roles import ARCHIVE_KEEPERS, STAFF

# Image types a browser may render inline; anything else is downloaded as opaque bytes.
INLINE_TYPES = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/tiff": "tif",
    "image/bmp": "bmp",
}


@archive_page(*ARCHIVE_KEEPERS)
@require_safe
def original_warning(request, sha256):
    item = get_item_for_user(request, sha256, original=True)
    return render(request, "archive/original_warning.html", {
        "item": item,
        "download_only": _download_only(item),
    })


@archive_page(*ARCHIVE_KEEPERS)
@require_POST
def original(request, sha256):
    item = get_item_for_user(request, sha256, original=True)
    try:
        stream = originals().open(item.sha256)
    except StoreError:
        raise Http404("the original is missing from the store; run `dalil verify`") from None
    try:
        first = item.sightings.select_related("acquisition__collection").order_by("pk").first()
        custody.record(
            CustodyEvent.Action.ORIGINAL_VIEWED,
            actor=request.user.get_username(),
            collection=first.acquisition.collection.name if first else "",
            item_sha256=item.sha256,
            details={"ip": request.META.get("REMOTE_ADDR", ""), "path": request.path},
        )
    except BaseException:
        stream.close()
        raise
    if _download_only(item):
        response = FileResponse(stream, as_attachment=True, filename=f"{item.sha256}.bin",
                                content_type="application/octet-stream")
    else:
        response = FileResponse(stream, filename=f"{item.sha256}.{INLINE_TYPES[item.media_type]}",
                                content_type=item.media_type)  # Content-Disposition: inline
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    return response


@archive_page(*STAFF)
@require_safe
def thumbnail(request, sha256):
    photo = get_photo_for_user(request, sha256)
    return derivative_response(photo.thumbnail_sha256, missing="no thumbnail was made for this photo")


@archive_page(*STAFF)
@require_safe
def preview(request, sha256):
    photo = get_photo_for_user(request, sha256)
    return derivative_response(photo.preview_sha256, missing="no preview was made for this photo")


def derivative_response(sha: str, cache_control: str = "private, max-age=3600", missing: str = "no picture"):
    """A derivative (thumbnail, blurred preview, face crop: metadata-free JPEG) as a response; 404 if none or lost.

    The one way staff and family pages serve derivatives (archive, faces, portal).
    """
    if not sha:
        raise Http404(missing)
    try:
        stream = derivatives().open(sha)
    except StoreError:
        raise Http404("the picture is missing from the derivatives store") from None
    response = FileResponse(stream, content_type="image/jpeg")
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _download_only(item) -> bool:
    return is_quarantined(item) or item.media_type not in INLINE_TYPES or not item.complete
