"""The changes an analyst makes to a case (all POST, CSRF-checked, each one a CaseChange)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dalil.archive.commitments import CaseCommitted, registry as commitments
from dalil.archive.models import BodyCase
from dalil.archive.views.cases import edits
from dalil.archive.views.cases.access import analyst_required, get_case_for_user, get_change_for_user
from dalil.archive.views.cases.forms import CODES, CaseForm, CodeForm, MergeConfirmForm, MergeForm, SplitConfirmForm
from dalil.archive.views.cases.pages import render_case


def _back(case):
    return redirect(reverse("archive:case", args=[case.pk]))


def _writable(request, pk):
    """(case, None), or (case, a redirect saying why) when the case was merged away and takes no changes."""
    case = get_case_for_user(request, pk, write=True)
    if case.merged_into_id:
        messages.error(request, _("This case was merged into case #%(case)s; change that one instead.")
                       % {"case": case.merged_into_id})
        return case, _back(case)
    return case, None


@analyst_required
@require_POST
def case_update(request, pk):
    case, refused = _writable(request, pk)
    if refused:
        return refused
    form = CaseForm.for_case(case, request.POST)
    if not form.is_valid():
        return render_case(request, case, status=400, case_form=form)
    try:
        change = edits.update(case, form.values(), request.user.get_username())
    except edits.EditRefused as exc:
        messages.error(request, str(exc))
        return _back(case)
    if change is None:
        messages.info(request, _("Nothing changed."))
    else:
        messages.success(request, _("Saved; the change can be undone from the history below."))
    return _back(case)


@analyst_required
@require_POST
def case_code(request, pk):
    case, refused = _writable(request, pk)
    if refused:
        return refused
    form = CodeForm(request.POST)
    if not form.is_valid():
        return render_case(request, case, status=400, code_form=form)
    code, note = form.cleaned_data["code"], form.cleaned_data["note"].strip()
    try:
        if form.cleaned_data["remove"]:
            edits.remove_code(case, code, note, request.user)
            messages.success(request, _("Removed “%(code)s”.") % {"code": CODES[code]})
        else:
            edits.add_code(case, code, note, request.user)
            messages.success(request, _("Coded “%(code)s”.") % {"code": CODES[code]})
    except edits.EditRefused as exc:
        messages.error(request, str(exc))
    return _back(case)


@analyst_required
@require_POST
def case_split(request, pk):
    case, refused = _writable(request, pk)
    if refused:
        return refused
    ids = [int(v) for v in request.POST.getlist("photo") if v.isdigit()]
    form = SplitConfirmForm(request.POST) if request.POST.get("step") == "confirm" else None
    note = form.cleaned_data["note"] if form is not None and form.is_valid() else ""
    carry = bool(form is not None and form.is_valid() and form.cleaned_data["carry_over"])
    try:
        new = edits.split(case, ids, request.user.get_username(), note=note, carry_over=carry)
    except CaseCommitted as exc:
        # a page, not a message: the analyst reads what is committed, with links, and may keep it with a note
        return render(request, "archive/case_split_confirm.html", {
            "case": case, "photos": ids, "error": str(exc), "commitments": exc.commitments,
            "form": form or SplitConfirmForm(), "triple": edits.triple(case)}, status=400 if form is not None else 200)
    except edits.EditRefused as exc:
        messages.error(request, str(exc))
        return _back(case)
    messages.success(request, _("Split off into case #%(case)s. Families do not see it until you set its numbers "
                                "there.") % {"case": new.pk})
    return _back(case)


def _merge_page(request, case, target, form, error="", status=200):
    """The confirmation step of a merge: both cases' numbers, what is committed to them, a note."""
    differ = case.numbers != target.numbers
    context = {
        "case": case, "target": target, "form": form, "error": error, "differ": differ,
        "case_numbers": edits.triple(case), "target_numbers": edits.triple(target),
        "commitments": commitments.on(case), "target_commitments": commitments.on(target),
    }
    return render(request, "archive/case_merge_confirm.html", context, status=status)


@analyst_required
@require_POST
def case_merge(request, pk):
    """Two steps: the case page's form names the other case; a confirmation page asks for a note, shows both
    cases' numbers (to be confirmed when they differ) and what would be carried over. Without JavaScript."""
    case, refused = _writable(request, pk)
    if refused:
        return refused
    confirming = request.POST.get("step") == "confirm"
    form = (MergeConfirmForm if confirming else MergeForm)(request.POST)
    if not form.is_valid():
        if confirming:
            target = BodyCase.objects.filter(pk=request.POST.get("into") or 0).first() if \
                (request.POST.get("into") or "").isdigit() else None
            if target is not None:
                return _merge_page(request, case, target, form, status=400)
        return render_case(request, case, status=400, merge_form=form if not confirming else MergeForm(request.POST))
    try:
        target = get_case_for_user(request, form.cleaned_data["into"], write=True)
    except Http404:  # say it on the form rather than on a bare 404 page
        form = MergeForm(request.POST)
        form.is_valid()
        form.add_error("into", _("There is no case with that number."))
        return render_case(request, case, status=400, merge_form=form)
    if target.pk == case.pk or target.merged_into_id:
        messages.error(request, _("A case cannot be merged into itself.") if target.pk == case.pk else
                       _("Merge into a case that has not itself been merged (follow its “merged into” link)."))
        return _back(case)
    if not confirming:
        initial = {"into": target.pk, "numbers_case": edits.triple(case), "numbers_target": edits.triple(target)}
        return _merge_page(request, case, target, MergeConfirmForm(initial=initial))
    data = form.cleaned_data
    if not data["confirmed"]:
        return _merge_page(request, case, target, form, status=400, error=_(
            "Tick the box that names both cases to confirm the merge."))
    confirmed = (data["numbers_case"], data["numbers_target"])
    try:
        edits.merge(case, target, request.user.get_username(), note=data["note"], carry_over=data["carry_over"],
                    confirmed_numbers=confirmed)
    except (CaseCommitted, edits.EditRefused) as exc:
        case.refresh_from_db()
        target.refresh_from_db()
        fresh = MergeConfirmForm(initial={**data, "numbers_case": edits.triple(case),
                                          "numbers_target": edits.triple(target), "confirmed": False})
        return _merge_page(request, case, target, fresh, error=str(exc), status=409)
    messages.success(request, _("Case #%(case)s merged into this one; undo it from the history if it was wrong.")
                     % {"case": case.pk})
    return _back(target)


@analyst_required
@require_POST
def case_undo(request, pk):
    case = get_case_for_user(request, pk, write=True)
    change = get_change_for_user(request, case, request.POST.get("change"), write=True)
    try:
        edits.undo(change, request.user.get_username())
    except (CaseCommitted, edits.EditRefused) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Change #%(change)s undone.") % {"change": change.pk})
    return _back(case)
