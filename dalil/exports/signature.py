"""The archive's signature over a whole evidence package, so a re-manifested package cannot pass as the original.

BagIt manifests only prove that files match the manifests; whoever edits a file
can write new manifests too. The package signature closes that hole: the
instance's Ed25519 key (the one that signs seals) signs a statement naming the
package's identifier and the SHA-256 of both payload manifests. It is a tag file
(`package-signature.json`), listed in the tag manifests like bag-info.txt.
`check_package.py` verifies it against the fingerprint the recipient supplies,
and then every payload file is bound to the archive through the manifests.
"""

import hashlib
import json
from pathlib import Path

from dalil.evidence.keys import fingerprint, raw_public, signing_key

FORMAT = "dalil-package-signature/1"
FILE_NAME = "package-signature.json"
SIGNED_MANIFESTS = ("manifest-sha256.txt", "manifest-sha512.txt")


def statement_for(root: Path, identifier: str, created_at: str) -> str:
    """The exact text that is signed: canonical JSON (keys sorted, no spaces), UTF-8."""
    body = {
        "format": FORMAT,
        "identifier": identifier,
        "created_at": created_at,
        "manifests": {name: hashlib.sha256((root / name).read_bytes()).hexdigest() for name in SIGNED_MANIFESTS},
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sign_package(root: Path, identifier: str, created_at: str) -> str:
    """Write ROOT/package-signature.json (after the payload manifests, before the tag manifests); its fingerprint."""
    key = signing_key()
    statement = statement_for(root, identifier, created_at)
    public = raw_public(key.public_key())
    record = {
        "format": FORMAT,
        "statement": statement,
        "signature": key.sign(statement.encode("utf-8")).hex(),
        "public_key": public.hex(),
        "key_fingerprint": fingerprint(public),
    }
    (root / FILE_NAME).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return record["key_fingerprint"]
