"""A family's photo search, through their report: the archive's body cases whose faces are near their photo.

Results are words first (numbers and how similar, never a picture); each
leads to the case page, whose pictures come only through its reveal ladder
(blurred previews, then the face only, then the photographs after a warning).
The report's own photo, kept with consent, is searched when the report is
filed and again after new photos are ingested; a family without one may give
a photo here: it is checked, stripped of metadata, and kept only if they say so.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from dalil.audit.models import AuditEvent, audit
from dalil.faces import backend as backends
from dalil.lib import crypto
from dalil.lib.limits import BUSY_PHOTO, Busy, busy, heavy_work
from dalil.portal.access import family_cases, get_report_for_session, over_limit, portal_page, too_many
from dalil.portal.images import clean_photo, read_upload

SHOWN = "portal_face_results"  # session: the report pk whose photo-search results the family chose to see
TOP = 10
NO_FACE = _("We could not find a face in this photo. Please choose a photo where the face is clearly visible, "
            "looking at the camera.")


class FacePhotoForm(forms.Form):
    photo = forms.FileField(label=_("A photo of your relative's face"))
    keep = forms.BooleanField(
        label=_("Keep this photo, encrypted, so that new photos in the archive are compared with it too"),
        required=False)

    def clean_photo(self):
        return clean_photo(read_upload(self.cleaned_data["photo"]))


def _results(matches) -> list[dict]:
    """Words only, for cases families may see, at most TOP, nearest first."""
    from dalil.faces.index import WEAK, words

    allowed = set(family_cases().filter(pk__in=[m["case_id"] for m in matches]).values_list("pk", flat=True))
    cases = {c.pk: c for c in family_cases().filter(pk__in=allowed)}
    return [{"case": cases[m["case_id"]], "words": words(m["distance"])} for m in matches
            if m["case_id"] in cases and m["distance"] < WEAK][:TOP]


def _stored(report) -> list[dict]:
    from dalil.identification.faces import stored_candidates

    return _results([{"case_id": c.case_id, "distance": c.distance} for c in stored_candidates(report)])


def _search_once(photo: bytes) -> list[dict]:
    from dalil.faces.index import search_cases
    from dalil.faces.probe import probe_vector

    vector = probe_vector(photo, "the photo")
    return _results([{"case_id": m.case_id, "distance": m.distance} for m in search_cases([vector], top_k=50)])


@portal_page
@require_http_methods(["GET", "HEAD", "POST"])
def faces(request):
    report = get_report_for_session(request)
    context = {"report": report, "available": backends.available(), "results": None, "form": None, "state": None}
    if report is None or not context["available"]:
        return render(request, "portal/faces.html", context)
    from dalil.identification.faces import refresh_report
    from dalil.identification.models import ReportFaceSearch

    actor = f"family:{report.reference}"
    kept = bool(report.photo_encrypted and report.photo_consent)
    if request.method == "POST" and (wait := over_limit(request, "search")):
        return too_many(request, wait)
    if kept:
        if request.method == "POST" and request.POST.get("action") == "search":
            state = ReportFaceSearch.objects.filter(report=report).first()
            if state is None or state.status != ReportFaceSearch.Status.DONE:
                refresh_report(report)
            request.session[SHOWN] = report.pk
            audit(request, AuditEvent.Action.FACE_SEARCH, f"report:{report.reference}", actor=actor, photo="kept")
            return redirect(reverse("portal:faces") + "#results")  # on a phone: land on the results
        context["state"] = ReportFaceSearch.objects.filter(report=report).first()
        if request.session.get(SHOWN) == report.pk and context["state"] is not None:
            context["results"] = _stored(report)
        return render(request, "portal/faces.html", context)
    form = FacePhotoForm(request.POST or None, request.FILES or None)
    context["form"] = form
    try:
        valid = request.method == "POST" and form.is_valid()  # checking the photo decodes it: may be Busy
    except Busy:
        form.add_error("photo", ValidationError(BUSY_PHOTO, code="busy"))
        return busy(render(request, "portal/faces.html", context))
    if valid:
        photo = form.cleaned_data["photo"]
        try:
            # One slot for keeping and searching: when busy, nothing is kept either, as the sentence says.
            with heavy_work():
                return _search_with(request, report, form, photo, context, actor)
        except Busy:
            form.add_error("photo", ValidationError(BUSY_PHOTO, code="busy"))
            return busy(render(request, "portal/faces.html", context))
    return render(request, "portal/faces.html", context)


def _search_with(request, report, form, photo: bytes, context: dict, actor: str):
    """The family's photo: kept and searched, or searched once and forgotten."""
    from dalil.faces.images import PictureRefused
    from dalil.faces.probe import NoFace
    from dalil.identification.faces import refresh_report
    from dalil.identification.models import ReportFaceSearch

    try:
        if form.cleaned_data["keep"]:
            report.photo_encrypted, report.photo_consent = crypto.encrypt(photo), True
            report.save(update_fields=["photo_encrypted", "photo_consent", "updated_at"])
            state = refresh_report(report)
            if state is not None and state.status == ReportFaceSearch.Status.NO_FACE:
                raise NoFace("no face")
            request.session[SHOWN] = report.pk
            audit(request, AuditEvent.Action.FACE_SEARCH, f"report:{report.reference}", actor=actor, photo="kept")
            return redirect(reverse("portal:faces") + "#results")  # on a phone: land on the results
        context["results"] = _search_once(photo)  # nothing kept: the photo is forgotten with this request
        audit(request, AuditEvent.Action.FACE_SEARCH, f"report:{report.reference}", actor=actor, photo="not kept")
    except NoFace:
        form.add_error("photo", ValidationError(NO_FACE, code="no_face"))
    except PictureRefused:
        form.add_error("photo", ValidationError(_("This file is not a photo we can read (JPEG, PNG or WebP). "
                                                  "Please choose another file."), code="not_image"))
    return render(request, "portal/faces.html", context)
