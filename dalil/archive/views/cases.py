"""Body cases for staff: browse, filter, correct, split, merge (placeholder until the cases pages land)."""

from django.http import HttpResponse

from dalil.archive.views.access import staff_required


@staff_required
def cases(request):
    return HttpResponse("cases")
