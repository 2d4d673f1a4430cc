import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dalil.evidence.collection_names import check_collection_option
from dalil.evidence.seals import SealError, proof


class Command(BaseCommand):
    help = "Print a JSON inclusion proof that a stored file belongs to the latest seal holding it."
    epilog = "Check it anywhere with: python3 tools/verify_proof.py FILE PROOF.json"

    def add_arguments(self, parser):
        parser.add_argument("sha256", help="the file's SHA-256 (64 hex digits; `dalil cases show ID` lists a case's, "
                            "`sha256sum FILE` gives a file's)")
        parser.add_argument("--collection", help="only seals of this collection")
        parser.add_argument("--out", help="write the proof to this file instead of printing it")

    def handle(self, *args, **opts):
        sha = opts["sha256"].strip().lower()
        if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
            raise CommandError(f"{opts['sha256']!r} is not a SHA-256 (64 hexadecimal digits)")
        check_collection_option(opts["collection"])
        try:
            document = json.dumps(proof(sha, opts["collection"]), indent=2)
        except SealError as exc:
            raise CommandError(str(exc)) from None
        if opts["out"]:
            Path(opts["out"]).write_text(document + "\n")
            self.stderr.write(f"proof written to {opts['out']}")
        else:
            self.stdout.write(document)
