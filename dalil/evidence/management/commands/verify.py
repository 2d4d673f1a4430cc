import getpass
import json
import sys

from django.core.management.base import BaseCommand, CommandError

from dalil.evidence.seals import SealError
from dalil.evidence.verify import verify


class Command(BaseCommand):
    help = "Re-hash every stored original and check the custody chain and the seals; exit 1 on any problem."

    def add_arguments(self, parser):
        parser.add_argument("--collection", help="only this collection's files and seals (the chain is always whole)")
        parser.add_argument("--workers", type=int, default=4, help="parallel hashing threads")
        parser.add_argument("--json", action="store_true", help="print one JSON report object")

    def handle(self, *args, **opts):
        try:
            report = verify(opts["collection"], opts["workers"], f"{getpass.getuser()} (cli)")
        except SealError as exc:
            raise CommandError(str(exc)) from None
        if opts["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
        else:
            self.stdout.write(
                f"checked {report.items_checked:,} stored files ({report.bytes_checked:,} bytes intact), "
                f"{report.custody_rows:,} custody rows, {report.seals_checked} seal(s)"
            )
            for problem in report.problems:
                self.stdout.write(self.style.ERROR(f"  PROBLEM: {problem}"))
            for note in report.notes:
                self.stdout.write(f"  note: {note}")
            self.stdout.write(self.style.SUCCESS("OK: everything verifies") if report.ok
                              else self.style.ERROR(f"FAILED: {len(report.problems)} problem(s)"))
        if not report.ok:
            sys.exit(1)
