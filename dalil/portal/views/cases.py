"""Searching the archive safely, a case in words, and the step-by-step reveal of its pictures.

Nothing graphic appears unless the family chooses it, one step at a time, each
step a POST after a plain warning: (1) blurred previews, (2) the face-only
crops the faces stage made (re-encoded from pixels: no metadata), (3) after a
full warning screen, the metadata-free thumbnail. Never the original: it
carries EXIF such as the camera serial.
"""

import re

from django.core.paginator import Paginator
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from dalil.audit.models import AuditEvent, audit
from dalil.archive.models import BodyCase
from dalil.archive.views.media import derivative_response
from dalil.lib.arabic import ascii_digits, normalize_arabic, normalize_number
from dalil.portal.access import (LEVELS, actor_for, choose_level, current_level, family_cases, get_case_for_family,
                                 get_photo_for_family, hide_again, may_choose, over_limit, portal_page, too_many)
from dalil.portal.forms import SearchForm

REVEAL_ACTIONS = {"preview": AuditEvent.Action.REVEALED_PREVIEW, "face": AuditEvent.Action.REVEALED_FACE,
                  "photo": AuditEvent.Action.REVEALED_PHOTO}
PAGE_SIZE = 25
# Between the numbers on a card: spaces, slashes, dashes, commas, dots, and the invisible direction marks that
# come along when the numbers are copied from right-to-left text.
NUMBER_SEPARATORS = re.compile(r"[\s/\\\-\u2010-\u2015\u2212,.|؍،٫٬\u200e\u200f\u061c\u2066-\u2069]+")


def _matches(case, numbers: list[str], branch: str, age, words: list[str]) -> bool:
    if numbers:
        own = [normalize_number(n) for n in (case.branch, case.detainee_no, case.exam_no)]
        for number in numbers:  # each typed number is one of the case's three, in any order
            if number not in own:
                return False
            own.remove(number)
    if branch and normalize_number(case.branch) != branch:
        return False
    if age is not None and ((case.age_min is not None and age < case.age_min)
                            or (case.age_max is not None and age > case.age_max)):
        return False
    if words:
        marks = normalize_arabic(case.marks).casefold()
        return all(word in marks for word in words)
    return True


def typed_numbers(text: str) -> list[str]:
    """The numbers in what a family typed: '٢٢٧/٧١٢٠/١١٤٥', '227-7120-1145', '227 7120 1145' -> three numbers.

    Any digits (Arabic-Indic, Persian, Western); any of / \\ - – — , . | or spaces between them.
    """
    return [normalize_number(part) for part in NUMBER_SEPARATORS.split(ascii_digits(text or "")) if part]


def has_letters(text: str) -> bool:
    """Whether a family typed words (a name, most often) where the archive only has numbers."""
    return any(ch.isalpha() for ch in text or "")


def find_cases(data: dict) -> list:
    """Cases families may search, filtered; numbers and Arabic words compared after normalising."""
    cases = family_cases().only("pk", "branch", "detainee_no", "exam_no", "date", "sex", "age_min", "age_max",
                                "marks")
    if data.get("date_from"):
        cases = cases.filter(date__gte=data["date_from"])
    if data.get("date_to"):
        cases = cases.filter(date__lte=data["date_to"])
    if data.get("sex"):
        cases = cases.filter(sex=data["sex"])
    number = data.get("number", "")
    numbers = [] if has_letters(number) else typed_numbers(number)
    if has_letters(number) and not any(data.get(k) for k in ("branch", "date_from", "date_to", "sex", "age", "marks")):
        return []  # a name in the numbers field: nothing to match; the page says what the archive holds
    branch = normalize_number(data.get("branch", ""))
    words = normalize_arabic(data.get("marks", "")).casefold().split()
    return [c for c in cases.iterator() if _matches(c, numbers, branch, data.get("age"), words)]


