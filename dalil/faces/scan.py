"""Scanning one archive photo for faces, touching no database: the faces stage runs it in worker processes.

A worker reads the original from the store (its bytes must still hash to its
name), finds and embeds the faces, and writes each face crop to the
derivatives store; the parent process records what it returns.
"""

from dataclasses import dataclass, field

import numpy as np

from dalil.evidence.store import StoreError, open_store
from dalil.faces.backend import DetectedFace, FaceBackend
from dalil.faces.images import PictureRefused, crop_jpeg, read_original


@dataclass(frozen=True)
class ScanConfig:
    store_url: str
    derivatives_url: str
    tmp_root: str
    s3_endpoint_url: str
    max_decode_bytes: int
    max_image_pixels: int

    @classmethod
    def from_settings(cls) -> "ScanConfig":
        from django.conf import settings

        return cls(settings.STORE_URL, settings.DERIVATIVES_URL, str(settings.HOME / "tmp"),
                   settings.S3_ENDPOINT_URL, settings.MAX_DECODE_BYTES, settings.MAX_IMAGE_PIXELS)


@dataclass
class Scanned:
    photo_id: int
    faces: list[DetectedFace] = field(default_factory=list)
    crops: list[str] = field(default_factory=list)
    note: str = ""  # why the photo could not be scanned, if so


_stores: dict = {}
_backend: FaceBackend | None = None


def worker_init() -> None:
    """In a worker process: dlib's models loaded once."""
    global _backend
    from dalil.faces.backend import archive_backend

    _backend = archive_backend()


def scan_photo(photo_id: int, sha256: str, config: ScanConfig, backend: FaceBackend | None = None) -> Scanned:
    """The faces in one stored original, their crops already in the derivatives store."""
    backend = backend or _backend
    if backend is None:
        from dalil.faces.backend import archive_backend

        backend = archive_backend()
    if config not in _stores:
        _stores[config] = (open_store(config.store_url, config.tmp_root, False, config.s3_endpoint_url),
                           open_store(config.derivatives_url, config.tmp_root, False, config.s3_endpoint_url))
    originals, derived = _stores[config]
    try:
        rgb = read_original(originals, sha256, config.max_decode_bytes, config.max_image_pixels)
        found = backend.detect_and_embed(rgb)
        crops = []
        for face in found:
            turned = np.rot90(rgb, face.turns) if face.turns else rgb
            crops.append(derived.put_bytes(crop_jpeg(turned, face.box)))
    except (PictureRefused, StoreError) as exc:
        return Scanned(photo_id, note=str(exc)[:300])
    return Scanned(photo_id, found, crops)
