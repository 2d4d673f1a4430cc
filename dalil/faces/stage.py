"""The faces stage: scan every photo not scanned yet, store its faces, record the scan.

During ingest, each photo is scanned by the per-item work from the pixels it
already decoded, and `record_scanned` writes what it found batch by batch;
`index_faces` then scans only what is left (photos ingested with face search
off, or whose scan failed there) from the stored originals.

Resumable: a photo's faces and its FaceScan are written in one transaction,
so a killed run leaves whole photos behind and the next run scans the rest.
`index_faces` scans in worker processes (`dalil.faces.scan`, one per CPU by
default); only this process writes to the database. When faces were added,
`faces_indexed` is sent, so that reports with a photo get their candidates
refreshed (dalil.identification listens).
"""

import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context

import django.dispatch
from django.db import IntegrityError, transaction

from dalil.archive.models import Photo
from dalil.faces.backend import FaceBackend
from dalil.faces.models import Face, FaceScan, vector_to_bytes
from dalil.faces.scan import ScanConfig, Scanned, scan_photo, worker_init

log = logging.getLogger("dalil.faces")

# Sent after a run that stored new faces: summary=StageSummary.
faces_indexed = django.dispatch.Signal()

# Below this many photos a pool costs more than it saves (each worker loads dlib's models, ~1 s).
POOL_MIN_PHOTOS = 24


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
    decodes: int = 0  # pictures this stage decoded itself (read back from the store)
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
                progress: Callable | None = None, workers: int = 0,
                summary: StageSummary | None = None) -> StageSummary:
    """Scan the photos (of `collection`, or all) with no FaceScan yet. `workers`: 0 for one per CPU.

    An explicit `backend` (tests: FakeBackend) is run in this process. `summary`: counts so far (what ingest's
    per-item work found, see `record_scanned`), added to.
    """
    started = time.monotonic()
    summary = summary or StageSummary()
    summary.collection = collection or ""
    photos = photos_in(collection)
    todo = list(photos.filter(face_scan__isnull=True).values_list("pk", "item__sha256").distinct().order_by("pk"))
    summary.to_scan = len(todo)
    summary.already_scanned = photos.filter(face_scan__isnull=False).distinct().count()
    if progress:
        progress("start", photos=len(todo))
    for scanned in _scanned(todo, ScanConfig.from_settings(), backend, workers):
        summary.decodes += scanned.decodes
        if _record(scanned, scanned.backend or "dlib"):
            _count(summary, scanned)
        if scanned.note:
            summary.failed += 1
            if len(summary.problems) < 5:
                summary.problems.append(scanned.note)
            log.warning("faces: photo %s not scanned: %s", scanned.photo_id, scanned.note)
        if progress:
            progress("photo", faces=len(scanned.faces))
    summary.seconds = round(summary.seconds + time.monotonic() - started, 3)
    if summary.faces:
        faces_indexed.send(sender=index_faces, summary=summary)
    return summary


def record_scanned(scans: dict[str, Scanned], summary: StageSummary) -> None:
    """Record what ingest's per-item work found, by the photos' SHA-256: one transaction for the batch.

    A photo already scanned (the same bytes ingested before) is left as it is.
    """
    started = time.monotonic()
    photos = dict(Photo.objects.filter(item__sha256__in=list(scans), face_scan__isnull=True)
                  .values_list("item__sha256", "pk"))
    todo = [Scanned(photos[sha], s.faces, s.crops, s.note, s.backend) for sha, s in scans.items() if sha in photos]
    try:
        with transaction.atomic():
            Face.objects.bulk_create([face for scanned in todo for face in _faces(scanned)])
            FaceScan.objects.bulk_create([FaceScan(photo_id=s.photo_id, faces=len(s.faces), note=s.note,
                                                   backend=s.backend) for s in todo])
        recorded = todo
    except IntegrityError:  # another run recorded some of them a moment ago: photo by photo, skipping those
        recorded = [scanned for scanned in todo if _record(scanned, scanned.backend)]
    for scanned in recorded:
        _count(summary, scanned)
    summary.seconds = round(summary.seconds + time.monotonic() - started, 3)


def _count(summary: StageSummary, scanned: Scanned) -> None:
    summary.scanned += 1
    summary.faces += len(scanned.faces)
    if scanned.faces:
        summary.with_faces += 1
    elif not scanned.note:
        summary.without_faces += 1


def _faces(scanned: Scanned) -> list[Face]:
    return [Face(photo_id=scanned.photo_id, top=f.box[0], right=f.box[1], bottom=f.box[2], left=f.box[3],
                 landmarks=f.landmarks, embedding=vector_to_bytes(f.embedding), crop_sha256=crop, detector=f.detector)
            for f, crop in zip(scanned.faces, scanned.crops)]


def _scanned(todo, config: ScanConfig, backend: FaceBackend | None, workers: int):
    """Scanned photos in completion order: in worker processes, or here for a few photos or a given backend."""
    workers = workers if workers > 0 else (os.cpu_count() or 1)
    if backend is not None or workers <= 1 or len(todo) < POOL_MIN_PHOTOS:
        for pk, sha in todo:
            yield scan_photo(pk, sha, config, backend)
        return
    # spawn, as ingest does: a forked child must never inherit the parent's database handle.
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=worker_init) as pool:
        running = set()
        for pk, sha in todo:
            running.add(pool.submit(scan_photo, pk, sha, config))
            if len(running) >= workers * 4:
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    yield future.result()
        for future in list(running):
            yield future.result()


def _record(scanned: Scanned, backend_name: str) -> bool:
    """The photo's faces and its FaceScan in one transaction; False if another run recorded it first."""
    with transaction.atomic():
        if FaceScan.objects.filter(photo_id=scanned.photo_id).exists():
            return False
        Face.objects.bulk_create(_faces(scanned))
        FaceScan.objects.create(photo_id=scanned.photo_id, faces=len(scanned.faces), note=scanned.note,
                                backend=backend_name)
    return True