@portal_page
@require_safe
def search(request):
    form = SearchForm(request.GET or None)
    page = None
    if form.is_bound and not form.is_empty() and form.is_valid():
        if wait := over_limit(request, "search"):
            return too_many(request, wait)
        page = Paginator(find_cases(form.cleaned_data), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    typed = " ".join(request.GET.get(k, "") for k in ("number", "marks"))
    return render(request, "portal/search.html", {"form": form, "page": page, "query": query.urlencode(),
                                                  "typed_name": page is not None and has_letters(typed),
                                                  "name_in_numbers": has_letters(request.GET.get("number", ""))})


def _pictures(case, level: str) -> list:
    """The photos of a case that have the derivative this level shows."""
    field = {"preview": "preview_sha256", "face": "preview_sha256", "photo": "thumbnail_sha256"}.get(level)
    if not field:
        return []
    photos = case.photos.exclude(**{field: ""}).order_by("sequence", "pk")
    return [{"photo": p, "kind": "photo" if level == "photo" else "preview"} for p in photos]


def _moved(request, pk, view: str):
    """A case merged into another (its photos, claims and identifications went there): a redirect to that case,
    or, when families cannot see it, a page that says so, never a bare 404. None for any other case."""
    merged = BodyCase.objects.filter(pk=pk, merged_into__isnull=False).first()
    if merged is None:
        return None
    surviving = merged.surviving()
    if family_cases().filter(pk=surviving.pk).exists():
        return redirect(view, pk=surviving.pk)
    return render(request, "portal/case_merged.html", status=404)


@portal_page
@require_safe
def case(request, pk):
    if moved := _moved(request, pk, "portal:case"):
        return moved
    body = get_case_for_family(request, pk)
    level = current_level(request, body)
    return render(request, "portal/case.html", {
        "case": body,
        "level": level,
        "pictures": _pictures(body, level),
        "faces": _faces(body) if level in ("face", "photo") else [],
        "photo_count": body.photos.count(),
    })


def _faces(case) -> list:
    """The face crops of a case's photos, largest first (the faces stage made them; there may be none)."""
    from dalil.faces.models import Face

    faces = Face.objects.filter(photo__case=case).exclude(crop_sha256="").only("pk", "top", "right", "bottom", "left")
    return sorted(faces, key=lambda f: (-(f.bottom - f.top) * (f.right - f.left), f.pk))[:12]


@portal_page
@require_safe
def warning(request, pk):
    if moved := _moved(request, pk, "portal:warning"):
        return moved
    body = get_case_for_family(request, pk)
    return render(request, "portal/warning.html", {"case": body, "photo_count": body.photos.count()})


@portal_page
@require_POST
def reveal(request, pk):
    body = get_case_for_family(request, pk)
    level = request.POST.get("level", "")
    if level == "none":
        hide_again(request, body)
        return redirect("portal:case", pk=body.pk)
    if level not in LEVELS:
        return HttpResponseForbidden("unknown level")
    if level == "photo" and request.POST.get("understood") != "yes":
        return redirect("portal:warning", pk=body.pk)  # the full warning screen comes first
    if not may_choose(request, body, level):  # the steps in order, whatever is posted: back to the next step
        return redirect(reverse("portal:case", args=[body.pk]) + "#pictures")
    if choose_level(request, body, level):
        audit(request, REVEAL_ACTIONS[level], f"case:{body.pk}", actor=actor_for(request), level=level)
    return redirect(reverse("portal:case", args=[body.pk]) + "#pictures")


@portal_page
@require_safe
def image(request, pk, photo_id, level):
    body = get_case_for_family(request, pk)
    if level not in ("preview", "photo"):
        raise Http404("no such picture")
    chosen = current_level(request, body)
    # A face crop step still shows the previews; the photo step shows thumbnails only.
    allowed = {"preview": ("preview", "face"), "photo": ("photo",)}[level]
    if chosen not in allowed:
        return HttpResponseForbidden("choose to see this first")
    photo = get_photo_for_family(request, body, photo_id)
    sha = photo.preview_sha256 if level == "preview" else photo.thumbnail_sha256
    return derivative_response(sha, cache_control="private, no-store")


@portal_page
@require_safe
def face(request, pk, face_id):
    """A face crop of the case, once the family chose the face step (or the photographs) for it."""
    from dalil.faces.models import Face

    body = get_case_for_family(request, pk)
    if current_level(request, body) not in ("face", "photo"):
        return redirect(reverse("portal:case", args=[body.pk]) + "#pictures")  # choose the step first
    try:
        found = Face.objects.get(pk=int(face_id), photo__case=body)
    except (Face.DoesNotExist, TypeError, ValueError):
        raise Http404("no such face") from None
    return derivative_response(found.crop_sha256, cache_control="private, no-store")
