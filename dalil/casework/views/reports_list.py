"""Every missing-person report, searchable and filtered, a page at a time; and who has each in hand.

The queue shows what waits; this list finds any report among thousands: by
reference or a name (Arabic or Latin, any part), status, arresting branch,
arrest dates, and the caseworker assigned. Assigning (to oneself or to another
caseworker, or back to nobody) is for caseworkers and is audited.
"""

import datetime

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from dalil.audit.models import AuditEvent, audit
from dalil.casework.views.access import CASEWORKERS, STAFF, casework_page, check, get_report_for_user
from dalil.identification.matching import branch_key
from dalil.identification.models import MissingPersonReport as Report
from dalil.lib.arabic import normalize_number
from dalil.lib.roles import has_role

PER_PAGE = 50
NAME_FIELDS = ("first_name_ar", "father_name_ar", "grandfather_name_ar", "family_name_ar", "mother_name_ar",
               "first_name_latin", "father_name_latin", "grandfather_name_latin", "family_name_latin",
               "mother_name_latin")


def caseworkers():
    """Active staff who may take a report in hand (caseworkers and admins)."""
    return (get_user_model().objects.filter(is_active=True, groups__name__in=CASEWORKERS).distinct()
            .order_by("username"))


def _date(text: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(normalize_number((text or "").strip()))
    except ValueError:
        return None


def filtered(request) -> tuple:
    """The reports matching the request's filters, and the filters as understood (for the form)."""
    got = request.GET
    found = Report.objects.select_related("assigned_to")
    chosen = {"q": (got.get("q") or "").strip(), "status": got.get("status") or "", "branch": "",
              "from": _date(got.get("from")), "to": _date(got.get("to")), "assigned": got.get("assigned") or ""}
    if chosen["q"]:
        words = chosen["q"].split()
        for word in words:
            match = Q(reference__icontains=word)
            for name in NAME_FIELDS:
                match |= Q(**{f"{name}__icontains": word})
            found = found.filter(match)
    if chosen["status"] in Report.Status.values:
        found = found.filter(status=chosen["status"])
    else:
        chosen["status"] = ""
    branch = (got.get("branch") or "").strip()
    if branch:
        chosen["branch"] = branch
        key = branch_key(branch)
        found = found.filter(Q(arresting_branch__icontains=key) | Q(arresting_branch__icontains=branch))
    if chosen["from"]:
        found = found.filter(arrest_date__gte=chosen["from"])
    if chosen["to"]:
        found = found.filter(arrest_date__lte=chosen["to"])
    if chosen["assigned"] == "me":
        found = found.filter(assigned_to=request.user)
    elif chosen["assigned"] == "none":
        found = found.filter(assigned_to__isnull=True)
    elif chosen["assigned"].isdigit():
        found = found.filter(assigned_to_id=int(chosen["assigned"]))
    else:
        chosen["assigned"] = ""
    return found.order_by("-created_at", "-pk"), chosen


@casework_page(*STAFF)
def reports(request):
    check(request)
    found, chosen = filtered(request)
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "casework/reports_list.html", {
        "page": page,
        "chosen": chosen,
        "query": query.urlencode() + "&" if query else "",
        "statuses": Report.Status.choices,
        "caseworkers": caseworkers(),
        "may_assign": has_role(request.user, *CASEWORKERS),
        "here": request.get_full_path(),
    })


@casework_page(*CASEWORKERS, post=True)
def assign(request, reference):
    item = get_report_for_user(request, reference, write=True)
    to = request.POST.get("to", "")
    if to == "me":
        person = request.user
    elif to in ("", "none"):
        person = None
    else:
        person = caseworkers().filter(pk=int(to)).first() if to.isdigit() else None
        if person is None:
            messages.error(request, _("Choose a caseworker from the list."))
            return _back(request, item)
    if item.assigned_to_id != (person.pk if person else None):
        before = item.assigned_to.get_username() if item.assigned_to else ""
        item.assigned_to = person
        item.save(update_fields=["assigned_to", "updated_at"])
        audit(request, AuditEvent.Action.REPORT_ASSIGNED, f"report:{item.reference}", before=before,
              after=person.get_username() if person else "")
    if person is None:
        messages.success(request, _("Report %(reference)s is no longer assigned.") % {"reference": item.reference})
    else:
        messages.success(request, _("Report %(reference)s is assigned to %(name)s.") % {
            "reference": item.reference, "name": person.get_username()})
    return _back(request, item)


def _back(request, item):
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect("casework:report", reference=item.reference)
