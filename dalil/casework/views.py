from django.http import HttpResponse

from dalil.lib.roles import Role, require_role


@require_role(Role.CASEWORKER, Role.REVIEWER)
def queue(request):
    return HttpResponse("queue")


@require_role(Role.CASEWORKER, Role.REVIEWER)
def figures(request):
    return HttpResponse("figures")
