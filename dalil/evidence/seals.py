"""Sealing a collection and proving that one file belongs to a seal.

A seal signs a statement naming the collection, the number of items and the
Merkle root over their SHA-256 digests (sorted, see dalil.lib.merkle). The
sorted digests are kept with the seal, so a proof can be made for any past
seal, and anyone holding the files can recompute the root.
"""

import hashlib
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import transaction
from django.utils import timezone

from dalil.evidence import custody, keys
from dalil.evidence.models import Acquisition, Collection, CustodyEvent, Item, Seal
from dalil.lib import merkle

PROOF_FORMAT = "dalil-inclusion-proof/1"
SEAL_FORMAT = "dalil-seal/1"


class SealError(Exception):
    pass


def collection_shas(collection: Collection) -> list[str]:
    """Every stored original of the collection (photos, other files, zip containers), sorted."""
    sighted = Item.objects.filter(sightings__acquisition__collection=collection).values_list("sha256", flat=True)
    containers = Acquisition.objects.filter(collection=collection, container__isnull=False).values_list(
        "container__sha256", flat=True)
    return sorted(set(sighted) | set(containers))


def seal(collection_name: str, actor: str) -> Seal:
    collection = Collection.objects.filter(name=collection_name).first()
    if collection is None:
        raise SealError(f"there is no collection named {collection_name!r}")
    key = keys.signing_key()
    public_raw = keys.raw_public(key.public_key())
    with transaction.atomic():
        shas = collection_shas(collection)
        root = merkle.merkle_root([bytes.fromhex(s) for s in shas]).hex()
        now = timezone.now()
        statement = json.dumps({
            "format": SEAL_FORMAT, "collection": collection.name, "tree_size": len(shas), "root": root,
            "sealed_at": now.isoformat().replace("+00:00", "Z"),
            "leaves": "SHA-256 digests of the stored files, sorted ascending; RFC 6962 tree",
        }, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        record = Seal.objects.create(
            collection=collection.name, tree_size=len(shas), root=root, statement=statement,
            signature=key.sign(statement.encode("utf-8")).hex(), public_key=public_raw.hex(),
            key_fingerprint=keys.fingerprint(public_raw), sealed_at=now, leaves="\n".join(shas),
        )
        custody.record(CustodyEvent.Action.SEALED, actor=actor, collection=collection.name,
                       details={"root": root, "tree_size": len(shas), "key_fingerprint": record.key_fingerprint,
                                "seal_id": record.pk})
    return record


def proof(sha256: str, collection_name: str | None = None) -> dict:
    sha256 = sha256.strip().lower()
    seals = Seal.objects.order_by("-sealed_at", "-pk")
    if collection_name:
        seals = seals.filter(collection=collection_name)
    for candidate in seals.iterator():
        shas = candidate.leaves.split("\n") if candidate.leaves else []
        index = _find(shas, sha256)
        if index is not None:
            leaves = [bytes.fromhex(s) for s in shas]
            return {
                "format": PROOF_FORMAT, "collection": candidate.collection, "file_sha256": sha256,
                "leaf_index": index, "tree_size": candidate.tree_size,
                "audit_path": [h.hex() for h in merkle.inclusion_proof(leaves, index)], "root": candidate.root,
                "seal": {"statement": candidate.statement, "signature": candidate.signature,
                         "public_key": candidate.public_key, "key_fingerprint": candidate.key_fingerprint},
            }
    if not Item.objects.filter(sha256=sha256).exists():
        raise SealError(f"no stored file has SHA-256 {sha256}")
    raise SealError(f"{sha256} is stored but not yet in any seal{' of ' + collection_name if collection_name else ''}: "
                    "run `dalil seal --collection NAME` first")


def _find(sorted_shas: list[str], sha: str) -> int | None:
    import bisect

    i = bisect.bisect_left(sorted_shas, sha)
    return i if i < len(sorted_shas) and sorted_shas[i] == sha else None


def check_seal(record: Seal) -> list[str]:
    """Problems with one seal: signature, statement, root, and items no longer on record."""
    problems = []
    name = f"seal #{record.pk} of {record.collection} ({record.sealed_at:%Y-%m-%d %H:%M:%S})"
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(record.public_key)).verify(
            bytes.fromhex(record.signature), record.statement.encode("utf-8"))
    except (InvalidSignature, ValueError):
        problems.append(f"{name}: the signature does not verify: the statement or signature was altered")
    statement = json.loads(record.statement)
    if (statement.get("root"), statement.get("tree_size")) != (record.root, record.tree_size):
        problems.append(f"{name}: the signed statement does not match the recorded root or size")
    shas = record.leaves.split("\n") if record.leaves else []
    if merkle.merkle_root([bytes.fromhex(s) for s in shas]).hex() != statement.get("root"):
        problems.append(f"{name}: the list of sealed files no longer gives the signed root")
    if keys.fingerprint(bytes.fromhex(record.public_key)) != record.key_fingerprint:
        problems.append(f"{name}: the recorded key fingerprint is not the key's")
    present = set(Item.objects.filter(sha256__in=shas).values_list("sha256", flat=True)) if shas else set()
    for sha in [s for s in shas if s not in present][:20]:
        problems.append(f"{name}: sealed file {sha} is no longer on record")
    return problems


def digest_of_statement(record: Seal) -> str:
    return hashlib.sha256(record.statement.encode()).hexdigest()
