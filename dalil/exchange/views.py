"""The import pages: upload a CSV or XLSX sheet, map its columns, see the dry run, confirm, read the summary.

The same code as `dalil import table` does the work (tables.run: read, map, plan,
apply); these pages only collect its choices. Who may import what:

- reports (missing-person reports): caseworkers and admins. The file holds
  families' names and contact details, and every report it creates lands in the
  caseworkers' queue; caseworkers already see such details (audited).
- victims (the files detailing the victims): archivists, analysts and admins.
  Archivists receive these files with the archives; analysts resolve the rows
  that do not match a body case. Nothing here changes a case: a row only links
  to the one case whose numbers agree, the others wait for an analyst.

Reviewers import nothing: they check the work of the others.

The uploaded file is kept between the steps encrypted and bound to the session
(dalil.exchange.uploads), and deleted once imported, cancelled, replaced, or
after two hours. The dry run writes nothing; the import writes one ImportRun,
its rows, and audit events (data_imported) with the user and their address.
"""

import hashlib
import json
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST, require_safe

from dalil.exchange import uploads
from dalil.exchange.forms import (CONSENT_LABELS, FIELD_LABELS, KIND_LABELS, REQUIRED_TEXT, LimitedMemoryUpload,
                                  MappingForm, SourceForm, UploadForm)
from dalil.exchange.models import ImportRun, TableReport
from dalil.exchange.tables import mapping as M
from dalil.exchange.tables.read import TableError, read_table, sheet_names
from dalil.exchange.tables.run import TableImportError, import_bytes
from dalil.lib import background
from dalil.lib.roles import Role, has_role, require_role

KIND_ROLES = {"reports": (Role.CASEWORKER, Role.ADMIN), "victims": (Role.ARCHIVIST, Role.ANALYST, Role.ADMIN)}
IMPORTERS = tuple(sorted({r for roles in KIND_ROLES.values() for r in roles}))
SHOWN_ROWS = 1000
SAMPLES = 3
RECENT = 20
LAST_RUN = "exchange_last_run"
ACTIONS = ("create", "update", "skip", "invalid")


def kinds_for(user) -> list[str]:
    return [kind for kind, roles in KIND_ROLES.items() if has_role(user, *roles)]


def max_bytes() -> int:
    return settings.EXCHANGE_MAX_UPLOAD_BYTES


def import_page(post=False):
    """Signed in with a role that imports something (anonymous -> login, others -> 403); never cached."""

    def decorate(view):
        inner = require_POST(view) if post else require_safe(view) if post is None else view

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            response = inner(request, *args, **kwargs)
            patch_cache_control(response, private=True, no_store=True, max_age=0)
            return response

        return require_role(*IMPORTERS)(wrapper)

    return decorate


def _suffix(state: dict) -> str:
    return ".xlsx" if state.get("format") == "xlsx" else ".csv"


def _fetch(request):
    """(state, file name, bytes) of this session's pending upload, or None (the reason already in messages)."""
    uploads.sweep()
    state = uploads.pending(request)
    if state is None:
        return None
    if state.get("kind") not in kinds_for(request.user):
        raise PermissionDenied
    try:
        name, raw = uploads.load(state["token"], request.user.pk)
    except uploads.UploadGone:
        uploads.clear_pending(request)
        messages.error(request, _("The uploaded file is no longer kept (it expired after two hours, or was imported "
                                  "or cancelled): upload it again."))
        return None
    return state, name, raw


def _read(state: dict, name: str, raw: bytes):
    return read_table(Path(name).with_suffix(_suffix(state)), raw, state.get("sheet") or None)


def _previewed_digest(state: dict) -> str:
    chosen = {k: state.get(k) for k in ("sha256", "kind", "sheet", "columns", "consents")}
    return hashlib.sha256(json.dumps(chosen, sort_keys=True).encode()).hexdigest()


def _recent(user):
    return ImportRun.objects.filter(kind__in=kinds_for(user))[:RECENT]


@csrf_exempt  # the check is made by _upload, after the file has been read into memory by LimitedMemoryUpload
@import_page()
def upload(request):
    request.upload_handlers = [LimitedMemoryUpload(request, max_bytes())]
    return _upload(request)


