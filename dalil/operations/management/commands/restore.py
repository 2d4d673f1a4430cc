import json
from dataclasses import asdict
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dalil.operations import keyfiles, restore
from dalil.operations.manifest import BackupError


class Command(BaseCommand):
    help = ("Restore a backup made by `dalil backup` into this instance, which must be empty: every file is "
            "checked against the manifest first, then the store, derivatives, anchors, keys (with the passphrase) "
            "and database are restored. Run `dalil verify` after it.")

    def add_arguments(self, parser):
        parser.add_argument("out", help="the backup folder (the one holding MANIFEST.json)")
        parser.add_argument("--passphrase-file", metavar="FILE",
                            help="read the keys' passphrase from the first line of FILE instead of a prompt")
        parser.add_argument("--skip-keys", action="store_true",
                            help="leave the backup's keys out (the instance's keys are provided apart)")
        parser.add_argument("--check", action="store_true",
                            help="only check the backup against its manifest; restore nothing")
        parser.add_argument("--workers", type=int, default=4, help="files hashed and restored at once (default 4)")
        parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")

    def handle(self, *args, **opts):
        out = Path(opts["out"])
        try:
            if opts["check"]:
                found, checked = restore.check(out, opts["workers"])
                result = {"out": str(out.resolve()), "ok": True, "files": len(found["files"]),
                          "bytes_checked": checked, "created_at": found["created_at"], "seals": found["seals"]}
                self.stdout.write(json.dumps(result, ensure_ascii=False) if opts["json"] else
                                  f"OK: the {len(found['files']):,} files of the backup at {out} ({checked:,} bytes, "
                                  f"made {found['created_at']}) match its manifest")
                return
            summary = restore.run(out, lambda: keyfiles.passphrase(opts["passphrase_file"], confirm=False),
                                  opts["skip_keys"], opts["workers"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        if opts["json"]:
            self.stdout.write(json.dumps(asdict(summary), ensure_ascii=False))
        else:
            self._print(summary)
        if not summary.seals_match_backup:
            raise CommandError("the restored seals differ from the backup's manifest (see above)")

    def _print(self, summary):
        db = summary.database
        lines = [
            f"restored {summary.out} into the instance at {settings.HOME}",
            f"  checked   {summary.bytes_checked:,} bytes against the manifest",
            f"  database  {db['engine']} snapshot, custody rows up to #{summary.custody_rows}",
            f"  files     {summary.restored:,} restored ({summary.bytes_restored:,} bytes)"
            + (f", {summary.present:,} already in place" if summary.present else ""),
            f"  anchors   {summary.anchor_lines:,} line(s)"
            + (f" ({summary.anchor_lines_left_out} written after the snapshot left out)"
               if summary.anchor_lines_left_out else ""),
            f"  keys      {'restored' if summary.keys else 'not restored'}",
        ]
        lines += [f"  seal      {s['collection']}: {s['root']} ({s['tree_size']:,} files)" for s in summary.seals]
        lines += [f"  note: {note}" for note in summary.notes]
        lines.append(f"  time      {summary.seconds:.1f} s")
        self.stdout.write("\n".join(lines))
        self.stdout.write(self.style.SUCCESS("OK: restored; now run `dalil verify` and compare the seal roots "
                                             "with the published ones"))
