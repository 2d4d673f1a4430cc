"""The family's photo beside the body's face, on the identification page, for the reviewer to compare.

The family's photo is served by reports.report_photo (audited there); the body's face crop by the view below,
audited as a revealed face with the identification it was shown for. The face shown is the one nearest to
the family's photo (stored by dalil.identification.faces), else the largest face found on the case's photos.
"""

from django.db.models import F
from django.http import Http404

from dalil.archive.views.media import derivative_response
from dalil.audit.models import AuditEvent, audit
from dalil.casework.views.access import STAFF, casework_page, get_identification_for_user
from dalil.identification.models import FaceCandidate


def best_face(ident):
    """The face of the identification's case to show beside the family's photo, or None."""
    from dalil.faces.models import Face

    stored = FaceCandidate.objects.filter(report=ident.report_id, case=ident.case_id, face__isnull=False).first()
    if stored is not None and stored.face.crop_sha256:
        return stored.face
    return (Face.objects.filter(photo__case=ident.case_id).exclude(crop_sha256="")
            .order_by((F("top") - F("bottom")) * (F("right") - F("left")), "pk").first())


@casework_page(*STAFF)
def identification_face(request, pk):
    ident = get_identification_for_user(request, pk)
    face = best_face(ident)
    if face is None:
        raise Http404("no face was found on this case's photos")
    audit(request, AuditEvent.Action.REVEALED_FACE, f"case:{ident.case_id}", face=face.pk,
          identification=ident.pk, report=ident.report.reference)
    return derivative_response(face.crop_sha256, cache_control="private, no-store",
                               missing="no crop was made for this face")
