from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from dalil.evidence.models import Collection


@login_required
def collections(request):
    return render(request, "archive/collections.html", {"collections": Collection.objects.all()})
