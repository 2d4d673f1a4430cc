"""dalil retention [--dry-run] [--json]: erase contact details past their period, drop old audit addresses."""

import json

from django.core.management.base import BaseCommand, CommandError

from dalil.identification import retention

SHOWN_ERRORS = 5


class Command(BaseCommand):
    help = ("Erase reporters' contact details and claim documents after DALIL_CONTACT_RETENTION_DAYS without "
            "contact (audited), and drop audit address hashes older than DALIL_AUDIT_IP_RETENTION_DAYS. "
            "Run it daily; --dry-run lists what is due.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="list what is due; change nothing")
        parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")

    def handle(self, *args, **options):
        summary = retention.run(apply=not options["dry_run"])
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
        else:
            self._print(summary)
        if summary["errors"]:
            raise CommandError(f"{len(summary['errors'])} report(s) could not be erased; the first: "
                               f"{summary['errors'][0]}. Run `dalil retention` again once it is fixed.")

    def _print(self, summary: dict) -> None:
        verb = ("erased", "dropped") if summary["applied"] else ("due for erasure", "due to be dropped")
        reports = summary["reports"]
        self.stdout.write(f"Contact details {verb[0]}: {len(reports)} report(s) with no contact for "
                          f"{summary['contact_retention_days']} days (last contact before "
                          f"{summary['contact_cutoff'][:10]}).")
        for entry in reports:
            held = [*entry["fields"], *([f"{entry['documents']} claim document(s)"] if entry["documents"] else [])]
            self.stdout.write(f"  {entry['reference']}  last contact {entry['last_contact'][:10]}  "
                              f"{', '.join(held)}")
        self.stdout.write(f"Audit address hashes {verb[1]}: {summary['audit_addresses']} (events before "
                          f"{summary['audit_ip_cutoff'][:10]}; the events themselves stay).")
        for error in summary["errors"][:SHOWN_ERRORS]:
            self.stderr.write(f"  failed: {error}")
        if not summary["applied"]:
            self.stdout.write("Nothing was changed (--dry-run). Run `dalil retention` to apply.")
