import getpass
import json

from django.core.management.base import BaseCommand
from django.utils import translation

from dalil.archive.grouping import group_photos, reason_text
from dalil.evidence.collection_names import check_collection_option


class Command(BaseCommand):
    help = "Put photos without a case into one body case per body, by examination, detainee number or near duplicate."

    def add_arguments(self, parser):
        parser.add_argument("--collection", default="", help="only photos of this collection (default: all)")
        parser.add_argument("--actor", default="", help="who groups, for the case history (default: the login name)")
        parser.add_argument("--dry-run", action="store_true", help="count what would be grouped, change nothing")
        parser.add_argument("--json", action="store_true", help="print one JSON summary object and nothing else")

    def handle(self, *args, **opts):
        name = check_collection_option(opts["collection"])
        summary = group_photos(name or None, actor=opts["actor"] or f"{getpass.getuser()} (cli)",
                               dry_run=opts["dry_run"])
        if opts["json"]:
            self.stdout.write(json.dumps(summary.as_dict(), ensure_ascii=False, default=str))
            return
        s = summary
        self.stdout.write(
            f"{'would group (dry run, nothing changed)' if opts['dry_run'] else 'grouped'} "
            f"{s.collection or 'all collections'}: {s.photos_without_case:,} photos had no case\n"
            f"  cases created     {s.cases_created:,}\n"
            f"  photos assigned   {s.photos_assigned:,} (by examination number {s.by_exam_no:,}, "
            f"by detainee number {s.by_detainee_no:,}, by near duplicate {s.by_near_duplicate:,})\n"
            f"  left unassigned   {s.left_unassigned:,} (no numbers and no near duplicate in a case)\n"
            f"  flagged           {s.flagged:,} cases need review"
        )
        for reason in s.reasons:
            self.stdout.write(f"    case {reason['case']}: {_describe(reason)}")
        if s.flagged and not opts["dry_run"]:
            self.stdout.write("Review flagged cases at /archive/cases/?review=yes; nothing was merged.")


def _describe(reason: dict) -> str:
    with translation.override("en"):  # the rest of the summary is English too
        return str(reason_text(reason))
