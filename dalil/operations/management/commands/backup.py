import argparse
import json
import re
from dataclasses import asdict
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dalil.operations import backup, keyfiles
from dalil.operations.manifest import BackupError


def rate(text: str) -> int:
    """A rate in bytes per second: 500K, 20M, 1G or a plain number."""
    match = re.fullmatch(r"(\d+)([KMG]?)", text.strip().upper())
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not a rate: give bytes per second, e.g. 500K, 20M or 1G")
    return int(match.group(1)) * {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}[match.group(2)]


class Command(BaseCommand):
    help = ("Back up this instance into OUT while it runs: a database snapshot, then the store and derivatives "
            "(only files not yet in OUT are copied), the anchor file, the keys with --with-keys (encrypted), and a "
            "manifest of SHA-256 written last. Run it again into the same OUT to update it, or to complete a "
            "backup that was stopped.")

    def add_arguments(self, parser):
        parser.add_argument("out", help="backup folder: new, empty, or an earlier backup of this instance")
        parser.add_argument("--with-keys", action="store_true",
                            help="also back up the instance's keys, encrypted with a passphrase (age, scrypt)")
        parser.add_argument("--passphrase-file", metavar="FILE",
                            help="read the keys' passphrase from the first line of FILE instead of a prompt")
        parser.add_argument("--workers", type=int, default=4, help="files copied at once (default 4)")
        parser.add_argument("--limit-rate", type=rate, default=0, metavar="RATE",
                            help="read the store at most this fast, e.g. 50M (bytes per second), to leave the "
                                 "running instance some of its disk")
        parser.add_argument("--rehash", action="store_true",
                            help="re-hash the files already in OUT and copy again any that changed (slow: reads "
                                 "the whole backup)")
        parser.add_argument("--pg-format", choices=["custom", "plain"], default="custom",
                            help="PostgreSQL only: pg_dump's custom format (default) or plain SQL")
        parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")

    def handle(self, *args, **opts):
        try:
            secret = keyfiles.passphrase(opts["passphrase_file"], confirm=True) if opts["with_keys"] else None
            summary = backup.run(Path(opts["out"]), opts["with_keys"], secret, opts["workers"], opts["limit_rate"],
                                 opts["rehash"], opts["pg_format"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        if opts["json"]:
            self.stdout.write(json.dumps(asdict(summary), ensure_ascii=False))
            return
        db = summary.database
        lines = [
            f"backup of the instance at {settings.HOME} written to {summary.out}",
            f"  database  {db['engine']} snapshot {db['file']}, {db['size']:,} bytes, sha256 {db['sha256']}; "
            f"custody rows up to #{summary.custody_rows}",
            f"  files     {summary.copied:,} copied ({summary.bytes_copied:,} bytes), {summary.present:,} already "
            f"present ({summary.bytes_present:,} bytes)" + (f", {summary.repaired} repaired" if summary.repaired else ""),
            f"  anchors   {summary.anchor_lines:,} line(s)",
            f"  keys      {'encrypted with the passphrase' if summary.keys else 'not included'}",
        ]
        lines += [f"  seal      {s['collection']}: {s['root']} ({s['tree_size']:,} files, {s['sealed_at']})"
                  for s in summary.seals]
        lines += [f"  note: {note}" for note in summary.notes]
        lines.append(f"  manifest  MANIFEST.json, sha256 {summary.manifest_sha256}")
        lines.append(f"  time      {summary.seconds:.1f} s")
        self.stdout.write("\n".join(lines))
        self.stdout.write(self.style.SUCCESS("OK: the backup is complete"))
