import getpass
import json

from django.core.management.base import BaseCommand, CommandError

from dalil.evidence.collection_names import require_collection
from dalil.evidence.seals import SealError, seal


class Command(BaseCommand):
    help = ("Sign a Merkle root over a collection's stored files, and the custody log's head, with this instance's "
            "Ed25519 key, and log it.")

    def add_arguments(self, parser):
        parser.add_argument("--collection", required=True)
        parser.add_argument("--actor", default="", help="who seals (default: the login name)")
        parser.add_argument("--json", action="store_true", help="print the seal as one JSON object")

    def handle(self, *args, **opts):
        require_collection(opts["collection"])
        try:
            record = seal(opts["collection"], opts["actor"] or f"{getpass.getuser()} (cli)")
        except SealError as exc:
            raise CommandError(str(exc)) from None
        if opts["json"]:
            self.stdout.write(json.dumps({"collection": record.collection, "tree_size": record.tree_size,
                                          "root": record.root, "sealed_at": record.sealed_at.isoformat(),
                                          "key_fingerprint": record.key_fingerprint, "seal_id": record.pk,
                                          "custody_rows": record.custody_rows, "custody_head": record.custody_head}))
            return
        self.stdout.write(
            f"sealed {record.collection}: {record.tree_size:,} files\n"
            f"  merkle root  {record.root}\n"
            f"  sealed at    {record.sealed_at.isoformat()}\n"
            f"  signing key  {record.key_fingerprint}\n"
            f"  custody log  {record.custody_rows:,} rows, head {record.custody_head} (signed with the seal)\n"
            "Publish the key fingerprint where recipients can find it: they compare it with the one in a proof."
        )
