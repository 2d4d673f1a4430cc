"""Linking photos that look alike: same scene re-encoded, resized or cropped.

Exact duplicates share a SHA-256 and are one Item; near duplicates are
different bytes whose PDQ hashes differ in few of their 256 bits. Each new
photo is compared with every photo once (its `near_duplicates_checked` flag is
set in the same transaction as its links), so an interrupted run finishes the
job on the next one and the result never depends on the order of ingest.
"""

import numpy as np
from django.db import transaction

from dalil.archive.models import NearDuplicate, Photo

# PDQ's authors recommend 31 of 256 bits for "same image" at a low false-match rate.
MAX_DISTANCE = 31
# Below this quality a PDQ hash (of a near-uniform image) matches too much to mean anything.
MIN_QUALITY = 50
_CHUNK_BYTES = 64 * 1024 * 1024


def link_unchecked() -> int:
    """Compare every unchecked photo with all photos; returns how many new pairs were linked."""
    rows = list(
        Photo.objects.exclude(pdq="").filter(pdq_quality__gte=MIN_QUALITY)
        .order_by("item__sha256").values_list("id", "item__sha256", "pdq", "near_duplicates_checked")
    )
    unchecked_ids = list(Photo.objects.filter(near_duplicates_checked=False).values_list("id", flat=True))
    if not unchecked_ids:
        return 0
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    hashes = np.frombuffer(b"".join(bytes.fromhex(r[2]) for r in rows), dtype=np.uint64).reshape(-1, 4) if rows else None
    position = {r[0]: i for i, r in enumerate(rows)}
    linked = 0
    step = max(1, _CHUNK_BYTES // max(1, len(rows) * 32))
    for start in range(0, len(unchecked_ids), step):
        chunk = unchecked_ids[start:start + step]
        pairs = []
        comparable = [position[i] for i in chunk if i in position]
        if comparable and hashes is not None:
            distances = np.bitwise_count(hashes[comparable][:, None, :] ^ hashes[None, :, :]).sum(axis=2)
            for row, col in zip(*np.nonzero(distances <= MAX_DISTANCE)):
                i, j = comparable[row], int(col)
                if i != j:
                    a, b = (i, j) if i < j else (j, i)  # rows are sorted by SHA-256: a has the smaller one
                    pairs.append(NearDuplicate(a_id=int(ids[a]), b_id=int(ids[b]), distance=int(distances[row, col])))
        with transaction.atomic():
            before = NearDuplicate.objects.count()
            NearDuplicate.objects.bulk_create(pairs, ignore_conflicts=True)
            linked += NearDuplicate.objects.count() - before
            Photo.objects.filter(id__in=chunk).update(near_duplicates_checked=True)
    return linked
