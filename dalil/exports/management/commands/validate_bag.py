"""`dalil validate-bag PATH...`: is each folder a valid BagIt bag (RFC 8493), and if not, why.

The same check ingest runs on a bag before taking anything from it (strict
bagit.txt, then bagit-python's full validation: structure, completeness and
every checksum), so its verdicts match the Library of Congress conformance
suite. Warnings (a bag valid but odd, e.g. a file listed twice with one hash in
a pre-1.0 bag) are printed without failing it.
"""

import json
import logging
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dalil.ingest.sources import SourceRefused, validate_bag


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def check(path: Path, processes: int = 1) -> dict:
    """{"path", "valid", "reason", "warnings", "bagit_version", "bag_info"} for one folder."""
    logger, handler = logging.getLogger("bagit"), _Collect()
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False  # warnings are reported here, not on stderr
    try:
        if not path.is_dir():
            return {"path": str(path), "valid": False, "reason": f"{path} is not a folder: unpack the bag first",
                    "warnings": []}
        try:
            facts = validate_bag(path, processes=processes)
        except SourceRefused as exc:
            return {"path": str(path), "valid": False, "reason": str(exc), "warnings": handler.messages}
        return {"path": str(path), "valid": True, "reason": "", "warnings": handler.messages, **facts}
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


class Command(BaseCommand):
    help = "Validate BagIt bags (RFC 8493): structure, completeness and every checksum; say why one is not valid."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="a bag's folder")
        parser.add_argument("--processes", type=int, default=1, help="hash files in this many processes (default 1)")
        parser.add_argument("--json", action="store_true", help="print one JSON object per bag")

    def handle(self, *args, **opts):
        invalid = 0
        for path in opts["paths"]:
            verdict = check(path, opts["processes"])
            invalid += not verdict["valid"]
            if opts["json"]:
                self.stdout.write(json.dumps(verdict, ensure_ascii=False))
                continue
            if verdict["valid"]:
                info = verdict.get("bag_info") or {}
                oxum = info.get("Payload-Oxum", "")
                files = f", {oxum.split('.')[-1]} payload files" if "." in oxum else ""
                self.stdout.write(self.style.SUCCESS(f"VALID: {path} (BagIt {verdict['bagit_version']}{files})"))
            else:
                self.stdout.write(self.style.ERROR(f"INVALID: {verdict['reason']}"))
            for warning in verdict["warnings"]:
                self.stdout.write(f"  warning: {warning}")
        if invalid:
            raise CommandError(f"{invalid} of {len(opts['paths'])} bag(s) are not valid")
