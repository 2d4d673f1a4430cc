"""`dalil export pfif OUT --profile prosecutor|partner`: reports and notes as PFIF 1.4, as the profile allows."""

import json
from pathlib import Path

from django.core.management.base import CommandError

from dalil.exchange import common
from dalil.exchange.pfif import exporter, write
from dalil.exports import profiles
from dalil.exports.jobs import export_job
from dalil.exports.models import ExportJob

HELP = "Write missing-person reports and notes as PFIF 1.4 XML."


def add_arguments(parser):
    parser.add_argument("out", help="the PFIF file to write (must not exist yet)")
    parser.add_argument("--profile", required=True, choices=sorted(profiles.PROFILES),
                        help="who receives it: prosecutor (consented reports, contacts where agreed, believed_dead "
                             "for confirmed identifications) or partner (consented reports, no contact, no death "
                             "status); public is refused (aggregates only)")
    parser.add_argument("--report", action="append", default=[], metavar="REFERENCE",
                        help="only this report (repeatable); default: every report the profile allows")
    parser.add_argument("--recipient", default="", help="who it is for, recorded with the export job")
    parser.add_argument("--actor", default="", help="who is exporting (default: the login name)")
    parser.add_argument("--json", action="store_true", help="print one JSON summary object and nothing else")


def handle(command, opts):
    profile = profiles.get(opts["profile"])
    if profile.aggregates_only:
        raise CommandError(f"the {profile.name} profile carries aggregates only: no person record leaves under it. "
                           f"Use --profile prosecutor or --profile partner.")
    out = Path(opts["out"])
    if out.exists():
        raise CommandError(f"{out} already exists: choose a new file name (an export never overwrites)")
    if not out.parent.is_dir():
        raise CommandError(f"{out.parent} is not a folder")
    actor = common.default_actor(opts["actor"])
    references = opts["report"]
    scope = {"reports": references or "all", "format": "pfif-1.4"}
    with export_job(kind=ExportJob.Kind.PFIF, profile=profile.name, actor=actor, scope=scope, output=out,
                    recipient=opts["recipient"]) as job:
        persons, loose, summary = exporter.build(profile, references)
        out.write_bytes(write.document(persons, loose))
        job.summary = summary.as_dict()
    common.record_audit(common.EXPORTED, f"export:{job.pk}", actor, kind="pfif", profile=profile.name,
                        recipient=opts["recipient"], sha256=job.output_sha256,
                        person_record_ids=[p["person_record_id"] for p, _ in persons], **summary.as_dict())
    result = {"output": str(out), "sha256": job.output_sha256, "job": job.pk, "profile": profile.name,
              **summary.as_dict()}
    if opts["json"]:
        command.stdout.write(json.dumps(result, ensure_ascii=False))
        return
    command.stdout.write(
        f"{out} (PFIF 1.4, profile {profile.name}, export job {job.pk})\n"
        f"  sha256               {job.output_sha256}\n"
        f"  person records       {summary.persons:>6}\n"
        f"  notes                {summary.notes + summary.loose_notes:>6}  "
        f"({summary.loose_notes} about persons not held here)\n"
        f"  reports not allowed  {summary.not_consented:>6}  (no consent for this profile)\n"
        f"  without contact      {summary.without_contact:>6}\n"
        f"  death notes withheld {summary.death_notes_withheld:>6}")
