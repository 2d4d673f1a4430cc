"""`dalil export bag`: an evidence package of a case, a collection or a query, under an export profile."""

import getpass
import json
from pathlib import Path

from django.core.management.base import CommandError

from dalil.evidence.store import StoreError
from dalil.exports import profiles, scope as scopes
from dalil.exports.bags import ExportRefused, check_out, export_bag

HELP = "Write a BagIt evidence package (RFC 8493) of a case, a collection or a query."


def add_arguments(parser):
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--case", type=int, metavar="ID", help="one body case (its photos and reports)")
    what.add_argument("--collection", metavar="NAME", help="every stored file of a collection, and its cases")
    what.add_argument("--query", metavar="WORDS",
                      help="the cases the case list's filters select, e.g. \"branch=215 month=2012-05 "
                           f"category=custody\"; words: {', '.join(scopes.QUERY_WORDS)}")
    parser.add_argument("out", type=Path, metavar="OUT", help="a new (or empty) folder for the bag")
    parser.add_argument("--profile", default="prosecutor", choices=[p for p in profiles.PROFILES],
                        help="what may leave (default prosecutor): prosecutor = originals, full metadata and "
                             "consented reports; partner = identifying metadata removed, no contact details; "
                             "public = refused (aggregates only)")
    parser.add_argument("--recipient", default="", help="who receives the package (recorded on the job and in the bag)")
    parser.add_argument("--organization", default="", help="Source-Organization for bag-info.txt (the archive's name)")
    parser.add_argument("--actor", default="", help="who exports (default: the login name)")
    parser.add_argument("--json", action="store_true", help="print the job as one JSON object")


def handle(command, opts):
    try:
        check_out(opts["out"])
        if opts["case"] is not None:
            scope = scopes.for_case(opts["case"])
        elif opts["collection"]:
            scope = scopes.for_collection(opts["collection"])
        else:
            scope = scopes.for_query(opts["query"])
        job = export_bag(scope, opts["profile"], opts["actor"] or f"{getpass.getuser()} (cli)", out=opts["out"],
                         recipient=opts["recipient"], organization=opts["organization"])
    except (scopes.ScopeError, ExportRefused, profiles.ProfileError) as exc:
        raise CommandError(str(exc)) from None
    except StoreError as exc:
        raise CommandError(f"export failed, nothing was written: {exc}") from None
    summary = job.summary
    if opts["json"]:
        command.stdout.write(json.dumps({"job": job.pk, "status": job.status, "profile": job.profile,
                                         "scope": job.scope, "output": job.output,
                                         "output_sha256": job.output_sha256, "summary": summary}))
        return
    lines = [
        f"export job {job.pk} done: {job.output}",
        f"  profile      {job.profile}",
        f"  scope        {scope.label}",
        f"  files        {summary['items'] - summary['withheld']} ({summary['redacted']} redacted copies)"
        + (f", {summary['withheld']} withheld: metadata could not be removed" if summary["withheld"] else ""),
        f"  cases        {summary['cases']}, reports {summary['reports']}"
        + (f" ({summary['reports_withheld']} left out: no consent)" if summary["reports_withheld"] else ""),
        f"  custody      {summary['custody_rows']} rows in the excerpt; this export is now in the custody log",
        f"  bag hash     {job.output_sha256}  (SHA-256 of tagmanifest-sha512.txt)",
        "Send the bag hash to the recipient by another channel; the README in the bag says how to check the rest.",
    ]
    command.stdout.write("\n".join(lines))
