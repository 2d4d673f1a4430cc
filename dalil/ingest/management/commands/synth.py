import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dalil.ingest import synth


class Command(BaseCommand):
    help = "Write a non-graphic synthetic archive shaped like the Caesar photos, for demos, tests and benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("outdir", help="an empty or new folder")
        parser.add_argument("--bodies", type=int, required=True, help="how many bodies (3-20 photos each, most 4-5)")
        parser.add_argument("--seed", type=int, default=0, help="same seed, same bytes")
        parser.add_argument("--megapixels", type=float, default=8.0, help="photo size (default 8)")
        parser.add_argument("--workers", type=int, default=None, help="processes drawing photos (default: CPUs)")
        parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")

    def handle(self, *args, **opts):
        out = Path(opts["outdir"])
        if opts["bodies"] < 1:
            raise CommandError("--bodies must be at least 1")
        if opts["megapixels"] <= 0 or opts["megapixels"] > 100:
            raise CommandError("--megapixels must be more than 0 and at most 100")
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise CommandError(f"{out} exists and is not an empty folder: choose a new one")
        summary = synth.synthesize(out, bodies=opts["bodies"], seed=opts["seed"], megapixels=opts["megapixels"],
                                   workers=opts["workers"])
        if opts["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            return
        photos = out / synth.PHOTOS_DIR
        self.stdout.write(
            f"wrote {summary['photos']:,} photos of {summary['bodies']:,} bodies to {photos} "
            f"({summary['bytes'] / 1e6:,.1f} MB in {summary['seconds']:.1f} s)\n"
            f"  exact duplicates {summary['exact_duplicates']}, near duplicates {summary['near_duplicates']}, "
            f"corrupt {summary['corrupt']}\n"
            f"  sidecar {out / synth.SIDECAR_CSV} (and .xlsx); ground truth in {out / synth.MANIFEST}\n"
            "Ingest it with:\n"
            f"  dalil ingest {photos} --collection synthetic --sidecar {out / synth.SIDECAR_CSV} \\\n"
            f"      --pattern '{synth.PATH_PATTERN}'"
        )
