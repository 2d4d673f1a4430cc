"""Scanning one archive photo for faces, touching no database.

Two ways in, one scan. Ingest's per-item work decodes each photo once and
hands the faces stage the same pixels (`scan_pixels`, called from
dalil.ingest.process), so a photo is never decoded a second time for its
faces. Photos ingested with face search off, or whose scan failed there, are
scanned later by the faces stage in worker processes (`scan_photo`): the
original is read from the store (its bytes must still hash to its name) and
decoded by the same function (`imaging.decode`), so both ways give the same
picture and the same faces. Each face crop goes to the derivatives store; the
parent process records what is returned.
"""

import hashlib
import io
import warnings
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from dalil.archive import imaging
from dalil.evidence.store import StoreError, open_store
from dalil.faces.backend import DetectedFace, FaceBackend
from dalil.faces.images import PictureRefused, crop_jpeg


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
    photo_id: int | None  # None while ingest's per-item work does not know the photo's row yet
    faces: list[DetectedFace] = field(default_factory=list)
    crops: list[str] = field(default_factory=list)
    note: str = ""  # why the photo could not be scanned, if so
    backend: str = ""  # the backend that scanned it
    decodes: int = 0  # pixel decodes this scan made (0 when it was handed ingest's pixels)


_stores: dict = {}
_backend: FaceBackend | None = None


def worker_init() -> None:
    """In a worker process: dlib's models loaded once."""
    shared_backend()


def shared_backend() -> FaceBackend:
    """This process's archive backend, its models loaded on first use and kept."""
    global _backend
    if _backend is None:
        from dalil.faces.backend import archive_backend

        _backend = archive_backend()
    return _backend


def scan_pixels(rgb: np.ndarray, derived, backend: FaceBackend | None = None,
                photo_id: int | None = None) -> Scanned:
    """The faces in a decoded upright picture (`imaging.Decoded.face_rgb()`), their crops stored."""
    backend = backend or shared_backend()
    found = backend.detect_and_embed(rgb)
    crops = []
    for face in found:
        turned = np.rot90(rgb, face.turns) if face.turns else rgb
        crops.append(derived.put_bytes(crop_jpeg(turned, face.box)))
    return Scanned(photo_id, found, crops, backend=backend.name)


def scan_photo(photo_id: int, sha256: str, config: ScanConfig, backend: FaceBackend | None = None) -> Scanned:
    """The faces in one stored original, their crops already in the derivatives store."""
    if config not in _stores:
        _stores[config] = (open_store(config.store_url, config.tmp_root, False, config.s3_endpoint_url),
                           open_store(config.derivatives_url, config.tmp_root, False, config.s3_endpoint_url))
    originals, derived = _stores[config]
    decodes_before = imaging.decodes()
    try:
        rgb = _decode_original(originals, sha256, config)
        scanned = scan_pixels(rgb, derived, backend, photo_id)
    except (PictureRefused, StoreError) as exc:
        scanned = Scanned(photo_id, note=str(exc)[:300], backend=backend.name if backend else "dlib")
    scanned.decodes = imaging.decodes() - decodes_before
    return scanned


def _decode_original(store, sha256: str, config: ScanConfig) -> np.ndarray:
    """The faces stage's picture of a stored original: the same pixels ingest's decode hands it."""
    name = f"original {sha256[:12]}"
    with store.open(sha256) as stream:
        data = stream.read(config.max_decode_bytes + 1)
    if len(data) > config.max_decode_bytes:
        raise PictureRefused(f"{name}: larger than DALIL_MAX_DECODE_BYTES")
    if hashlib.sha256(data).hexdigest() != sha256:
        raise PictureRefused(f"{name}: its bytes no longer match its hash; run `dalil verify`")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            header = Image.open(io.BytesIO(data))  # the header only: size and format, no pixel decoded
        width, height = header.size
    except Exception as exc:  # Pillow raises many kinds for broken files
        raise PictureRefused(f"{name}: the picture could not be decoded ({type(exc).__name__})") from None
    if width * height > config.max_image_pixels:
        raise PictureRefused(f"{name}: {width}×{height} pixels is more than the limit of "
                             f"{config.max_image_pixels:,} (possible decompression bomb)")
    try:
        return imaging.decode(data, width, height, header.format == "JPEG", thumbnail=False, faces=True).face_rgb()
    except imaging.CorruptImage as exc:
        raise PictureRefused(f"{name}: the picture could not be decoded ({exc})") from None
