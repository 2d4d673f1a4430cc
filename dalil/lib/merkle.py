"""Merkle tree of a collection, in the RFC 6962 / RFC 9162 shape.

Each leaf is the raw 32-byte SHA-256 digest of one stored file, and the
leaves are taken in ascending order of their hex digests.  Sorting makes the
root a pure function of the *set* of files in the collection: it does not
depend on ingest order, file names or database ids, so anyone who holds the
files can hash them, sort the digests and recompute the same root without
any of our software or records.

Hashes follow RFC 6962 §2.1 so that standard tooling can check them:

* leaf hash  = SHA-256(0x00 || leaf_data)
* node hash  = SHA-256(0x01 || left || right)
* a tree of n > 1 leaves splits at k, the largest power of two below n
* the empty tree's root is SHA-256 of the empty string

The distinct 0x00 / 0x01 prefixes stop a leaf from being passed off as an
inner node (second-preimage attack).
"""

from __future__ import annotations

import hashlib
from typing import List, Sequence

__all__ = [
    "leaf_hash",
    "merkle_root",
    "inclusion_proof",
    "root_from_inclusion_proof",
    "verify_inclusion",
]


def leaf_hash(data: bytes) -> bytes:
    """Return the RFC 6962 leaf hash SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def _node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _next_level(level: List[bytes]) -> List[bytes]:
    # Pairing neighbours and carrying an unpaired last node up unchanged
    # yields exactly the RFC 6962 tree (split at the largest power of two
    # below n), without recursion or list slicing.
    up = [_node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
    if len(level) % 2:
        up.append(level[-1])
    return up


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """Return the RFC 6962 Merkle Tree Hash of ``leaves`` (leaf data, not hashes)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    level = [leaf_hash(d) for d in leaves]
    while len(level) > 1:
        level = _next_level(level)
    return level[0]


def inclusion_proof(leaves: Sequence[bytes], index: int) -> List[bytes]:
    """Return the RFC 6962 audit path PATH(index, leaves), bottom-up.

    Raises ValueError if ``index`` is not a valid leaf position.
    """
    if not 0 <= index < len(leaves):
        raise ValueError(f"leaf index {index} out of range for {len(leaves)} leaves")
    path: List[bytes] = []
    level = [leaf_hash(d) for d in leaves]
    while len(level) > 1:
        sibling = index ^ 1
        # An unpaired last node has no sibling at this level: it is carried
        # up unchanged, so the path gets no entry for it.
        if sibling < len(level):
            path.append(level[sibling])
        level = _next_level(level)
        index //= 2
    return path


def root_from_inclusion_proof(
    leaf_data: bytes, index: int, tree_size: int, path: Sequence[bytes]
) -> bytes:
    """Return the root implied by an audit path (RFC 9162 §2.1.3.2).

    Raises ValueError if ``index`` is not below ``tree_size`` or ``path`` has
    the wrong length for that position and size.
    """
    if not 0 <= index < tree_size:
        raise ValueError(f"leaf index {index} out of range for tree size {tree_size}")
    fn, sn = index, tree_size - 1
    r = leaf_hash(leaf_data)
    for p in path:
        if sn == 0:
            raise ValueError("audit path is too long")
        if fn & 1 or fn == sn:
            r = _node_hash(p, r)
            # Skip the levels where this node was carried up without a sibling.
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = _node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ValueError("audit path is too short")
    return r


def verify_inclusion(
    leaf_data: bytes, index: int, tree_size: int, path: Sequence[bytes], root: bytes
) -> bool:
    """Return True if ``path`` proves ``leaf_data`` is leaf ``index`` under ``root``."""
    try:
        return root_from_inclusion_proof(leaf_data, index, tree_size, path) == root
    except ValueError:
        return False
