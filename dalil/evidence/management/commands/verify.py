import getpass
import json
import sys

from django.core.management.base import BaseCommand, CommandError

from dalil.evidence.collection_names import check_collection_option
from dalil.evidence.seals import SealError
from dalil.evidence.verify import verify


class Command(BaseCommand):
    help = ("Re-hash every stored original, look for stray and missing store files, and check the custody chain "
            "against its anchors and the seals against the instance's key and the custody log; exit 1 on any "
            "problem.")

    def add_arguments(self, parser):
        parser.add_argument("--collection", help="only this collection's files and seals (the chain is always whole)")
        parser.add_argument("--workers", type=int, default=4, help="parallel hashing threads")
        parser.add_argument("--anchors", action="append", default=[], metavar="FILE",
                            help="also compare with this copy of the custody anchor file (kept elsewhere); "
                                 "may be given more than once")
        parser.add_argument("--json", action="store_true", help="print one JSON report object")

    def handle(self, *args, **opts):
        check_collection_option(opts["collection"])
        try:
            report = verify(opts["collection"], opts["workers"], f"{getpass.getuser()} (cli)", opts["anchors"])
        except SealError as exc:
            raise CommandError(str(exc)) from None
        if opts["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
        else:
            self._print(report)
        if not report.ok:
            sys.exit(1)

    def _print(self, report):
        anchors = (f"compared with {report.anchors_checked:,} anchor(s) in {', '.join(report.anchor_files)}"
                   if report.anchors_checked else "no anchors to compare with")
        scope = f"collection {report.collection}" if report.collection else "the whole instance"
        self.stdout.write(
            f"verified {scope} at {report.home}\n"
            f"  stored files  {report.items_checked:,} re-hashed ({report.bytes_checked:,} bytes intact); "
            f"{report.store_objects:,} objects in the store\n"
            f"  custody log   {report.custody_rows:,} rows, {anchors}\n"
            f"  seals         {report.seals_checked} checked"
            + (f" against the instance's key {report.key_fingerprint}" if report.key_fingerprint else "")
        )
        for finding in report.findings:
            self.stdout.write(self.style.ERROR(f"  PROBLEM ({finding['check']}): {finding['message']}"))
        for note in report.notes:
            self.stdout.write(f"  note: {note}")
        self.stdout.write(self.style.SUCCESS("OK: everything verifies") if report.ok
                          else self.style.ERROR(f"FAILED: {len(report.problems)} problem(s)"))
