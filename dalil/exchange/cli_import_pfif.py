"""`dalil import pfif FILE`: PFIF 1.1-1.4 person and note records into reports caseworkers see."""

import json

from django.core.management.base import CommandError

from dalil.exchange import common
from dalil.exchange.pfif.importer import ImportError_, Options, import_pfif

HELP = "Import missing-person records and notes from a PFIF 1.1-1.4 XML file."
SHOWN = 10


def add_arguments(parser):
    parser.add_argument("file", help="a PFIF XML file")
    parser.add_argument("--domain", default="", help="the domain(s) this source may write records for, comma-"
                        "separated (their ids begin with it); records of any other domain are refused. Default: "
                        "the first record's; in a file a dalil instance exported, each record's own")
    parser.add_argument("--consent", action="append", default=[], choices=sorted(common.CONSENT_NAMES),
                        help="what the sharing agreement with this source allows for its records (repeatable): "
                             "contact (contact the reporter), prosecutors, other-bodies (share onwards). Default: "
                             "none; a record can narrow it, never widen it")
    parser.add_argument("--dry-run", action="store_true", help="check and count everything, write nothing")
    parser.add_argument("--actor", default="", help="who is importing (default: the login name)")
    parser.add_argument("--json", action="store_true", help="print one JSON summary object and nothing else")


def handle(command, opts) -> bool:
    """Import; True when some records were refused."""
    options = Options(actor=common.default_actor(opts["actor"]), domain=opts["domain"].strip().lower(),
                      consents=common.consents_from(opts["consent"]), dry_run=opts["dry_run"])
    try:
        s = import_pfif(opts["file"], options)
    except ImportError_ as exc:
        raise CommandError(str(exc)) from None
    if opts["json"]:
        command.stdout.write(json.dumps(s.as_dict(), ensure_ascii=False))
        return bool(s.rejected)
    out = command.stdout
    out.write(f"{s.file} (PFIF {s.version}, domain {s.domain}, sha256 {s.sha256})"
              + ("  DRY RUN: nothing written" if s.dry_run else f"  import run {s.run}"))
    out.write(f"  person records  {s.persons:>6}: {s.created} new, {s.updated} updated, {s.unchanged} unchanged\n"
              f"  notes           {s.notes:>6}: {s.notes_created} new ({s.notes_waiting} about persons not here "
              f"yet), {s.notes_unchanged} unchanged\n"
              f"  refused         {len(s.rejected):>6}\n"
              f"  skipped         {len(s.skipped):>6}")
    if s.references:
        out.write(f"  new reports (casework queue): {', '.join(s.references[:SHOWN])}"
                  + (f" … and {len(s.references) - SHOWN} more" if len(s.references) > SHOWN else ""))
    for item in s.rejected[:SHOWN]:
        out.write(command.style.WARNING(f"  ! refused {item['what']} ({item['field']}): {item['reason']}"))
    for item in s.skipped[:SHOWN]:
        out.write(f"  - skipped {item['what']}: {item['reason']}")
    if s.believed_dead:
        out.write(f"  {len(s.believed_dead)} note(s) say believed_dead: recorded for caseworkers; nothing changes "
                  f"for families")
    for warning in s.warnings[:SHOWN]:
        out.write(f"  · {warning}")
    return bool(s.rejected)
