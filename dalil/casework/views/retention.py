"""A caseworker records that the family was in touch: their contact details are kept for another period."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from dalil.audit.models import AuditEvent, audit
from dalil.casework.views.access import casework_page, get_report_for_user
from dalil.lib.roles import FAMILY_CONTACT


@casework_page(*FAMILY_CONTACT, post=True)
def renew_contact(request, reference):
    item = get_report_for_user(request, reference, write=True)
    back = reverse("casework:report", kwargs={"reference": item.reference}) + "#contact"
    if item.contact_erased_at is not None:
        messages.error(request, _("These contact details were already erased; there is nothing to renew. Ask the "
                                  "family for them again if they want to be contacted."))
        return redirect(back)
    item.record_contact()
    audit(request, AuditEvent.Action.CONTACT_RENEWED, f"report:{item.reference}",
          until=item.contact_expires_at.date().isoformat())
    messages.success(request, _("Recorded: the family's contact details are now kept until %(date)s.")
                     % {"date": formats.date_format(item.contact_expires_at, "Y-m-d")})
    return redirect(back)
