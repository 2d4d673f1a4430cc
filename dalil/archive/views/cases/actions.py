"""The changes an analyst makes to a case (all POST, CSRF-checked, each one a CaseChange)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dalil.archive.models import BodyCase
from dalil.archive.views.cases import edits
from dalil.archive.views.cases.access import analyst_required, get_case_for_user, get_change_for_user
from dalil.archive.views.cases.forms import CODES, CaseForm, CodeForm, MergeForm
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
    change = edits.update(case, form.values(), request.user.get_username())
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
    try:
        new = edits.split(case, ids, request.user.get_username())
    except edits.EditRefused as exc:
        messages.error(request, str(exc))
        return _back(case)
    messages.success(request, _("Split off into case #%(case)s; correct its numbers there.") % {"case": new.pk})
    return _back(case)


@analyst_required
@require_POST
def case_merge(request, pk):
    case, refused = _writable(request, pk)
    if refused:
        return refused
    form = MergeForm(request.POST)
    if not form.is_valid():
        return render_case(request, case, status=400, merge_form=form)
    try:
        target = get_case_for_user(request, form.cleaned_data["into"], write=True)
    except Http404:  # say it on the form rather than on a bare 404 page
        form.add_error("into", _("There is no case with that number."))
        return render_case(request, case, status=400, merge_form=form)
    try:
        edits.merge(case, target, request.user.get_username())
    except (edits.EditRefused, BodyCase.DoesNotExist) as exc:
        messages.error(request, str(exc))
        return _back(case)
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
    except edits.EditRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Change #%(change)s undone.") % {"change": change.pk})
    return _back(case)
