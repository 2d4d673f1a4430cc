"""The association's figures on one page (plain tables and CSS bars)."""

from django.shortcuts import render

from dalil.casework import figures as compute_figures
from dalil.casework.views.access import STAFF, casework_page, check


@casework_page(*STAFF)
def figures(request):
    check(request)
    return render(request, "casework/figures.html", compute_figures.compute())
