"""`dalil numbers reapply`: read the numbers of photos already stored again, and group them into cases.

It lives in ingest for now, beside the code that reads numbers from paths and sidecars (dalil.ingest.numbers);
reading the numbers written on the photos themselves (issue 14) may add subcommands here or move it.
"""

import getpass
import json

from django.core.management.base import BaseCommand, CommandError

from dalil.evidence.collection_names import require_collection
from dalil.ingest.numbers import NumbersError
from dalil.ingest.reapply import reapply_numbers


class Command(BaseCommand):
    help = ("Body numbers of stored photos: `reapply` reads them again with a corrected --pattern or --sidecar, "
            "logs each change in the custody log and groups the photos into cases.")

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{reapply}")
        reapply = actions.add_parser(
            "reapply", help="read the numbers of a collection's stored photos again and group them into cases",
            description="Read the numbers of every stored photo of a collection again, from the path it was first "
                        "ingested under and/or a sidecar, as `dalil ingest` does for new files; write the changes "
                        "(one custody row per photo), then group the photos into cases. Photos already in a case "
                        "are left there and listed when their numbers read now differ.")
        reapply.add_argument("--collection", required=True, help="the collection whose photos to read again")
        reapply.add_argument("--pattern", help="regex with named groups branch, detainee, exam, date, month, seq, "
                             "searched in each file's path inside its source (as for `dalil ingest`)")
        reapply.add_argument("--sidecar", help="CSV or XLSX detailing the victims, joined by file name or exam number")
        reapply.add_argument("--actor", default="", help="who runs it, for the custody log (default: the login name)")
        reapply.add_argument("--dry-run", action="store_true", help="count what would change, change nothing")
        reapply.add_argument("--json", action="store_true", help="print one JSON summary object and nothing else")

    def handle(self, *args, **opts):
        if not (opts["pattern"] or opts["sidecar"]):
            raise CommandError("give --pattern, --sidecar or both: where the numbers are to be read from",
                               returncode=2)
        require_collection(opts["collection"])
        try:
            summary = reapply_numbers(opts["collection"], opts["pattern"], opts["sidecar"],
                                      actor=opts["actor"] or f"{getpass.getuser()} (cli)", dry_run=opts["dry_run"])
        except NumbersError as exc:
            raise CommandError(str(exc)) from None
        if opts["json"]:
            self.stdout.write(json.dumps(summary.as_dict(), ensure_ascii=False, default=str))
            return
        s, g = summary, summary.grouping
        self.stdout.write(
            f"{'would read (dry run, nothing changed)' if s.dry_run else 'read'} the numbers of collection "
            f"{s.collection!r} again: {s.photos:,} stored photo(s)\n"
            + (f"  pattern matched  {s.pattern_matched:>8,}\n" if s.pattern else "")
            + (f"  sidecar matched  {s.sidecar_matched:>8,}  ({s.sidecar})\n" if s.sidecar else "")
            + f"  numbers changed  {s.changed:>8,}  (each in the custody log)\n"
            f"  unchanged        {s.unchanged:>8,}\n"
            f"  no numbers found {s.no_numbers:>8,}  (left as they were)\n"
            f"  in a case, differ{s.in_case_differs:>8,}  (left in their case)\n"
            f"  cases created    {g.get('cases_created', 0):>8,}\n"
            f"  photos grouped   {g.get('photos_assigned', 0):>8,}  "
            f"({g.get('left_unassigned', 0):,} left without a case)"
        )
        for entry in s.in_case:
            self.stdout.write(f"    case {entry['case']}: {entry['path']} reads {_numbers(entry['read'])}, "
                              f"kept {_numbers(entry['kept'])}")
        for note in s.notes:
            self.stdout.write(self.style.WARNING(f"  ! {note}"))


def _numbers(values: dict) -> str:
    return " / ".join(str(values.get(name) or "?") for name in ("branch", "detainee_no", "exam_no"))
