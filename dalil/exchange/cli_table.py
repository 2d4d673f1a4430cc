"""`dalil import table FILE --kind reports|victims`: a CSV or XLSX sheet, mapped column by column."""

import json

from django.core.management.base import CommandError

from dalil.exchange import common
from dalil.exchange.tables.plan import RowPlan
from dalil.exchange.tables.run import TableImportError, import_table

HELP = "Import a CSV or XLSX sheet of missing-person reports or of victims (the files detailing the victims)."
SHOWN = 50


def add_arguments(parser):
    parser.add_argument("file", help="a .csv (UTF-8 or Windows Arabic) or .xlsx file; the first row names the columns")
    parser.add_argument("--kind", required=True, choices=["reports", "victims"],
                        help="reports: missing-person reports; victims: a list of the dead by their three numbers")
    parser.add_argument("--sheet", help="the XLSX sheet to read (default: the first)")
    parser.add_argument("--map", dest="mapping", metavar="'Header=field,...'",
                        help="override the automatic column mapping; 'Header=-' leaves a column out")
    parser.add_argument("--consent", action="append", default=[], choices=sorted(common.CONSENT_NAMES),
                        help="reports: what the families agreed to on paper (repeatable): contact, prosecutors, "
                             "other-bodies. Default: none")
    parser.add_argument("--dry-run", action="store_true", help="show the mapping and what each row would do; "
                        "write nothing")
    parser.add_argument("--actor", default="", help="who is importing (default: the login name)")
    parser.add_argument("--json", action="store_true", help="print one JSON summary object and nothing else")


def handle(command, opts) -> bool:
    """Import (or plan); True when some rows were invalid."""
    try:
        s = import_table(opts["file"], opts["kind"], common.default_actor(opts["actor"]), sheet=opts["sheet"],
                         overrides=opts["mapping"], dry_run=opts["dry_run"],
                         consents=common.consents_from(opts["consent"]))
    except TableImportError as exc:
        raise CommandError(str(exc)) from None
    invalid = s.counts.get("invalid", 0) > 0
    if opts["json"]:
        command.stdout.write(json.dumps(s.as_dict(), ensure_ascii=False))
        return invalid
    out = command.stdout
    out.write(f"{s.file} ({s.kind}{', sheet ' + s.sheet if s.sheet else ''}, {s.rows} rows, sha256 {s.sha256})"
              + ("  DRY RUN: nothing written" if s.dry_run else f"  import run {s.run}"))
    out.write("  column mapping (override with --map 'Header=field'):")
    for line in s.mapping:
        out.write(f"    {line}")
    counts = ", ".join(f"{n} {action}" for action, n in sorted(s.counts.items())) or "nothing"
    out.write(f"  rows: {counts}" + (f"; cases: {', '.join(f'{n} {m}' for m, n in sorted(s.matches.items()))}"
                                      if s.matches else ""))
    shown = s.plans
    for plan in shown[:SHOWN]:
        line = RowPlan(**{k: v for k, v in plan.items()}).line()
        out.write(command.style.WARNING(f"  ! {line}") if plan["action"] == "invalid" else f"  {line}")
    if len(shown) > SHOWN:
        out.write(f"  … and {len(shown) - SHOWN} more rows (--json lists them all)")
    return invalid
