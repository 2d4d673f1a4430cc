"""`dalil export bag`: an evidence package of a case, a collection or a query, under an export profile."""

import getpass
import json
from pathlib import Path

from django.core.management.base import CommandError

from dalil.evidence.collection_names import require_collection
from dalil.evidence.store import StoreError
from dalil.exports import contacts, profiles, scope as scopes
from dalil.exports.bags import ExportRefused, check_out, export_bag

HELP = "Write a BagIt evidence package (RFC 8493) of a case, a collection or a query."


def add_arguments(parser):
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--case", type=int, metavar="ID", help="one body case (its photos and reports); `dalil cases list` shows case ids")
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
    parser.add_argument("--actor", default="", help="who exports (default: the login name); with --recipient-key, "
                                                     "the username of a caseworker or admin")
    parser.add_argument("--recipient-key", action="append", default=[], metavar="AGE1…",
                        help="the recipient's age public key (age1…, from age-keygen); families' contact details "
                             "(prosecutor profile, consented) go into data/contacts.age encrypted to it; repeat for "
                             "several keys. Without a key they are withheld")
    parser.add_argument("--recipient-key-file", type=Path, metavar="FILE",
                        help="a file of age public keys, one a line (# comments), as `age -R` reads")
    parser.add_argument("--json", action="store_true", help="print the job as one JSON object")


def recipient_keys(opts) -> list[str]:
    keys = list(opts.get("recipient_key") or [])
    if opts.get("recipient_key_file"):
        keys += contacts.read_key_file(opts["recipient_key_file"])
    contacts.parse_keys(keys)  # a mistyped key is named before anything else is checked
    return keys


def contacts_allowed(actor: str, keys: list[str], profile_name: str) -> bool:
    """Contact details leave under the name of a staff account allowed to see them (caseworker or admin).

    The command line is run on the server, by someone who could read the database anyway, so this is not a
    lock but accountability: the job, the custody log and the audit log name who let the contacts leave.
    """
    if not keys or not profiles.get(profile_name).contact_details:
        return False  # export_bag withholds them, or refuses a key the profile has no use for
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=actor, is_active=True).first() if actor else None
    if user is None or not contacts.may_export_contacts(user):
        who = f"{actor!r} is not the username of an active caseworker or admin" if actor else "no --actor was given"
        raise contacts.ContactKeyError(f"families' contact details leave only under the name of a staff member "
                                       f"allowed to see them, and {who}: pass --actor USERNAME (a caseworker or "
                                       "admin), or leave out the recipient key to export without them")
    return True


def handle(command, opts):
    if opts["collection"]:
        require_collection(opts["collection"])
    try:
        check_out(opts["out"])
        keys = recipient_keys(opts)
        allowed = contacts_allowed(opts["actor"], keys, opts["profile"])
        if opts["case"] is not None:
            scope = scopes.for_case(opts["case"])
        elif opts["collection"]:
            scope = scopes.for_collection(opts["collection"])
        else:
            scope = scopes.for_query(opts["query"])
        job = export_bag(scope, opts["profile"], opts["actor"] or f"{getpass.getuser()} (cli)", out=opts["out"],
                         recipient=opts["recipient"], organization=opts["organization"], recipient_keys=keys,
                         contacts_allowed=allowed)
    except (scopes.ScopeError, ExportRefused, profiles.ProfileError, contacts.ContactKeyError) as exc:
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
        f"  contacts     {contact_line(summary['contacts'])}",
        f"  custody      {summary['custody_rows']} rows in the excerpt; this export is now in the custody log",
        f"  bag hash     {job.output_sha256}  (SHA-256 of tagmanifest-sha512.txt)",
        "Send the bag hash to the recipient by another channel; the README in the bag says how to check the rest.",
    ]
    command.stdout.write("\n".join(lines))


def contact_line(summary: dict) -> str:
    if summary["mode"] == "encrypted":
        return (f"{summary['count']} report(s)' contact details in {summary['file']}, encrypted to "
                f"{len(summary['keys'])} recipient key(s)")
    if summary["mode"] == "withheld":
        return f"{summary['withheld']} report(s)' withheld: {summary['reason']}"
    return "none in this package"
