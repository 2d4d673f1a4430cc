"""Sealing a collection and proving that one file belongs to a seal.

A seal signs a statement naming the collection, the number of items and the
Merkle root over their SHA-256 digests (sorted, see dalil.lib.merkle). The
sorted digests are kept with the seal, so a proof can be made for any past
seal, and anyone holding the files can recompute the root. The statement also
names the custody log's head at that moment (custody_rows, custody_head), so a
seal anchors the chain: rows deleted or rewritten before it no longer match.

Its "sealed" custody row carries the seal's id, root, size, key fingerprint
and the digest of the signed statement, so verify finds a seal that was
deleted, added, or rewritten and re-signed under another key.
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
        head = CustodyEvent.objects.order_by("-seq").values("seq", "hash").first() or {"seq": 0,
                                                                                        "hash": custody.GENESIS}
        now = timezone.now()
        statement = json.dumps({
            "format": SEAL_FORMAT, "collection": collection.name, "tree_size": len(shas), "root": root,
            "sealed_at": now.isoformat().replace("+00:00", "Z"),
            "leaves": "SHA-256 digests of the stored files, sorted ascending; RFC 6962 tree",
            "custody_rows": head["seq"], "custody_head": head["hash"],
        }, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        record = Seal.objects.create(
            collection=collection.name, tree_size=len(shas), root=root, statement=statement,
            signature=key.sign(statement.encode("utf-8")).hex(), public_key=public_raw.hex(),
            key_fingerprint=keys.fingerprint(public_raw), sealed_at=now, leaves="\n".join(shas),
            custody_rows=head["seq"], custody_head=head["hash"],
        )
        custody.record(CustodyEvent.Action.SEALED, actor=actor, collection=collection.name,
                       details={"root": root, "tree_size": len(shas), "key_fingerprint": record.key_fingerprint,
                                "seal_id": record.pk, "statement_sha256": digest_of_statement(record),
                                "custody_rows": head["seq"], "custody_head": head["hash"]})
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


def seal_name(record: Seal) -> str:
    return f"seal #{record.pk} of {record.collection} ({record.sealed_at:%Y-%m-%d %H:%M:%S})"


def check_seal(record: Seal) -> list[str]:
    """Problems with one seal on its own: signature, statement, root, and items no longer on record."""
    problems = []
    name = seal_name(record)
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(record.public_key)).verify(
            bytes.fromhex(record.signature), record.statement.encode("utf-8"))
    except (InvalidSignature, ValueError):
        problems.append(f"{name}: the signature does not verify: the statement or signature was altered")
    statement = _statement(record)
    if (statement.get("root"), statement.get("tree_size")) != (record.root, record.tree_size):
        problems.append(f"{name}: the signed statement does not match the recorded root or size")
    if "custody_head" in statement and (statement.get("custody_rows"), statement.get("custody_head")) != (
            record.custody_rows, record.custody_head):
        problems.append(f"{name}: the signed statement does not match the recorded custody head")
    shas = record.leaves.split("\n") if record.leaves else []
    try:
        leaves_root = merkle.merkle_root([bytes.fromhex(s) for s in shas]).hex()
    except ValueError:
        leaves_root = None
    if leaves_root != statement.get("root"):
        problems.append(f"{name}: the list of sealed files no longer gives the signed root")
    if keys.fingerprint(_bytes(record.public_key)) != record.key_fingerprint:
        problems.append(f"{name}: the recorded key fingerprint is not the key's")
    present = set(Item.objects.filter(sha256__in=shas).values_list("sha256", flat=True)) if shas else set()
    for sha in [s for s in shas if s not in present][:20]:
        problems.append(f"{name}: sealed file {sha} is no longer on record")
    return problems


def check_against_instance(records: list[Seal], public_raw: bytes | None, hashes: dict[int, str], last_seq: int,
                           collection: str | None = None) -> list[str]:
    """Seals compared with what the database cannot forge alone: the instance's key, the custody log's
    "sealed" rows and the chain's head each seal signed. HASHES maps seq -> hash for the heads seals name."""
    problems = []
    if records and public_raw is None:
        problems.append(f"the instance's signing key {keys.key_path()} is missing, so {len(records)} seal(s) "
                        "cannot be compared with it: restore the key from its offline copy")
    for record in records:
        name = seal_name(record)
        if public_raw is not None and record.public_key != public_raw.hex():
            problems.append(f"{name} is signed by key {record.key_fingerprint}, not by this instance's key "
                            f"{keys.fingerprint(public_raw)}: it was re-signed or made elsewhere")
        statement = _statement(record)
        rows, head = statement.get("custody_rows"), statement.get("custody_head")
        if isinstance(rows, int) and rows > last_seq:
            deleted = f"custody row #{rows} was" if rows == last_seq + 1 else f"custody rows #{last_seq + 1}-#{rows} were"
            problems.append(f"{deleted} deleted: {name} signed a log of {rows} "
                            f"rows, the database holds rows up to #{last_seq}")
        elif isinstance(rows, int) and rows > 0 and hashes.get(rows) != head:
            problems.append(f"custody row #{rows} is not the row {name} signed as the log's head: the log was "
                            f"rewritten at or before row #{rows}")
    sealed_rows = CustodyEvent.objects.filter(action=CustodyEvent.Action.SEALED)
    if collection:
        sealed_rows = sealed_rows.filter(collection=collection)
    by_id = {record.pk: record for record in records}
    logged = set()
    for row in sealed_rows.order_by("seq").iterator():
        seal_id = (row.details or {}).get("seal_id")
        logged.add(seal_id)
        record = by_id.get(seal_id)
        if record is None:
            if not Seal.objects.filter(pk=seal_id).exists():
                problems.append(f"seal #{seal_id} of {row.collection}, recorded by custody row #{row.seq} "
                                f"({row.at:%Y-%m-%d %H:%M:%S}, root {row.details.get('root', '?')[:16]}…), is "
                                "missing from the database: it was deleted")
            continue
        recorded = {"root": record.root, "tree_size": record.tree_size, "key_fingerprint": record.key_fingerprint,
                    "statement_sha256": digest_of_statement(record), "collection": record.collection}
        logged_values = {**row.details, "collection": row.collection}
        differ = [k for k, v in recorded.items() if k in logged_values and logged_values[k] != v]
        if differ:
            problems.append(f"{seal_name(record)} is not the seal custody row #{row.seq} recorded: its "
                            f"{', '.join(d.replace('_', ' ') for d in differ)} differ: the seal was rewritten")
    for record in records:
        if record.pk not in logged:
            problems.append(f"{seal_name(record)} has no \"sealed\" row in the custody log: it was added to the "
                            "database directly, or its custody row was deleted")
    return problems


def _statement(record: Seal) -> dict:
    try:
        statement = json.loads(record.statement)
    except ValueError:
        return {}
    return statement if isinstance(statement, dict) else {}


def _bytes(text: str) -> bytes:
    try:
        return bytes.fromhex(text)
    except ValueError:
        return b""


def digest_of_statement(record: Seal) -> str:
    return hashlib.sha256(record.statement.encode()).hexdigest()
