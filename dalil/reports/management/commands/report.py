"""`dalil report --collection NAME --lang ar|en --format pdf|html OUT`: the report document, recorded as an export."""

import getpass
import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dalil.evidence.collection_names import require_collection
from dalil.exports.profiles import PROFILES
from dalil.reports.document import DEFAULT_PHOTO_LIMIT, FORMATS, LANGUAGES, ReportError, Request, generate


class Command(BaseCommand):
    help = ("Write a report on a collection (scope and method, integrity statement with a fresh verify, tables and "
            "charts, findings, identification progress, an annex of cases) as PDF or HTML, recorded as an export. "
            "The fresh verify re-hashes every stored file of the collection (minutes to hours on a large archive); "
            "--no-verify states the last recorded `dalil verify` instead, and says so in the document.")

    def add_arguments(self, parser):
        parser.add_argument("out", type=Path, metavar="OUT", help="the file to write (e.g. report.pdf)")
        parser.add_argument("--collection", required=True, help="the collection the report is about")
        parser.add_argument("--lang", choices=LANGUAGES, default="ar", help="the report's language (default ar)")
        parser.add_argument("--format", choices=FORMATS,
                            help="pdf or html (default: from OUT's suffix, else pdf)")
        parser.add_argument("--profile", choices=list(PROFILES), default="prosecutor",
                            help="who it is for: prosecutor (default) or partner get every figure and the annex "
                                 "of cases; public gets aggregates only, small counts suppressed")
        parser.add_argument("--with-photos", action="store_true",
                            help="add one photograph per case (blurred previews); never under --profile public")
        parser.add_argument("--unblurred", action="store_true",
                            help="with --with-photos: unblurred thumbnails instead (prosecutor profile only)")
        parser.add_argument("--photo-limit", type=int, default=DEFAULT_PHOTO_LIMIT, metavar="N",
                            help=f"photographs for the first N cases of the annex (default {DEFAULT_PHOTO_LIMIT}; "
                                 "0: every case)")
        parser.add_argument("--no-verify", action="store_true",
                            help="do not re-hash the collection: state the most recent `dalil verify` from the custody "
                                 "log (its time and result, and whether files changed since), as the web form does")
        parser.add_argument("--actor", default="", help="who asks for it (default: the login name)")
        parser.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
        parser.add_argument("--json", action="store_true", help="print the result as one JSON object")

    def handle(self, *args, **opts):
        require_collection(opts["collection"])
        out: Path = opts["out"]
        fmt = opts["format"] or (out.suffix.lstrip(".").lower() if out.suffix.lower() in (".pdf", ".html") else "pdf")
        if out.exists() and not opts["force"]:
            raise CommandError(f"{out} exists: choose another file or add --force")
        if out.is_dir():
            raise CommandError(f"{out} is a folder: give a file name, e.g. {out / 'report.pdf'}")
        if opts["photo_limit"] < 0:
            raise CommandError("--photo-limit must be 0 (every case) or more")
        wanted = Request(collection=opts["collection"], lang=opts["lang"], format=fmt, profile=opts["profile"],
                         with_photos=opts["with_photos"], unblurred=opts["unblurred"],
                         photo_limit=opts["photo_limit"], actor=opts["actor"] or f"{getpass.getuser()} (cli)",
                         verify=not opts["no_verify"])
        began = time.monotonic()
        try:
            job = generate(wanted, out)
        except ReportError as exc:
            raise CommandError(str(exc)) from None
        summary = {"output": str(out.resolve()), "sha256": job.output_sha256, "size": job.output_size,
                   "job": job.pk, "format": fmt, "lang": wanted.lang, "profile": wanted.profile,
                   "seconds": round(time.monotonic() - began, 1), **job.summary}
        if opts["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            return
        mode = job.summary.get("verify", "fresh")
        if mode == "never":
            verified = "no verify was ever run: NOT CHECKED (run `dalil verify`, or drop --no-verify)"
        else:
            verified = ("every file matched" if job.summary["verified_ok"] else "PROBLEMS FOUND (see the report)")
            if mode == "recorded":
                verified = (f"last recorded verify ({job.summary['verified_at']}): {verified}"
                            + ("; files changed since, run `dalil verify`" if job.summary.get("verify_stale") else ""))
            else:
                verified = f"fresh verify: {verified}"
        self.stdout.write(
            f"wrote {summary['output']} ({fmt}, {wanted.lang}, {wanted.profile} profile, {job.output_size:,} bytes, "
            f"{summary['seconds']} s)\n"
            f"  sha256      {job.output_sha256}\n"
            f"  export job  #{job.pk}\n"
            f"  covers      {job.summary['photos']:,} photos, {job.summary['cases']:,} cases "
            f"({job.summary['annex_cases']:,} in the annex)\n"
            f"  integrity   {'sealed' if job.summary['sealed'] else 'NOT SEALED'}; {verified}"
            + (f"\n  photographs {len(job.summary['photographs'])} ({job.summary['photograph_kind']})"
               if wanted.with_photos else "")
        )
