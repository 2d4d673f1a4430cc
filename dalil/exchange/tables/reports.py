"""Rows of a spreadsheet of missing-person reports: what each would do, then doing it.

A row is known again by its own id column (external_id) when the file has one,
else by its values: re-importing a file creates nothing new, and a row whose id
is known but whose values changed updates that report. Each new report gets a
reference and a follow-up digest like a portal report (the link itself is given
by a caseworker, "issue a new link"), its contact details encrypted, and lands
in the casework queue as "received".
"""

import datetime

from dalil.exchange import common
from dalil.exchange.models import TableReport
from dalil.exchange.tables.plan import RowPlan
from dalil.exchange.tables.values import RowError, as_partial, clean_row, digest, split_names
from dalil.identification.models import MissingPersonReport as Report
from dalil.lib.arabic import normalize_arabic
from dalil.lib.dates import written

PLAIN = ("sex", "home_town", "arrest_place", "arresting_branch", "last_detention_place", "distinguishing_marks",
         "chronic_illnesses", "reporter_relationship")
PRIVATE = ("reporter_name", "reporter_phone", "reporter_email")


def report_values(values: dict) -> dict:
    """Values as MissingPersonReport fields (contact details still in clear: set_private encrypts them)."""
    out = split_names(values)
    for name in PLAIN + PRIVATE:
        if name in values:
            out[name] = str(values[name])
    for name in ("birth_date", "arrest_date"):
        if name in values:
            out[name] = values[name]  # "1979", "2012-11" or "2012-11-05": _fill sets the precision from it
            out[f"{name}_approximate"] = bool(values.get(f"{name}_approximate"))
    if "age_at_arrest" in values:
        out["age_at_arrest"] = values["age_at_arrest"]
    if out.get("arresting_branch", "").isdigit():
        out["arresting_branch"] = out["arresting_branch"].lstrip("0") or "0"
    return out


def _limit(name: str, value):
    limit = Report._meta.get_field(name).max_length
    return value[:limit] if isinstance(value, str) and limit else value


def plan_rows(table, mapping) -> list[RowPlan]:
    plans, seen = [], {}
    for number, cells in table.rows:
        try:
            values = clean_row(cells, mapping.columns)
        except RowError as exc:
            plans.append(RowPlan(number, "invalid", [str(exc)]))
            continue
        fields = report_values(values)
        if not (fields.get("first_name_ar") or fields.get("first_name_latin")):
            plans.append(RowPlan(number, "invalid", ["no name: the missing person's name is empty"]))
            continue
        external = values.get("external_id", "")
        key = digest({"id": external}) if external else digest({"values": fields})
        plan = RowPlan(number, "create", [], values=fields, key=key, external_id=external,
                       target=values.get("full_name") or fields.get("first_name_ar") or fields["first_name_latin"])
        if key in seen:
            plan.action, plan.reasons = "skip", [f"the same {'id' if external else 'row'} as row {seen[key]}"]
            plans.append(plan)
            continue
        seen[key] = number
        known_row = TableReport.objects.select_related("report").filter(key=key).first()
        if known_row is not None:
            ref = known_row.report.reference
            if known_row.values_digest == digest(fields):
                plan.action, plan.reasons, plan.target = "skip", [f"already imported: report {ref}, unchanged"], ref
            else:
                changed = _changed(known_row.report, fields)
                plan.action, plan.target = "update", ref
                plan.reasons = [f"report {ref}: {', '.join(changed) or 'contact details'} changed"]
        else:
            plan.reasons = _possible_duplicates(fields)
        plans.append(plan)
    return plans


def _shown(report: Report, name: str) -> str:
    """A report's date as the table writes it, at its precision: 1979, 2012-11 or 2012-11-05."""
    return written(getattr(report, name), getattr(report, f"{name}_precision", "day"))


def _changed(report: Report, fields: dict) -> list[str]:
    out = []
    for name, value in fields.items():
        current = getattr(report, name, None) if name not in PRIVATE else None
        if isinstance(current, datetime.date):
            current = _shown(report, name)
        if name not in PRIVATE and current != value:
            out.append(name)
    return out


def _possible_duplicates(fields: dict) -> list[str]:
    """Reports that look like the same person: said, never merged (two relatives may report one person)."""
    first, family = fields.get("first_name_ar", ""), fields.get("family_name_ar", "")
    if not (first and family):
        return []
    candidates = Report.objects.filter(family_name_ar__icontains=family[-3:])
    hits = [r.reference for r in candidates[:500]
            if normalize_arabic(r.first_name_ar) == normalize_arabic(first)
            and normalize_arabic(r.family_name_ar) == normalize_arabic(family)
            and (not fields.get("arrest_date") or not r.arrest_date or _shown(r, "arrest_date") == fields["arrest_date"])]
    return [f"looks like report {', '.join(hits[:3])} (same name): created anyway, for a caseworker to check"] \
        if hits else []


def _fill(report: Report, fields: dict, consents: dict | None) -> None:
    for name, value in fields.items():
        if name in PRIVATE:
            continue
        if name in ("birth_date", "arrest_date"):
            value, precision = as_partial(value)
            setattr(report, f"{name}_precision", precision)
        setattr(report, name, _limit(name, value))
    if consents is not None:
        for name, allowed in consents.items():
            setattr(report, name, allowed)
    report.set_private(name=fields.get("reporter_name", ""), phone=fields.get("reporter_phone", ""),
                       email=fields.get("reporter_email", ""), photo=report.photo)
    names = " ".join(v for k, v in fields.items() if k.endswith("_ar"))
    report.language = "ar" if names else "en"


def apply_rows(plans: list[RowPlan], run, consents: dict, actor: str) -> None:
    for plan in plans:
        if plan.action == "create":
            report = Report()
            _, report.followup_digest = Report.issue_followup_token()
            _fill(report, plan.values, consents)
            report.save()
            TableReport.objects.create(key=plan.key, external_id=plan.external_id[:200], report=report,
                                       values_digest=digest(plan.values), first_run=run, last_run=run,
                                       row_number=plan.row)
            plan.target = report.reference
            common.record_audit(common.IMPORTED, f"report:{report.reference}", actor, run=run.pk, row=plan.row)
        elif plan.action == "update":
            row = TableReport.objects.select_related("report").get(key=plan.key)
            _fill(row.report, plan.values, None)
            row.report.save()
            row.values_digest, row.last_run, row.row_number = digest(plan.values), run, plan.row
            row.save()
            common.record_audit(common.IMPORTED, f"report:{row.report.reference}", actor, run=run.pk, row=plan.row,
                                updated=True)
