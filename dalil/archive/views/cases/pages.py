"""The case pages: the list with its filters, and one case with its photos, findings and history."""

from django.core.paginator import Paginator
from django.db.models import Count
from django.db.models.functions import Length
from django.shortcuts import render
from django.utils.translation import gettext as _, ngettext
from django.views.decorators.http import require_safe

from dalil.archive.commitments import registry as commitments
from dalil.archive.grouping import reason_text
from dalil.archive.models import BodyCase
from dalil.archive.views.access import query_without, wants_thumbnails
from dalil.archive.views.cases.access import get_case_for_user, may_change, viewer_required
from dalil.archive.views.cases.forms import (
    ACTIONS, CATEGORIES, CODES, FIELDS, SEXES, CaseFilter, CaseForm, CodeForm, MergeForm,
)
from dalil.exchange.display import victim_entries
from dalil.lib.roles import Role, has_role

CASES_PER_PAGE = 50
CHANGES_ON_PAGE = 200


@viewer_required
@require_safe
def cases(request):
    form = CaseFilter(request.GET)
    rows = form.apply(BodyCase.objects.filter(merged_into__isnull=True)).annotate(n_photos=Count("photos")).order_by(
        Length("branch"), "branch", Length("exam_no"), "exam_no", "pk")
    page = Paginator(rows, CASES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "archive/case_list.html", {
        "form": form,
        "page": page,
        "rows": [(c, CATEGORIES.get(c.category, c.category)) for c in page.object_list],
        "query": query_without(request, "page"),
        "filtered": form.is_valid() and any(form.cleaned_data.values()),
    })


@viewer_required
@require_safe
def case(request, pk):
    return render_case(request, get_case_for_user(request, pk))


def render_case(request, case, status=200, **forms):
    """The case page; the action views pass a bound form with errors to show it again."""
    photos = case.photos.select_related("item").order_by("photo_date", "sequence", "item__sha256")
    injuries = case.injuries.select_related("coded_by").order_by("code")
    changes = list(case.changes.all()[:CHANGES_ON_PAGE])
    writable = may_change(request.user) and case.merged_into_id is None
    context = {
        "case": case,
        "category": CATEGORIES.get(case.category, case.category),
        "sex": SEXES.get(case.sex, case.sex),
        "photos": photos,
        "injuries": [(i, CODES.get(i.code, i.code)) for i in injuries],
        "reasons": [reason_text(r) for r in case.review_reasons],
        "changes": [(c, ACTIONS.get(c.action, c.action), describe_change(c)) for c in changes],
        "changes_cut": case.changes.count() > CHANGES_ON_PAGE,
        "may_change": may_change(request.user),
        "writable": writable,
        "may_export": has_role(request.user, Role.ARCHIVIST, Role.ADMIN),
        "show_thumbnails": wants_thumbnails(request),
        "case_form": forms.get("case_form") or CaseForm.for_case(case),
        "code_form": forms.get("code_form") or CodeForm(),
        "merge_form": forms.get("merge_form") or MergeForm(),
        "victim_entries": victim_entries(case),  # rows of the files detailing the victims (dalil.exchange)
        # claims and identifications on the case (dalil.archive.commitments), before anyone merges or splits it
        "commitments": commitments.on(case) if case.merged_into_id is None else [],
    }
    return render(request, "archive/case_detail.html", context, status=status)


def _shown(name: str, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if name == "merged_into":
        return f"#{value}"
    if name == "category":
        return str(CATEGORIES.get(value, value))
    if name == "sex":
        return str(SEXES.get(value, value))
    return str(value)


def describe_change(change) -> list[str]:
    """What a CaseChange did, in a few translated lines."""
    before, after, lines = change.before or {}, change.after or {}, []
    if change.action == "undone":
        lines.append(_("undid change #%(change)s") % {"change": after.get("undoes")})
    if after.get("created"):
        lines.append(_("case created"))
    old_fields = before.get("fields") or {}
    for name, value in (after.get("fields") or {}).items():
        if after.get("created") and value in (None, "", False, []):
            continue  # a new case's empty fields say nothing
        if name == "review_reasons":
            known = old_fields.get(name) or []
            lines += [_("flagged: %(reason)s") % {"reason": reason_text(r)} for r in value or [] if r not in known]
            continue
        lines.append(_("%(field)s: %(before)s → %(after)s") % {
            "field": FIELDS.get(name, name), "before": _shown(name, old_fields.get(name)),
            "after": _shown(name, value)})
    moves = {}
    for pk, to_case in (after.get("photos") or {}).items():
        key = ((before.get("photos") or {}).get(pk), to_case)
        moves[key] = moves.get(key, 0) + 1
    for (from_case, to_case), n in sorted(moves.items(), key=lambda m: str(m[0])):
        lines.append(ngettext("%(n)s photo moved from %(from)s to %(to)s",
                              "%(n)s photos moved from %(from)s to %(to)s", n) % {
            "n": n, "from": f"#{from_case}" if from_case else _("no case"),
            "to": f"#{to_case}" if to_case else _("no case")})
    for joined in after.get("joined") or []:
        lines.append(_("photo %(photo)s placed here as a near duplicate of photo %(other)s (distance %(distance)s)") % {
            "photo": joined["photo"][:12], "other": joined["near_duplicate_of"][:12], "distance": joined["distance"]})
    if after.get("note") and "injury" not in after:
        lines.append(_("note: %(note)s") % {"note": after["note"]})
    for kept in after.get("kept") or []:
        lines.append(_("carried over: %(what)s") % {"what": kept.get("text", "")})
    if "injury" in after or "injury" in before:
        code = CODES.get(after.get("code") or before.get("code"), "")
        if after.get("injury"):
            lines.append(_("coded: %(code)s") % {"code": code})
        elif before.get("injury"):
            lines.append(_("code removed: %(code)s") % {"code": code})
        note = (after.get("injury") or {}).get("note") or after.get("note")
        if note:
            lines.append(_("note: %(note)s") % {"note": note})
    return lines
