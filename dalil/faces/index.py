"""Searching all face embeddings at once, and turning face distances into body cases with reasons.

`MatrixIndex` keeps every embedding in one float32 numpy matrix in memory (55,000
photos of faces is about 30 MB) and searches it exactly by Euclidean distance,
the measure dlib's model was trained for. The process-wide index is built once,
lazily, and then only takes in faces newer than the last one it holds.
"""

import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext

from dalil.archive.models import BodyCase, Photo
from dalil.faces.models import EMBEDDING_DIMENSIONS, Face, vector_from_bytes

# Distance words, calibrated for dlib's 128-d model (same person is usually < 0.6 on LFW).
VERY_SIMILAR, SIMILAR, WEAK = 0.45, 0.55, 0.6


class FaceIndex(ABC):
    @abstractmethod
    def add(self, ids, vectors) -> None: ...

    @abstractmethod
    def remove(self, ids) -> None: ...

    @abstractmethod
    def search(self, vectors, k: int) -> list[list[tuple[int, float]]]:
        """For each probe vector, the k nearest faces as (face_id, distance), nearest first."""

    @abstractmethod
    def __len__(self) -> int: ...


class MatrixIndex(FaceIndex):
    def __init__(self):
        self.ids = np.empty(0, dtype=np.int64)
        self.matrix = np.empty((0, EMBEDDING_DIMENSIONS), dtype=np.float32)
        self.norms = np.empty(0, dtype=np.float32)
        self.last_id = 0
        self.lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, ids, vectors) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        if not len(ids):
            return
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(ids), EMBEDDING_DIMENSIONS)
        with self.lock:
            self.ids = np.concatenate([self.ids, ids])
            self.matrix = np.concatenate([self.matrix, vectors])
            self.norms = np.concatenate([self.norms, np.einsum("ij,ij->i", vectors, vectors)])
            self.last_id = max(self.last_id, int(ids.max()))

    def remove(self, ids) -> None:
        with self.lock:
            keep = ~np.isin(self.ids, np.asarray(list(ids), dtype=np.int64))
            self.ids, self.matrix, self.norms = self.ids[keep], self.matrix[keep], self.norms[keep]

    def distances(self, vectors) -> np.ndarray:
        """(probes, faces) Euclidean distances; |a-b|² = |a|² + |b|² - 2a·b, one matrix product."""
        probes = np.asarray(vectors, dtype=np.float32).reshape(-1, EMBEDDING_DIMENSIONS)
        squared = self.norms[None, :] + np.einsum("ij,ij->i", probes, probes)[:, None] - 2 * probes @ self.matrix.T
        return np.sqrt(np.maximum(squared, 0))

    def search(self, vectors, k: int) -> list[list[tuple[int, float]]]:
        with self.lock:
            ids = self.ids
            if not len(ids):
                return [[] for _ in np.asarray(vectors).reshape(-1, EMBEDDING_DIMENSIONS)]
            distances = self.distances(vectors)
        k = min(k, len(ids))
        found = []
        for row in distances:
            nearest = np.argpartition(row, k - 1)[:k]
            nearest = nearest[np.lexsort((ids[nearest], row[nearest]))]
            found.append([(int(ids[i]), float(row[i])) for i in nearest])
        return found


_shared: MatrixIndex | None = None
_shared_lock = threading.Lock()


def shared_index() -> MatrixIndex:
    """The process's index: built on first use, then brought up to date with faces added since."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = MatrixIndex()
        index = _shared
        rows = Face.objects.filter(pk__gt=index.last_id).order_by("pk").values_list("pk", "embedding")
        ids, vectors = [], []
        for pk, data in rows.iterator(chunk_size=5000):
            ids.append(pk)
            vectors.append(vector_from_bytes(bytes(data)))
        if ids:
            index.add(ids, np.stack(vectors))
        return index


def reset_shared_index() -> None:
    """Forget the process's index (after faces were deleted, or between tests)."""
    global _shared
    with _shared_lock:
        _shared = None


def words(distance: float) -> str | None:
    if distance < VERY_SIMILAR:
        return gettext("very similar")
    if distance < SIMILAR:
        return gettext("similar")
    if distance < WEAK:
        return gettext("weakly similar")
    return None


def similarity(distance: float) -> float:
    """0..1 for display and scoring: 1 at distance 0.3 or less, 0 at 0.75 or more."""
    return round(float(np.clip((0.75 - distance) / 0.45, 0.0, 1.0)), 3)


@dataclass
class CaseMatch:
    case_id: int
    distance: float  # fused over the probe photos
    face_id: int  # the archive face nearest to any probe
    probes_matched: int
    probes: int

    @property
    def words(self) -> str | None:
        return words(self.distance)

    @property
    def similarity(self) -> float:
        return similarity(self.distance)

    @property
    def reason(self) -> str:
        return gettext("Face %(words)s (distance %(distance).2f), matched by %(matched)d of %(probes)d photos.") % {
            "words": self.words or gettext("not similar"), "distance": self.distance,
            "matched": self.probes_matched, "probes": self.probes}


def _cases_of(face_ids) -> dict[int, int]:
    """face id -> its photo's case, for faces in photos grouped into a case that is not merged away.

    Three primary-key lookups rather than one join: with a join over ~55,000 photos SQLite's planner
    starts from the cases and took about a second per query; these take a few milliseconds.
    """
    photo_of = dict(Face.objects.filter(pk__in=face_ids).values_list("pk", "photo_id"))
    case_of_photo = dict(Photo.objects.filter(pk__in=set(photo_of.values()), case__isnull=False)
                         .values_list("pk", "case_id"))
    live = set(BodyCase.objects.filter(pk__in=set(case_of_photo.values()), merged_into__isnull=True)
               .values_list("pk", flat=True))
    return {face: case_of_photo[photo] for face, photo in photo_of.items()
            if case_of_photo.get(photo) in live}


def search_cases(vectors, top_k: int = 10, fuse: str = "mean", index: FaceIndex | None = None,
                 shown_only: bool = True) -> list[CaseMatch]:
    """Body cases nearest to one or more probe faces (e.g. several photos of one missing person).

    Each case counts its best face per probe; probes are fused by the mean of
    those best distances (a probe that found nothing of the case counts 1.0) or
    by their minimum. Faces in photos not yet grouped into a case are left out.
    """
    vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, EMBEDDING_DIMENSIONS)
    index = shared_index() if index is None else index
    if not len(vectors) or not len(index):
        return []
    per_probe = index.search(vectors, k=max(200, top_k * 20))
    face_ids = {fid for hits in per_probe for fid, _ in hits}
    case_of = _cases_of(face_ids)
    best: dict[int, list] = {}  # case -> per-probe (distance, face)
    for p, hits in enumerate(per_probe):
        for fid, distance in hits:
            case = case_of.get(fid)
            if case is None:
                continue
            row = best.setdefault(case, [None] * len(vectors))
            if row[p] is None or distance < row[p][0]:
                row[p] = (distance, fid)
    matches = []
    for case, row in best.items():
        found = [hit for hit in row if hit is not None]
        distances = [hit[0] if hit else 1.0 for hit in row]
        fused = float(np.mean(distances)) if fuse == "mean" else min(distances)
        nearest = min(found)
        matches.append(CaseMatch(case, round(fused, 4), nearest[1], len(found), len(vectors)))
    matches.sort(key=lambda m: (m.distance, m.case_id))
    if shown_only:
        matches = [m for m in matches if m.distance < WEAK]
    return matches[:top_k]
