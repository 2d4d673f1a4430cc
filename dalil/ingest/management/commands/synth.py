import json
import shlex
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dalil.ingest.synth import PATH_PATTERN, PHOTOS_DIR, SIDECAR_CSV, synthesize


class Command(BaseCommand):
    help = "Write a non-graphic synthetic photo archive shaped like the Caesar archive (demo, tests, benchmark)."
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("outdir", help="folder to create; must not exist or be empty")
        parser.add_argument("--bodies", type=int, required=True, help="number of bodies (at least 1)")
        parser.add_argument("--seed", type=int, default=0, help="random seed; same seed, same bytes (default 0)")
        parser.add_argument("--megapixels", type=float, default=8.0,
                            help="size of each photo, 4:3 (default 8: 3264x2448)")
        parser.add_argument("--workers", type=int, default=None, help="rendering processes (default: one per CPU)")
        parser.add_argument("--reports", type=int, default=0, metavar="PEOPLE",
                            help="also write reports.csv: missing-person reports of PEOPLE people, Syrian names in "
                                 "both scripts and spelling variants, some reported twice (known duplicates in "
                                 "manifest.json)")
        parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")

    def handle(self, *args, **options):
        outdir = Path(options["outdir"])
        if options["bodies"] < 1:
            raise CommandError("--bodies must be at least 1.")
        if options["megapixels"] <= 0:
            raise CommandError("--megapixels must be more than 0.")
        if options["workers"] is not None and options["workers"] < 1:
            raise CommandError("--workers must be at least 1.")
        if options["reports"] < 0:
            raise CommandError("--reports must be 0 or more.")
        if outdir.exists() and not outdir.is_dir():
            raise CommandError(f"{outdir} exists and is not an empty folder (it is a file); give a new folder.")
        if outdir.is_dir() and any(outdir.iterdir()):
            raise CommandError(
                f"{outdir} exists and is not an empty folder; give a new or empty one so nothing is overwritten.")

        show_progress = not options["json"] and options["verbosity"] >= 1
        bar = None

        def progress(done, total):
            nonlocal bar
            if not show_progress:
                return
            if bar is None:
                try:
                    from tqdm import tqdm
                except ImportError:
                    bar = False
                else:
                    bar = tqdm(total=total, unit="photo", desc="rendering", file=sys.stderr)
            if bar:
                bar.n = done
                bar.refresh()

        try:
            summary = synthesize(
                outdir,
                options["bodies"],
                seed=options["seed"],
                megapixels=options["megapixels"],
                workers=options["workers"],
                progress=progress,
            )
        except (FileExistsError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        finally:
            if bar:
                bar.close()

        if options["reports"]:
            from dalil.ingest.synth import write_reports

            summary["reports"] = write_reports(outdir, options["reports"], seed=options["seed"])
        photos = outdir / PHOTOS_DIR
        ingest = (
            f"dalil ingest {shlex.quote(str(photos))} --collection synthetic --pattern {shlex.quote(PATH_PATTERN)} "
            f"--sidecar {shlex.quote(str(outdir / SIDECAR_CSV))}"
        )
        summary["ingest_command"] = ingest
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            return
        mb = summary["bytes"] / 1e6
        self.stdout.write(
            f"Wrote {outdir}: {summary['bodies']} bodies, {summary['photos']} photos "
            f"({summary['originals']} originals, {summary['exact_duplicates']} exact duplicates, "
            f"{summary['near_duplicates']} near duplicates, {summary['corrupt']} corrupt), "
            f"{mb:,.1f} MB, {summary['width']}x{summary['height']} px, in {summary['seconds']:.1f} s.\n"
            f"Ground truth: {outdir / 'manifest.json'} (not to be ingested).\n"
            f"To ingest it:\n  {ingest}"
        )
        if options["reports"]:
            r = summary["reports"]
            self.stdout.write(f"Reports: {outdir / 'reports.csv'}: {r['reports']} reports of {r['people']} people, "
                              f"{r['duplicate_pairs']} known duplicate pairs (manifest.json).\n"
                              f"  dalil import table {outdir / 'reports.csv'} --kind reports")
