import getpass
import json
import sys

from django.core.management.base import BaseCommand, CommandError

from dalil.ingest.pipeline import IngestError, Options, ingest
from dalil.ingest.progress import ProgressBar

EXIT_QUARANTINED = 3


class Command(BaseCommand):
    help = "Ingest a folder, .zip or BagIt bag into a collection: hash, store, describe and log every file."
    epilog = (
        "Exit status: 0 all files ingested; 3 finished but some files were quarantined (see the summary); "
        "1 the run could not start (nothing recorded) or stopped on an error. Safe to run again: files already "
        "recorded are skipped (their numbers are not read again: `dalil numbers reapply` does that), and a killed "
        "run is finished by the next one, which says so (`dalil ingest-runs` lists the runs)."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.epilog = self.epilog
        return parser

    def add_arguments(self, parser):
        parser.add_argument("source", help="a folder, a .zip file, a BagIt bag (folder with bagit.txt) or one file")
        parser.add_argument("--collection", required=True, help="collection name, e.g. caesar-2013")
        parser.add_argument("--received-from", default="", help="who handed the source over")
        parser.add_argument("--medium", default="", help="what it came on, e.g. 'USB stick, 16 GB, serial …'")
        parser.add_argument("--pattern", help="regex with named groups branch, detainee, exam, date, month, seq, "
                            "searched in each file's path")
        parser.add_argument("--sidecar", help="CSV or XLSX detailing the victims, joined by file name or exam number")
        parser.add_argument("--workers", type=int, default=0, help="worker processes (default: one per CPU)")
        parser.add_argument("--actor", default="", help="who is running the ingest (default: the login name)")
        parser.add_argument("--json", action="store_true", help="print one JSON summary object and nothing else")

    def handle(self, *args, **opts):
        options = Options(
            collection=opts["collection"], received_from=opts["received_from"], medium=opts["medium"],
            pattern=opts["pattern"], sidecar=opts["sidecar"], workers=opts["workers"],
            actor=opts["actor"] or f"{getpass.getuser()} (cli)",
        )
        show_bar = not opts["json"] and sys.stderr.isatty()
        bar = ProgressBar() if show_bar else None
        try:
            summary = ingest(opts["source"], options, progress=bar)
        except IngestError as exc:
            raise CommandError(str(exc)) from None
        finally:
            if bar:
                bar.close()
        if opts["json"]:
            self.stdout.write(json.dumps(summary.as_dict(), ensure_ascii=False))
        else:
            self._print_summary(summary)
        if summary.quarantined_total:
            sys.exit(EXIT_QUARANTINED)

    def _print_summary(self, s):
        rate = s.bytes / s.seconds / 1e6 if s.seconds else 0
        self.stdout.write(
            f"{s.source} -> collection {s.collection!r} ({s.kind})\n"
            f"  files found      {s.files:>8,}\n"
            f"  already recorded {s.already_recorded:>8,}\n"
            f"  photos ingested  {s.ingested:>8,}\n"
            f"  other preserved  {s.preserved:>8,}\n"
            f"  exact duplicates {s.duplicates:>8,}  (stored once, every sighting kept)\n"
            f"  near duplicates  {s.near_duplicates:>8,}  (pairs linked for review)\n"
            f"  quarantined      {s.quarantined:>8,}  ({s.quarantined_total:,} in this source so far)\n"
            f"  new body cases   {s.cases:>8,}  (photos grouped by their numbers: `dalil group-cases`)\n"
            f"  bytes read       {s.bytes:>8,}  in {s.seconds:.1f} s ({rate:.1f} MB/s)"
        )
        if s.finished_interrupted:
            shown = ", ".join(f"#{pk}" for pk in s.finished_interrupted)
            self.stdout.write(f"  finished the work of interrupted run(s) {shown}: what they stored but had not "
                              "recorded was read and recorded again")
        for note in s.notes:
            self.stdout.write(self.style.WARNING(f"  ! {note}"))
        for problem in s.problems:
            self.stdout.write(self.style.WARNING(f"  ! {problem}"))
        if s.quarantined > len(s.problems):
            self.stdout.write(f"  … and {s.quarantined - len(s.problems)} more: see `dalil quarantine`")
