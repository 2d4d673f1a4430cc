"""The authenticity stage: check every photo not checked yet, then compare each collection's photos.

Resumable: each photo's findings are one row written in its own transaction,
so a killed run leaves whole photos behind and the next run checks the rest.
The collection pass (dalil.authenticity.collection) runs after the per-photo
pass, over every checked photo of each collection touched, and rewrites only
the `collection_findings` and `flags`: it is cheap and gives the same result
on the same photos. Ingest runs this after its batches when DALIL_AUTHENTICITY
is on (the default); `dalil authenticity check` runs it by hand.
"""

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.db import transaction

from dalil.archive.models import Photo
from dalil.authenticity import checks, collection
from dalil.authenticity.models import PhotoCheck
from dalil.evidence.models import Sighting
from dalil.evidence.store import originals

log = logging.getLogger("dalil.authenticity")


@dataclass
class StageSummary:
    collection: str = ""
    to_check: int = 0
    checked: int = 0
    flagged: int = 0
    failed: int = 0
    already_checked: int = 0
    collections_compared: int = 0
    seconds: float = 0.0
    ms_per_photo: float = 0.0
    problems: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def photos_in(name: str | None = None):
    photos = Photo.objects.all()
    if name:
        photos = photos.filter(item__sightings__acquisition__collection__name=name)
    return photos


def check_photos(name: str | None = None, progress: Callable | None = None) -> StageSummary:
    """Check the photos (of collection `name`, or all) with no findings yet, then compare within collections."""
    started = time.monotonic()
    summary = StageSummary(collection=name or "")
    photos = photos_in(name)
    todo = list(photos.filter(authenticity__isnull=True).values_list("pk", "item__sha256").distinct().order_by("pk"))
    summary.to_check = len(todo)
    summary.already_checked = photos.filter(authenticity__isnull=False).distinct().count()
    if progress:
        progress("start", photos=len(todo))
    store = originals()
    spent = 0.0
    for pk, sha in todo:
        photo_started = time.perf_counter()
        findings, note = _examine(store, sha)
        spent += time.perf_counter() - photo_started
        with transaction.atomic():
            if not PhotoCheck.objects.filter(photo_id=pk).exists():  # another run may have checked it meanwhile
                row = PhotoCheck(photo_id=pk, findings=[f.as_dict() for f in findings], note=note,
                                 versions={f.check: f.version for f in findings})
                row.refresh_flags()
                row.save()
                summary.checked += 1
        if note:
            summary.failed += 1
            if len(summary.problems) < 5:
                summary.problems.append(f"photo {pk}: {note}")
            log.warning("authenticity: photo %s not checked: %s", pk, note)
        if progress:
            progress("photo")
    names = [name] if name else sorted(set(
        Sighting.objects.filter(item__photo__isnull=False).values_list("acquisition__collection__name", flat=True)))
    for collection_name in names:
        compare_collection(collection_name)
        summary.collections_compared += 1
    summary.flagged = PhotoCheck.objects.filter(photo__in=photos).exclude(flags=[]).count()
    summary.seconds = round(time.monotonic() - started, 3)
    summary.ms_per_photo = round(spent * 1000 / len(todo), 1) if todo else 0.0
    return summary


def _examine(store, sha: str) -> tuple[list, str]:
    try:
        with store.open(sha) as handle:
            data = handle.read()
    except Exception as exc:  # a missing or unreadable object: recorded, `dalil verify` says more
        return [], f"the original could not be read from the store ({type(exc).__name__})"
    if hashlib.sha256(data).hexdigest() != sha:
        return [], "the stored original no longer matches its SHA-256: run `dalil verify`"
    return checks.examine(data, settings.MAX_IMAGE_PIXELS), ""


def compare_collection(name: str) -> None:
    """Rewrite the collection findings of every checked photo of collection `name`."""
    rows = []
    paths = {}
    for item_id, path in (Sighting.objects.filter(acquisition__collection__name=name, item__photo__isnull=False)
                          .order_by("pk").values_list("item_id", "path")):
        paths.setdefault(item_id, path)
    for check in PhotoCheck.objects.filter(photo__in=photos_in(name)).select_related("photo").distinct():
        evidence = {f["check"]: f.get("evidence", {}) for f in check.findings}
        metadata, structure = evidence.get("metadata", {}), evidence.get("jpeg_structure", {})
        folder, _, filename = paths.get(check.photo.item_id, "").rpartition("/")
        rows.append({
            "id": check.pk, "model": " ".join(filter(None, (metadata.get("make"), metadata.get("model")))),
            "serial": check.photo.camera_serial or metadata.get("serial", ""), "firmware": metadata.get("software", ""),
            "tables": repr((structure.get("luma_table"), structure.get("chroma_table"))),
            "layout": " ".join(m for m in structure.get("markers", []) if not m.startswith(("APP", "COM"))),
            "folder": folder, "name": filename, "captured": metadata.get("captured", ""),
        })
    found = collection.compare(rows)
    for check in PhotoCheck.objects.filter(pk__in=[r["id"] for r in rows]):
        new = found.get(check.pk, [])
        if new != check.collection_findings:
            check.collection_findings = new
            check.refresh_flags()
            check.save(update_fields=["collection_findings", "flags"])
