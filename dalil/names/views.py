"""Staff pages: name search over every record that carries a name, and the review of possible duplicates.

Families never see any of this: a family's pages show their own report only,
and a link between two reports is never shown to either family.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from dalil.audit.models import AuditEvent, audit
from dalil.lib.roles import CASEWORK, FAMILY_CONTACT, has_role, require_role
from dalil.names.duplicates import decide as decide_pair
from dalil.names.index import search as search_names
from dalil.names.models import DuplicateCandidate, NameRecord

MAX_QUERY = 200
DECISIONS = {"link": DuplicateCandidate.State.LINKED, "distinct": DuplicateCandidate.State.DISTINCT,
             "reopen": DuplicateCandidate.State.OPEN}


def get_candidate_for_user(request, pk, write: bool = False) -> DuplicateCandidate:
    if not has_role(request.user, *FAMILY_CONTACT):
        raise PermissionDenied
    try:
        return DuplicateCandidate.objects.select_related("first", "second").get(pk=int(pk))
    except (DuplicateCandidate.DoesNotExist, TypeError, ValueError):
        raise Http404("no such pair") from None


def _private(response):
    patch_cache_control(response, private=True, no_store=True, max_age=0)
    return response


@require_role(*CASEWORK)
@require_safe
def search(request):
    query = (request.GET.get("q") or "").strip()[:MAX_QUERY]
    sources = [s for s in request.GET.getlist("source") if s in NameRecord.Source.values]
    hits = None
    if query:
        hits = search_names(query, limit=50, sources=sources or None)
        audit(request, AuditEvent.Action.NAME_SEARCH, "names:search", results=len(hits), sources=sources)
    return _private(render(request, "names/search.html", {
        "query": query, "hits": hits, "sources": NameRecord.Source.choices, "chosen": sources,
    }))


@require_role(*FAMILY_CONTACT)
@require_safe
def duplicates(request):
    state = request.GET.get("state") or DuplicateCandidate.State.OPEN
    if state not in DuplicateCandidate.State.values:
        state = DuplicateCandidate.State.OPEN
    pairs = DuplicateCandidate.objects.filter(state=state).select_related("first", "second")[:200]
    return _private(render(request, "names/duplicates.html", {
        "pairs": pairs, "state": state, "states": DuplicateCandidate.State.choices,
    }))


@require_role(*FAMILY_CONTACT)
@require_safe
def duplicate(request, pk):
    pair = get_candidate_for_user(request, pk)
    return _private(render(request, "names/duplicate.html", {"pair": pair, "reports": [pair.first, pair.second]}))


@require_role(*FAMILY_CONTACT)
@require_POST
def decide(request, pk):
    pair = get_candidate_for_user(request, pk, write=True)
    state = DECISIONS.get(request.POST.get("decision", ""))
    if state is None:
        return _private(render(request, "names/duplicate.html", {
            "pair": pair, "reports": [pair.first, pair.second],
            "error": _("Choose whether the two reports are the same person, different people, or undecided."),
        }, status=400))
    decide_pair(request, pair, state, note=(request.POST.get("note") or "").strip()[:2000])
    return redirect("names:duplicate", pk=pair.pk)
