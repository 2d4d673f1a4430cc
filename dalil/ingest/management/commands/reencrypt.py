"""`dalil reencrypt`: after a new key is put first in DALIL_ENCRYPTION_KEY, move every stored secret to it.

Every `*_encrypted` binary field of every model (reporters' contact details,
photos of the missing, claim documents, imported records' originals) is read
with any of the keys and written again with the first. Once it reports nothing
left on an old key, the old key can be removed from DALIL_ENCRYPTION_KEY.
Rows are changed with UPDATE only (no save(): no timestamps move, no signals).
"""

import json

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction

from dalil.lib import crypto

BATCH = 500


def encrypted_fields():
    """(model, [field names]) for every model with a binary field named *_encrypted."""
    for model in apps.get_models():
        names = [f.name for f in model._meta.get_fields()
                 if isinstance(f, models.BinaryField) and f.name.endswith("_encrypted")]
        if names:
            yield model, names


def reencrypt_all(dry_run: bool = False) -> dict:
    """Counts per model: values seen, values re-encrypted (all of them unless dry_run), values no key opens."""
    summary = {}
    for model, names in encrypted_fields():
        counts = {"values": 0, "reencrypted": 0, "unreadable": 0, "first_errors": []}
        pks = list(model._default_manager.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(pks), BATCH):
            with transaction.atomic():
                rows = model._default_manager.filter(pk__in=pks[start:start + BATCH]).values("pk", *names)
                for row in rows:
                    changes = {}
                    for name in names:
                        if not row[name]:
                            continue
                        counts["values"] += 1
                        try:
                            changes[name] = crypto.reencrypt(bytes(row[name]))
                        except crypto.MissingKey:
                            counts["unreadable"] += 1
                            if len(counts["first_errors"]) < 5:
                                counts["first_errors"].append(f"{model._meta.label} {row['pk']} {name}")
                    if changes:
                        counts["reencrypted"] += len(changes)
                        if not dry_run:
                            model._default_manager.filter(pk=row["pk"]).update(**changes)
        if counts["values"]:
            summary[model._meta.label] = counts
    return summary


class Command(BaseCommand):
    help = "Re-encrypt every stored secret with the first key of DALIL_ENCRYPTION_KEY (after a key rotation)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count what would be re-encrypted; change nothing")
        parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")

    def handle(self, *args, **opts):
        try:
            summary = reencrypt_all(dry_run=opts["dry_run"])
        except crypto.MissingKey as exc:
            raise CommandError(str(exc)) from None
        unreadable = sum(c["unreadable"] for c in summary.values())
        if opts["json"]:
            self.stdout.write(json.dumps({"dry_run": opts["dry_run"], "models": summary, "unreadable": unreadable}))
        else:
            verb = "would re-encrypt" if opts["dry_run"] else "re-encrypted"
            for label, c in summary.items():
                self.stdout.write(f"{label:32} {verb} {c['reencrypted']} of {c['values']} value(s)"
                                  + (f", {c['unreadable']} opened by no key given" if c["unreadable"] else ""))
            if not summary:
                self.stdout.write("nothing encrypted is stored yet")
            elif not unreadable and not opts["dry_run"]:
                self.stdout.write("Everything now uses the first key: the other keys may be removed from "
                                  "DALIL_ENCRYPTION_KEY.")
        if unreadable:
            first = [e for c in summary.values() for e in c["first_errors"]][:5]
            raise CommandError(f"{unreadable} value(s) are encrypted with a key that is not in DALIL_ENCRYPTION_KEY "
                               f"(first: {', '.join(first)}): add that key back (after the new one) and run again")
