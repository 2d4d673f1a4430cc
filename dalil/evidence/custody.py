"""Appending to the custody log: one chain, each row naming the hash of the one before.

A row's hash covers every field a court would care about (sequence, action,
actor, time, collection, item, details and the previous hash), as canonical
JSON, so editing any of them, or removing or reordering rows, breaks the chain
at a row that `dalil verify` names. Deleting the newest rows, appending forged
ones or rewriting every hash after an edit keeps the chain whole, so each
append, once committed, is also anchored outside the database (see anchors.py).
"""

import hashlib
import json
from dataclasses import dataclass, field
from functools import partial

from django.db import connection, transaction
from django.utils import timezone

from dalil.evidence import anchors
from dalil.evidence.models import CustodyEvent

GENESIS = "0" * 64
# Any fixed number: the PostgreSQL advisory lock that serialises appends to the chain.
_CHAIN_LOCK = 0x6461_6C69


@dataclass
class Event:
    action: str
    actor: str
    collection: str = ""
    item_sha256: str = ""
    details: dict = field(default_factory=dict)


def row_hash(seq: int, action: str, actor: str, at, collection: str, item_sha256: str, details, prev_hash: str) -> str:
    body = {
        "seq": seq,
        "action": action,
        "actor": actor,
        "at": at.isoformat(),
        "collection": collection,
        "item_sha256": item_sha256,
        "details": details,
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def hash_of(event: CustodyEvent) -> str:
    return row_hash(
        event.seq, event.action, event.actor, event.at, event.collection, event.item_sha256, event.details, event.prev_hash
    )


def append(events: list[Event]) -> list[CustodyEvent]:
    """Append events to the chain in order, atomically, inside the caller's transaction if any."""
    if not events:
        return []
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
        # On SQLite the IMMEDIATE transaction already holds the only write lock.
        last = CustodyEvent.objects.order_by("-seq").values("seq", "hash").first()
        seq, prev = (last["seq"], last["hash"]) if last else (0, GENESIS)
        now = timezone.now()
        rows = []
        for event in events:
            seq += 1
            details = json.loads(json.dumps(event.details, default=str))  # exactly what the JSON column returns
            digest = row_hash(seq, event.action, event.actor, now, event.collection, event.item_sha256, details, prev)
            rows.append(
                CustodyEvent(
                    seq=seq,
                    action=event.action,
                    actor=event.actor,
                    at=now,
                    collection=event.collection,
                    item_sha256=event.item_sha256,
                    details=details,
                    prev_hash=prev,
                    hash=digest,
                )
            )
            prev = digest
        created = CustodyEvent.objects.bulk_create(rows)
        # After the commit, not before: an anchor must never name rows a rollback took back.
        transaction.on_commit(partial(anchors.after_append, rows[0].seq, seq, prev))
        return created


def record(action: str, *, actor: str, collection: str = "", item_sha256: str = "", details: dict | None = None):
    return append([Event(action, actor, collection, item_sha256, details or {})])[0]


@dataclass
class Walk:
    """What one pass over the chain found."""

    problems: list[str] = field(default_factory=list)
    rows: int = 0  # rows present
    last_seq: int = 0
    last_hash: str = GENESIS
    hashes: dict[int, str] = field(default_factory=dict)  # seq -> hash, for the rows asked about


def walk(wanted: set[int] = frozenset()) -> Walk:
    """Check every link of the chain, and keep the hashes of the WANTED rows (those anchors and seals name)."""
    result = Walk()
    expected_prev, expected_seq = GENESIS, 1
    for event in CustodyEvent.objects.order_by("seq").iterator(chunk_size=2000):
        if event.seq != expected_seq:
            missing = f"#{expected_seq}" if event.seq == expected_seq + 1 else f"#{expected_seq}-#{event.seq - 1}"
            result.problems.append(f"custody row {missing} is missing (next row is #{event.seq})"
                                   if event.seq > expected_seq else
                                   f"custody row #{event.seq} is out of order (expected #{expected_seq})")
        if event.prev_hash != expected_prev:
            result.problems.append(f"custody row #{event.seq} does not point to the row before it (chain broken)")
        if hash_of(event) != event.hash:
            result.problems.append(
                f"custody row #{event.seq} ({event.action}) was edited: its content no longer matches its hash")
        if event.seq in wanted:
            result.hashes[event.seq] = event.hash
        result.rows += 1
        result.last_seq, result.last_hash = event.seq, event.hash
        expected_prev, expected_seq = event.hash, event.seq + 1
    return result


def check_chain() -> list[str]:
    """Every break in the chain, as sentences naming the row; empty when intact."""
    return walk().problems
