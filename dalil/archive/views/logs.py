"""The lists staff work through: custody log, quarantine, near duplicates to review."""

import logging

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from dalil.archive.models import NearDuplicate
from dalil.archive.views import custody_details, labels
from dalil.archive.views.access import (
    SHA256,
    archive_page,
    get_near_duplicate_for_user,
    query_without,
    wants_thumbnails,
)
from dalil.archive.views.forms import CustodyFilter, QuarantineFilter
from dalil.evidence import custody as custody_log
from dalil.evidence.models import Collection, CustodyEvent, Sighting
from dalil.lib.roles import ARCHIVE_KEEPERS
from dalil.reports import labels as quarantine_labels  # the quarantine codes' words, shared with the report

log = logging.getLogger("dalil.archive")

EVENTS_PER_PAGE = 100
SIGHTINGS_PER_PAGE = 100
PAIRS_PER_PAGE = 24


def _collection_names():
    return list(Collection.objects.order_by("name").values_list("name", flat=True))


@archive_page(*ARCHIVE_KEEPERS)
@require_safe
def custody(request):
    form = CustodyFilter(request.GET, collections=_collection_names())
    events = CustodyEvent.objects.order_by("-seq")
    if form.is_valid():
        if form.cleaned_data["collection"]:
            events = events.filter(collection=form.cleaned_data["collection"])
        if form.cleaned_data["action"]:
            events = events.filter(action=form.cleaned_data["action"])
    item = request.GET.get("item", "")
    if SHA256.match(item):
        events = events.filter(item_sha256=item)
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    checked = request.GET.get("check") == "1"
    return render(request, "archive/custody.html", {
        "form": form,
        "page": page,
        "rows": [(e, labels.action(e.action), custody_details.fields(e.details)) for e in page.object_list],
        "item_filter": item if SHA256.match(item) else "",
        "query": query_without(request, "page"),
        "check_query": query_without(request, "page", "check"),
        "checked": checked,
        "problems": custody_log.check_chain() if checked else [],
    })


@archive_page(*ARCHIVE_KEEPERS)
@require_safe
def quarantine(request):
    codes = (Sighting.objects.filter(outcome=Sighting.Outcome.QUARANTINED).order_by("problem_code")
             .values_list("problem_code", flat=True).distinct())
    form = QuarantineFilter(request.GET, collections=_collection_names(), problem_codes=list(codes))
    rows = (Sighting.objects.filter(outcome=Sighting.Outcome.QUARANTINED)
            .select_related("acquisition__collection", "item").order_by("-pk"))
    if form.is_valid():
        if form.cleaned_data["collection"]:
            rows = rows.filter(acquisition__collection__name=form.cleaned_data["collection"])
        if form.cleaned_data["problem_code"]:
            rows = rows.filter(problem_code=form.cleaned_data["problem_code"])
    page = Paginator(rows, SIGHTINGS_PER_PAGE).get_page(request.GET.get("page"))
    for sighting in page.object_list:  # the code in words; ingest's reason (an English sentence) stays below it
        sighting.problem_label = quarantine_labels.label(quarantine_labels.QUARANTINE, sighting.problem_code)
    return render(request, "archive/quarantine.html", {
        "form": form,
        "page": page,
        "query": query_without(request, "page"),
    })


@archive_page(*ARCHIVE_KEEPERS)
@require_http_methods(["GET", "HEAD", "POST"])
def near_duplicates(request):
    if request.method == "POST":
        return _decide(request)
    pairs = (NearDuplicate.objects.filter(status=NearDuplicate.Status.PENDING)
             .select_related("a__item", "b__item").order_by("distance", "pk"))
    page = Paginator(pairs, PAIRS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "archive/near_duplicates.html", {
        "page": page,
        "query": query_without(request, "page"),
        "show_thumbnails": wants_thumbnails(request),
    })


def _decide(request):
    pair = get_near_duplicate_for_user(request, request.POST.get("pair"), write=True)
    decision = request.POST.get("decision")
    if decision not in (NearDuplicate.Status.SAME, NearDuplicate.Status.DIFFERENT):
        messages.error(request, _("Choose “same scene” or “different”."))
    else:
        # Only a pending pair is decided: two reviewers at once cannot overwrite each other.
        changed = NearDuplicate.objects.filter(pk=pair.pk, status=NearDuplicate.Status.PENDING).update(status=decision)
        if changed:
            log.info("near duplicate %s (%s / %s) marked %s by %s", pair.pk, pair.a.item.sha256,
                     pair.b.item.sha256, decision, request.user.get_username())
            messages.success(request, _("Pair marked “%(decision)s”.") % {
                "decision": labels.NEAR_DUPLICATE_STATUS[decision]})
        else:
            messages.info(request, _("Someone else already reviewed this pair."))
    page = request.POST.get("page", "")
    target = request.path + (f"?page={page}" if page.isdigit() else "")
    return redirect(target)