@csrf_protect
def _upload(request):
    kinds = kinds_for(request.user)
    if request.method == "POST":
        handler = request.upload_handlers[0]
        form = UploadForm(request.POST, request.FILES, kinds=kinds, limit=max_bytes(), too_large=handler.too_large)
        if form.is_valid():
            name = Path(form.cleaned_data["file"].name).name[:200] or "table"
            state = {"name": name, "format": form.format, "kind": form.cleaned_data["kind"], "sheet": "",
                     "sha256": hashlib.sha256(form.raw).hexdigest(), "size": len(form.raw)}
            try:
                if form.format == "xlsx":
                    state["sheet"] = sheet_names(form.raw)[0]
                _read(state, name, form.raw)
            except (TableError, IndexError) as exc:
                form.add_error("file", _("%(file)s: not a table dalil can read: %(reason)s") % {
                    "file": name, "reason": exc or _("no sheet")})
            else:
                uploads.clear_pending(request)
                state["token"] = uploads.save(form.raw, name, request.user.pk)
                uploads.set_pending(request, state)
                return redirect("exchange:mapping")
    else:
        form = UploadForm(kinds=kinds, limit=max_bytes())
    return render(request, "exchange/upload.html", {
        "form": form, "pending": uploads.pending(request), "limit_mb": max_bytes() // (1024 * 1024),
        "recent": _recent(request.user), "kind_labels": KIND_LABELS})


@import_page()
def mapping(request):
    fetched = _fetch(request)
    if fetched is None:
        return redirect("exchange:upload")
    state, name, raw = fetched
    kinds = kinds_for(request.user)
    sheets = sheet_names(raw) if state["format"] == "xlsx" else []
    source = SourceForm(initial={"kind": state["kind"], "sheet": state.get("sheet")}, kinds=kinds, sheets=sheets)
    if request.method == "POST" and request.POST.get("step") == "source":
        source = SourceForm(request.POST, kinds=kinds, sheets=sheets)
        if source.is_valid():
            state.update(kind=source.cleaned_data["kind"], sheet=source.cleaned_data.get("sheet") or "", columns=None,
                         previewed="")
            uploads.set_pending(request, state)
            return redirect("exchange:mapping")
    try:
        table = _read(state, name, raw)
    except TableError as exc:
        messages.error(request, _("%(file)s: not a table dalil can read: %(reason)s") % {"file": name, "reason": exc})
        return render(request, "exchange/mapping.html", {"state": state, "source": source, "form": None},
                      status=200)
    suggested = M.suggest(table.headers, state["kind"])
    chosen = {int(i): f for i, f in state["columns"].items()} if state.get("columns") else suggested
    samples = {i: [cells[i] for _n, cells in table.rows if i < len(cells) and cells[i]][:SAMPLES]
               for i in range(len(table.headers))} if state["kind"] == "victims" else {}
    kwargs = {"headers": table.headers, "kind": state["kind"], "samples": samples}
    consents = [k for k, v in (state.get("consents") or {}).items() if v]
    if request.method == "POST" and request.POST.get("step") != "source":
        form = MappingForm(request.POST, suggested=suggested, **kwargs)
        if form.is_valid():
            state.update(columns={str(i): f for i, f in form.cleaned_data["columns"].items()},
                         headers=[str(h) for h in table.headers],
                         consents=form.chosen_consents() if state["kind"] == "reports" else {}, previewed="")
            uploads.set_pending(request, state)
            return redirect("exchange:preview")
    else:
        form = MappingForm(initial={**{f"col_{i}": f for i, f in chosen.items()}, "consents": consents},
                           suggested=suggested, **kwargs)
        for i in range(len(table.headers)):
            form.fields[f"col_{i}"].initial = chosen.get(i, M.IGNORE)
    return render(request, "exchange/mapping.html", {
        "state": state, "source": source, "form": form, "rows": len(table.rows), "sheet": table.sheet,
        "required_text": REQUIRED_TEXT[state["kind"]], "unknown": [
            h for i, h in enumerate(table.headers) if i not in suggested and str(h).strip()]})


