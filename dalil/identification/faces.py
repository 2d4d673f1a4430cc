"""Face candidates of missing-person reports: computed when a report with a photo is filed, kept, refreshed.

A report's photo (kept only with the family's consent, encrypted) is searched
once against the face index; the nearest body cases are stored as
FaceCandidate rows, which the caseworker's ranked list and the family's
photo search read. After every run of the faces stage that stored new faces
(ingest, `dalil faces index`) each such report is searched again with its kept
embedding: a few milliseconds each, no photo decoded.
"""

import hashlib
import logging

from django.db import transaction

from dalil.faces import backend as backends
from dalil.identification.models import FaceCandidate, MissingPersonReport, ReportFaceSearch

log = logging.getLogger("dalil.identification")

KEEP = 50  # candidates stored per report


def _digest(report: MissingPersonReport) -> str:
    return hashlib.sha256(bytes(report.photo_encrypted)).hexdigest()


def reports_with_photos():
    return MissingPersonReport.objects.exclude(photo_encrypted=b"").filter(photo_consent=True).exclude(
        status=MissingPersonReport.Status.CLOSED)


def refresh_report(report: MissingPersonReport, force_embed: bool = False) -> ReportFaceSearch | None:
    """Search the report's photo and store its candidates; None when it has no kept photo or no face search."""
    if not report.photo_encrypted or not report.photo_consent or not backends.available():
        return None
    from dalil.faces.images import PictureRefused
    from dalil.faces.models import vector_from_bytes, vector_to_bytes
    from dalil.faces.probe import NoFace, probe_vector

    digest = _digest(report)
    state = ReportFaceSearch.objects.filter(report=report).first()
    if state is None or state.photo_digest != digest or force_embed or state.status != state.Status.DONE:
        state = state or ReportFaceSearch(report=report)
        state.photo_digest, state.note, state.embedding = digest, "", b""
        try:
            state.embedding = vector_to_bytes(probe_vector(report.photo, "the photo"))
            state.status = ReportFaceSearch.Status.DONE
        except NoFace as exc:
            state.status, state.note = ReportFaceSearch.Status.NO_FACE, str(exc)[:300]
        except PictureRefused as exc:
            state.status, state.note = ReportFaceSearch.Status.REFUSED, str(exc)[:300]
    matches = []
    if state.status == ReportFaceSearch.Status.DONE:
        from dalil.faces.index import search_cases

        matches = search_cases([vector_from_bytes(bytes(state.embedding))], top_k=KEEP)
    with transaction.atomic():
        state.save()
        FaceCandidate.objects.filter(report=report).delete()
        FaceCandidate.objects.bulk_create([
            FaceCandidate(report=report, case_id=m.case_id, distance=m.distance, face_id=m.face_id, rank=rank)
            for rank, m in enumerate(matches, 1)])
    return state


def refresh_all(**_signal) -> int:
    """Refresh every open report with a kept photo (the receiver of dalil.faces' `faces_indexed`)."""
    count = 0
    for report in reports_with_photos().iterator():
        try:
            refresh_report(report)
            count += 1
        except Exception:  # one unreadable report must not stop ingest's closing steps
            log.exception("face candidates of report %s not refreshed", report.reference)
    return count


def stored_candidates(report: MissingPersonReport):
    return FaceCandidate.objects.filter(report=report).select_related("case", "face").order_by("rank")
