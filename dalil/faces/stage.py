"""The faces stage: scan every photo not scanned yet, store its faces, record the scan.

Resumable: each photo's faces and its FaceScan are written in one transaction,
so a killed run leaves whole photos behind and the next run scans the rest.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
from django.db import transaction

from dalil.archive.models import Photo
from dalil.evidence.store import StoreError, derivatives
from dalil.faces.backend import FaceBackend, default_backend
from dalil.faces.images import PictureRefused, crop_jpeg, original_rgb
from dalil.faces.models import Face, FaceScan, vector_to_bytes

log = logging.getLogger("dalil.faces")


@dataclass
class StageSummary:
    collection: str = ""
    to_scan: int = 0
    scanned: int = 0
    with_faces: int = 0
    without_faces: int = 0
    faces: int = 0
    failed: int = 0
    already_scanned: int = 0
    seconds: float = 0.0
    problems: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def photos_in(collection: str | None = None):
    photos = Photo.objects.all()
    if collection:
        photos = photos.filter(item__sightings__acquisition__collection__name=collection)
    return photos


def index_faces(collection: str | None = None, backend: FaceBackend | None = None,
                progress: Callable | None = None) -> StageSummary:
    started = time.monotonic()
    summary = StageSummary(collection=collection or "")
    photos = photos_in(collection)
    todo = list(photos.filter(face_scan__isnull=True).values_list("pk", "item__sha256").distinct().order_by("pk"))
    summary.to_scan = len(todo)
    summary.already_scanned = photos.filter(face_scan__isnull=False).distinct().count()
    if progress:
        progress("start", photos=len(todo))
    if todo and backend is None:
        backend = default_backend()
    store = derivatives()
    for pk, sha in todo:
        try:
            found, note, crops = _scan(backend, sha, store)
        except (PictureRefused, StoreError) as exc:
            found, note, crops = [], str(exc)[:300], []
            summary.failed += 1
            if len(summary.problems) < 5:
                summary.problems.append(note)
            log.warning("faces: photo %s not scanned: %s", pk, note)
        with transaction.atomic():
            if FaceScan.objects.filter(photo_id=pk).exists():  # another run got there first
                continue
            Face.objects.bulk_create([
                Face(photo_id=pk, top=f.box[0], right=f.box[1], bottom=f.box[2], left=f.box[3],
                     landmarks=f.landmarks, embedding=vector_to_bytes(f.embedding), crop_sha256=crop,
                     detector=f.detector)
                for f, crop in zip(found, crops)])
            FaceScan.objects.create(photo_id=pk, faces=len(found), note=note, backend=backend.name)
        summary.scanned += 1
        summary.faces += len(found)
        if found:
            summary.with_faces += 1
        elif not note:
            summary.without_faces += 1
        if progress:
            progress("photo", faces=len(found))
    summary.seconds = round(time.monotonic() - started, 3)
    return summary


def _scan(backend: FaceBackend, sha: str, store):
    rgb = original_rgb(sha)
    found = backend.detect_and_embed(rgb)
    crops = []
    for face in found:
        turned = np.rot90(rgb, face.turns) if face.turns else rgb
        crops.append(store.put_bytes(crop_jpeg(turned, face.box)))
    return found, "", crops
