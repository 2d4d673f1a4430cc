"""Browsing: the collections, one collection's photos, one item's facts."""

import json

from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Length
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from dalil.archive.models import NearDuplicate, Photo
from dalil.archive.views import labels
from dalil.archive.views.access import (
    SHOW_THUMBNAILS,
    archive_page,
    get_collection_for_user,
    get_item_for_user,
    is_quarantined,
    query_without,
    may_keep,
    safe_next,
    wants_thumbnails,
)
from dalil.archive.views.forms import PhotoFilter
from dalil.evidence.models import Collection, CustodyEvent, Seal, Sighting
from dalil.lib.roles import STAFF

PHOTOS_PER_PAGE = 48
CUSTODY_ON_ITEM_PAGE = 200


@archive_page(*STAFF)
@require_safe
def collections(request):
    quarantined = Q(acquisitions__sightings__outcome=Sighting.Outcome.QUARANTINED)
    rows = Collection.objects.annotate(
        n_sightings=Count("acquisitions__sightings", distinct=True),
        n_items=Count("acquisitions__sightings__item", distinct=True),
        n_photos=Count("acquisitions__sightings__item__photo", distinct=True),
        n_quarantined=Count("acquisitions__sightings", filter=quarantined, distinct=True),
    ).order_by("name")
    rows = list(rows)
    for collection in rows:
        items = Sighting.objects.filter(acquisition__collection=collection, item__isnull=False).values("item")
        collection.n_pending = NearDuplicate.objects.filter(
            Q(a__item__in=items) | Q(b__item__in=items), status=NearDuplicate.Status.PENDING
        ).count()
        collection.last_seal = Seal.objects.filter(collection=collection.name).order_by("-sealed_at", "-pk").first()
    return render(request, "archive/collections.html", {"collections": rows})


@archive_page(*STAFF)
@require_safe
def collection(request, name):
    collection = get_collection_for_user(request, name)
    in_collection = Sighting.objects.filter(acquisition__collection=collection, item=OuterRef("item"))
    photos = Photo.objects.filter(Exists(in_collection)).select_related("item")
    form = PhotoFilter(request.GET)
    photos = form.apply(photos).order_by(
        Length("branch"), "branch", Length("exam_no"), "exam_no", "sequence", "item__sha256"
    )
    page = Paginator(photos, PHOTOS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "archive/collection.html", {
        "collection": collection,
        "form": form,
        "page": page,
        "query": query_without(request, "page"),
        "filtered": form.is_valid() and any(form.cleaned_data.values()),
        "show_thumbnails": wants_thumbnails(request),
    })


@archive_page(*STAFF)
@require_POST
def display(request):
    """Remember in the session whether grids show thumbnails or blurred previews."""
    request.session[SHOW_THUMBNAILS] = request.POST.get("thumbnails") == "1"
    return redirect(safe_next(request, reverse("archive:collections")))


@archive_page(*STAFF)
@require_safe
def item(request, sha256):
    item = get_item_for_user(request, sha256)
    photo = Photo.objects.filter(item=item).first()
    sightings = [
        {"sighting": s, "outcome": labels.outcome(s.outcome)}
        for s in item.sightings.select_related("acquisition__collection").order_by("pk")
    ]
    # custody events name who viewed the original, from where: the archive keepers' (as the custody log)
    keeper = may_keep(request.user)
    events = CustodyEvent.objects.filter(item_sha256=item.sha256).order_by("-seq")
    if not keeper:
        events = events.none()
    n_events = events.count()
    show = request.GET.get("show")
    context = {
        "item": item,
        "may_keep": keeper,
        "photo": photo,
        "sightings": sightings,
        "quarantined": is_quarantined(item),
        "events": [(e, labels.action(e.action), _details(e.details)) for e in events[:CUSTODY_ON_ITEM_PAGE]],
        "n_events": n_events,
        "events_cut": n_events > CUSTODY_ON_ITEM_PAGE,
        "show_thumbnail": bool(photo and photo.thumbnail_sha256)
        and (show == "thumbnail" or (show != "preview" and wants_thumbnails(request))),
    }
    if photo:
        context.update(_photo_facts(photo, private=keeper))
    return render(request, "archive/item.html", context)


def _photo_facts(photo: Photo, private: bool) -> dict:
    """private: the camera serial and full EXIF/XMP, which can identify the photographer (archive keepers only)."""
    source = photo.numbers_source or {}
    numbers = []
    for field, label in labels.NUMBER_FIELDS.items():
        value = getattr(photo, field)
        numbers.append({
            "label": label,
            "value": "" if value is None else value.isoformat() if hasattr(value, "isoformat") else str(value),
            "source": labels.source(source[field]) if field in source else "",
        })
    conflicts = [
        {"label": labels.NUMBER_FIELDS.get(c.get("field"), c.get("field")), "sidecar": c.get("sidecar"),
         "row": c.get("row"), "kept": getattr(photo, c.get("field"), "") if c.get("field") in labels.NUMBER_FIELDS else ""}
        for c in source.get("conflicts", [])
        if isinstance(c, dict)
    ]
    pairs = NearDuplicate.objects.filter(Q(a=photo) | Q(b=photo)).select_related("a__item", "b__item")
    near = [
        {"other": pair.b if pair.a_id == photo.pk else pair.a, "distance": pair.distance,
         "status": labels.NEAR_DUPLICATE_STATUS.get(pair.status, pair.status)}
        for pair in pairs.order_by("distance", "pk")
    ]
    return {
        "numbers": numbers,
        "conflicts": conflicts,
        "near_duplicates": near,
        "exif_json": json.dumps(photo.exif, indent=1, ensure_ascii=False, sort_keys=True)
        if private and photo.exif else "",
    }


def _details(details) -> str:
    return json.dumps(details, ensure_ascii=False, sort_keys=True)
