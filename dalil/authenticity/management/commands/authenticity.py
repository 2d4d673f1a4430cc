import json
import sys

from django.core.management.base import BaseCommand, CommandError

from dalil.evidence.collection_names import check_collection_option


class Command(BaseCommand):
    help = ("Authenticity checks: `check` examines photos not examined yet (safe to run again); "
            "`report` prints what they found.")

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{check,report}")
        check = actions.add_parser("check", help="examine every photo not examined yet, then compare collections")
        check.add_argument("--collection", help="only photos of this collection")
        check.add_argument("--json", action="store_true", help="print one JSON summary object and nothing else")
        report = actions.add_parser("report", help="counts per check and camera, and each photo's flags")
        report.add_argument("--collection", required=True, help="the collection to report on")
        report.add_argument("--json", action="store_true", help="print one JSON object and nothing else")

    def handle(self, *args, **opts):
        check_collection_option(opts["collection"])
        if opts["action"] == "check":
            return self._check(opts)
        return self._report(opts)

    def _check(self, opts):
        from dalil.authenticity.stage import check_photos
        from dalil.authenticity.progress import ProgressBar

        bar = ProgressBar() if not opts["json"] and sys.stderr.isatty() else None
        try:
            summary = check_photos(opts["collection"], progress=bar)
        finally:
            if bar:
                bar.close()
        if opts["json"]:
            self.stdout.write(json.dumps(summary.as_dict(), ensure_ascii=False))
        else:
            s = summary
            self.stdout.write(
                f"authenticity{f' in collection {s.collection!r}' if s.collection else ''}\n"
                f"  photos examined  {s.checked:>8,}  ({s.already_checked:,} examined before)\n"
                f"  flagged          {s.flagged:>8,}  (of all examined; a flag is a reason to look, not a verdict)\n"
                f"  could not check  {s.failed:>8,}\n"
                f"  in {s.seconds:.1f} s ({s.ms_per_photo:.0f} ms a photo)")
            for problem in s.problems:
                self.stdout.write(self.style.WARNING(f"  ! {problem}"))
        if summary.failed:
            raise CommandError(f"{summary.failed} photo(s) could not be checked; see the problems above")

    def _report(self, opts):
        from dalil.authenticity.report import collection_report

        report = collection_report(opts["collection"])
        if opts["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
            return
        self.stdout.write(f"collection {report['collection']!r}: {report['photos_examined']:,} photos examined, "
                          f"{report['photos_flagged']:,} flagged, {report['photos_not_checked']:,} not examined yet")
        for check, count in report["flagged_by_check"].items():
            self.stdout.write(f"  {check:16} {count:>7,}")
        for photo in report["photos"]:
            if photo["flags"]:
                self.stdout.write(f"  {photo['path']}  {', '.join(photo['reasons'])}")

