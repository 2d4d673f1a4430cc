"""A family's "search for me" request, marked done by a caseworker."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from dalil.casework.views.access import CASEWORKERS, casework_page, get_search_request_for_user
from dalil.identification.models import SearchRequest


@casework_page(*CASEWORKERS, post=True)
def search_request_done(request, pk):
    search = get_search_request_for_user(request, pk, write=True)
    if search.status != SearchRequest.Status.DONE:
        search.status = SearchRequest.Status.DONE  # the note is the family's words: left as they wrote it
        search.save(update_fields=["status"])
    messages.success(request, _("Search request marked as done."))
    return redirect("casework:report", reference=search.report.reference)
