"""The figures as pages show them: each table (suppressed for the public) beside its chart, in the page's direction."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from dalil.reports import charts, labels
from dalil.reports.statistics import PROGRESS_SERIES, Figures

# Which tables a page shows, in order, with their chart kind and heading. Public pages leave out `staff_only`.
SECTIONS = [
    # name, chart, heading, column heading, staff_only
    ("cases_by_branch", "bar", gettext_noop("Bodies by branch"), gettext_noop("Branch"), False),
    ("photos_by_branch", "bar", gettext_noop("Photos by branch"), gettext_noop("Branch"), False),
    ("cases_by_period", "time", gettext_noop("Bodies by date of death or photography"), gettext_noop("Period"), False),
    ("photos_by_period", "time", gettext_noop("Photos by date"), gettext_noop("Period"), False),
    ("cases_by_category", "bar", gettext_noop("Bodies by category"), gettext_noop("Category"), False),
    ("injuries", "bar", gettext_noop("Injury codes: cases coded with each"), gettext_noop("Injury code"), False),
    ("coding", "bar", gettext_noop("Cases coded for injuries"), gettext_noop("Coding"), False),
    ("identifications_by_state", "bar", gettext_noop("Identifications by state"), gettext_noop("State"), True),
    ("near_duplicates", "bar", gettext_noop("Near-duplicate pairs"), gettext_noop("Review"), True),
    ("quarantine", "bar", gettext_noop("Quarantined files by reason"), gettext_noop("Reason"), True),
]


def chart_context(figures: Figures, rtl: bool, min_cell: int = 0) -> dict:
    """{"figures", "sections": [{name, heading, column, table, chart}], "public", "min_cell"} for a template.

    With `min_cell` (a public page or report), every table is suppressed and staff-only tables are left out.
    """
    sections = []
    for name, kind, heading, column, staff_only in SECTIONS:
        if min_cell and staff_only:
            continue
        table = figures.tables[name]
        if min_cell:
            table = table.protected(min_cell)
        title = _(heading)
        if not table.rows:
            chart = None
        elif kind == "time":
            chart = charts.column_series(table, title, rtl=rtl)
        else:
            chart = charts.bar_chart(table, title, rtl=rtl)
        sections.append({"name": name, "heading": title, "column": _(column), "table": table, "chart": chart,
                         "kind": kind})
    totals = totals_context(figures, min_cell)
    return {"figures": figures, "sections": sections, "totals": totals, "min_cell": min_cell,
            "suppressed": bool(min_cell)}


def progress_context(figures: Figures, rtl: bool) -> dict:
    """The identification progress chart (running totals) and its table (per month, and running totals)."""
    progress = figures.progress
    chart = charts.line_series(progress.months, progress.cumulative, {k: _(v) for k, v in labels.PROGRESS.items()},
                               _("Identification progress, running totals by month"), "chart-progress", rtl=rtl)
    rows = [{"month": m, **{n: progress.monthly[n][i] for n in PROGRESS_SERIES},
             **{f"{n}_total": progress.cumulative[n][i] for n in PROGRESS_SERIES}}
            for i, m in enumerate(progress.months)]
    return {"progress_chart": chart if progress.months else None, "progress_rows": rows}


def totals_context(figures: Figures, min_cell: int) -> list[dict]:
    """The headline numbers; for the public, only those that describe the archive, each suppressed if small."""
    counts = figures.counts
    items = [
        ("photos", _("Photos"), figures.photos, False),
        ("cases", _("Bodies (body cases)"), figures.cases, False),
        ("coded_cases", _("Cases coded for injuries"), counts["coded_cases"], False),
        ("confirmed", _("Identifications confirmed"), _row(figures, "identifications_by_state", "confirmed"), False),
        ("files", _("Stored files"), counts["files"], True),
        ("exact_copies", _("Exact copies (stored once)"), counts["exact_copies"], True),
        ("near_duplicate_pairs", _("Near-duplicate pairs"), counts["near_duplicate_pairs"], True),
        ("quarantined", _("Quarantined files"), counts["quarantined"], True),
        ("needs_review", _("Cases flagged for review"), counts["needs_review"], True),
        ("reports", _("Missing-person reports (all collections)"), counts["reports"], True),
        ("family_claims", _("Claims by families"), counts["family_claims"], True),
    ]
    out = []
    for key, label, value, staff_only in items:
        if min_cell and staff_only:
            continue
        text = f"{value:,}"
        if min_cell and 0 < value < min_cell:
            text = _("<%(n)s") % {"n": min_cell}
        out.append({"key": key, "label": label, "value": value, "text": text})
    return out


def _row(figures: Figures, table: str, key: str) -> int:
    return next((row.value for row in figures.tables[table].rows if row.key == key), 0)
