"""What the exchange holds about a report or a body case, for the staff pages that show them (no contact details)."""

from django.db.models import Q

from dalil.exchange.models import PfifRecord, TableReport, VictimListEntry

SHOWN = 50


def report_sources(report) -> dict:
    """Where a report came from: its PFIF record (source, notes) and/or the spreadsheet row that made it."""
    record = PfifRecord.objects.filter(report=report, origin=PfifRecord.Origin.IMPORTED).select_related(
        "first_run", "last_run").first()
    table_row = TableReport.objects.filter(report=report).select_related("first_run", "last_run").first()
    out = {"pfif": None, "table_row": table_row}
    if record is not None:
        f = record.fields or {}
        out["pfif"] = {
            "record": record,
            "source_name": f.get("source_name", ""), "source_date": f.get("source_date", record.source_date),
            "source_url": f.get("source_url", ""),
            "source_link": f.get("source_url", "").lower().startswith(("https://", "http://")),
            "entry_date": f.get("entry_date", ""),
            "notes": [{"note": n, "status": n.status, "text": (n.fields or {}).get("text", ""),
                       "source_date": n.source_date, "found": (n.fields or {}).get("found", ""),
                       "last_known_location": (n.fields or {}).get("last_known_location", "")}
                      for n in record.notes.all()[:SHOWN]],
        }
    return out


def victim_entries(case) -> list:
    """Rows of the files detailing the victims linked to this case, then rows naming its numbers left for an analyst."""
    related = Q(case=case)
    if case.exam_no:
        related |= Q(case__isnull=True, exam_no=case.exam_no)
    if case.branch and case.detainee_no:
        related |= Q(case__isnull=True, branch=case.branch, detainee_no=case.detainee_no)
    rows = VictimListEntry.objects.filter(related).select_related("run").order_by("-case_id", "run_id", "row_number")
    return list(rows[:SHOWN])