@import_page(post=None)
def preview(request):
    fetched = _fetch(request)
    if fetched is None:
        return redirect("exchange:upload")
    state, name, raw = fetched
    if not state.get("columns"):
        return redirect("exchange:mapping")
    try:
        summary = import_bytes(raw, Path(name).with_suffix(_suffix(state)), state["kind"],
                               request.user.get_username(), sheet=state.get("sheet") or None,
                               columns=state["columns"], dry_run=True, consents=state.get("consents") or {})
    except TableImportError as exc:
        messages.error(request, str(exc))
        return redirect("exchange:mapping")
    state["previewed"] = _previewed_digest(state)
    uploads.set_pending(request, state)
    show = request.GET.get("show", "")
    plans = [p for p in summary.plans if not show or p["action"] == show]
    return render(request, "exchange/preview.html", {
        "state": state, "summary": summary, "plans": plans[:SHOWN_ROWS], "cut": max(0, len(plans) - SHOWN_ROWS),
        "show": show, "actions": ACTIONS, "previewed": state["previewed"], "field_labels": FIELD_LABELS,
        "mapped": _mapped(state),
        "consents": [CONSENT_LABELS[k] for k, v in (state.get("consents") or {}).items() if v],
        "counts": [(a, summary.counts.get(a, 0)) for a in ACTIONS]})


def _mapped(state) -> list[tuple]:
    """(header, field label, field) for each imported column, in the file's order."""
    headers = state.get("headers") or []
    return [(headers[int(i)] if int(i) < len(headers) else f"#{int(i) + 1}", FIELD_LABELS.get(f, f), f)
            for i, f in sorted(state["columns"].items(), key=lambda kv: int(kv[0])) if f != M.IGNORE]


@import_page(post=True)
def confirm(request):
    fetched = _fetch(request)
    if fetched is None:
        return redirect("exchange:upload")
    state, name, raw = fetched
    if not state.get("previewed") or request.POST.get("previewed") != _previewed_digest(state) \
            or state["previewed"] != _previewed_digest(state):
        messages.error(request, _("The file or its mapping changed since this dry run: check the dry run again, then "
                                  "confirm."))
        return redirect("exchange:preview" if state.get("columns") else "exchange:mapping")
    # Applied in the background (dalil.jobs), from the encrypted upload, which the job deletes once imported.
    job_id = background.start(background.IMPORT_TABLE, request.user.get_username(), {
        "token": state["token"], "user": request.user.pk, "name": state["name"], "format": state.get("format"),
        "kind": state["kind"], "sheet": state.get("sheet") or "", "columns": state["columns"],
        "consents": state.get("consents") or {}, "sha256": state.get("sha256", ""),
        # the client's address for the import's audit rows (hashed there), dropped from the job once it ran
        "address": request.META.get("REMOTE_ADDR", "")}, request=request)
    request.session.pop(uploads.SESSION_KEY, None)  # the upload now belongs to the job, not to this session's steps
    messages.success(request, _("The import started as job %(job)s.") % {"job": job_id})
    return redirect("jobs:detail", pk=job_id)


@import_page(post=True)
def cancel(request):
    if uploads.pending(request):
        uploads.clear_pending(request)
        messages.success(request, _("Cancelled: the uploaded file was deleted."))
    return redirect("exchange:upload")


@import_page(post=None)
def done(request):
    run = ImportRun.objects.filter(pk=request.session.get(LAST_RUN) or 0, kind__in=kinds_for(request.user)).first()
    asked = request.GET.get("run", "")
    if asked.isdigit():  # from the import's job page (dalil.jobs): one's own imports only
        run = ImportRun.objects.filter(pk=int(asked), kind__in=kinds_for(request.user),
                                       actor=request.user.get_username()).first()
    if run is None:
        return redirect("exchange:upload")
    reports, victims = [], []
    if run.kind == "reports":
        reports = TableReport.objects.filter(last_run=run).select_related("report").order_by("row_number")[:SHOWN_ROWS]
    else:
        victims = run.victims.select_related("case").order_by("row_number")[:SHOWN_ROWS]
    counts = run.summary.get("counts", {})
    return render(request, "exchange/done.html", {
        "run": run, "counts": [(a, counts.get(a, 0)) for a in ACTIONS], "matches": run.summary.get("matches", {}),
        "invalid": run.summary.get("invalid", []), "rejections": run.rejections.count(),
        "reports": reports, "victims": victims,
        "may_casework": has_role(request.user, Role.CASEWORKER, Role.REVIEWER, Role.ADMIN)})
