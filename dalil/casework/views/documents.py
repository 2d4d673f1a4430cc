"""A document a family attached to a claim (an ID card, a medical record), opened by a caseworker.

The document is stored encrypted (dalil.lib.crypto) and decrypted only for this
response. Every opening is audited with who, which claim and when. A picture the
browser can show (JPEG, PNG, GIF, WebP, recognised from its bytes, not from its
name) is shown inline; anything else (PDF, office files, unknown bytes) is a
download of opaque bytes under the family's file name, so nothing the family
sent runs in a staff member's browser. Never cached.
"""

import logging

from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header

from dalil.audit.models import AuditEvent, audit
from dalil.casework.views.access import CASEWORKERS, casework_page, get_claim_for_user
from dalil.lib import crypto

log = logging.getLogger("dalil.casework")

# Leading bytes of the pictures a browser may render inline, and their media types.
INLINE_PICTURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def picture_type(data: bytes) -> str:
    """The media type of a picture to show inline, or "" for bytes to offer only as a download."""
    for magic, media_type in INLINE_PICTURES:
        if data.startswith(magic):
            return media_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return ""


@casework_page(*CASEWORKERS)
def claim_document(request, pk):
    claim = get_claim_for_user(request, pk)
    if not claim.document_encrypted:
        raise Http404("this claim has no document")
    try:
        data = crypto.decrypt(claim.document_encrypted)
    except crypto.MissingKey as error:
        log.error("claim %s: document cannot be decrypted: %s", claim.pk, error)
        raise Http404("this document cannot be read with the encryption keys set") from None
    media_type = picture_type(data)
    audit(request, AuditEvent.Action.VIEWED_DOCUMENT, f"claim:{claim.pk}", report=claim.report.reference,
          case=claim.case_id, name=claim.document_name, inline=bool(media_type))
    response = HttpResponse(data, content_type=media_type or "application/octet-stream")
    name = claim.document_name or f"claim-{claim.pk}-document"
    response["Content-Disposition"] = content_disposition_header(not media_type, name)
    response["X-Content-Type-Options"] = "nosniff"
    # a picture is only ever a picture: no script, no styles, no frames, even if its bytes say otherwise
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    return response
