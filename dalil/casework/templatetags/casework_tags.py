"""Small pieces the casework pages share: who a report is assigned to (and the form to change it), and the
state of an identification in words that say who started it (the family's claim, a caseworker's proposal)."""

from django import template

from dalil.identification.labels import identification_label

register = template.Library()


@register.inclusion_tag("casework/_assignment_form.html", takes_context=True)
def assignment(context, report):
    from dalil.casework.views.access import CASEWORKERS
    from dalil.casework.views.reports_list import caseworkers
    from dalil.lib.roles import has_role

    request = context["request"]
    return {"report": report, "request": request, "csrf_token": context.get("csrf_token"),
            "may_assign": has_role(request.user, *CASEWORKERS), "caseworkers": caseworkers() if
            has_role(request.user, *CASEWORKERS) else [], "here": request.get_full_path()}


@register.filter
def state_label(ident) -> str:
    """`{{ ident|state_label }}`: "the family's claim" or "a caseworker's proposal" while claimed, translated."""
    return identification_label(ident)


@register.inclusion_tag("casework/_side_by_side.html")
def side_by_side(ident):
    """The family's photo beside the case's best face crop; each picture is fetched (and audited) by its view."""
    from dalil.casework.views.side_by_side import best_face

    report = ident.report
    return {"ident": ident, "report": report, "has_photo": bool(report.photo_encrypted),
            "face": best_face(ident)}
