"""Decoding pictures for face search: archive originals (hash-checked) and uploaded photos (validated).

Uploads are never stored: they are checked and decoded from the bytes in memory.
Every picture is turned upright from its EXIF orientation and capped in size.
"""

import hashlib
import io
import warnings

import filetype
import numpy as np
from django.conf import settings
from PIL import Image, ImageOps

from dalil.evidence.store import originals

MAX_SIDE = 1024  # longest side scanned: HOG finds faces of ~80 px and more; 1600 px would cost 2.5x the time
UPLOAD_TYPES = {"image/jpeg", "image/png", "image/webp", "image/bmp", "image/tiff", "image/gif"}


class PictureRefused(Exception):
    """The picture cannot be used; the message says why, for the person who gave it."""


def _refusal(name: str, exc: Exception) -> PictureRefused:
    if isinstance(exc, PictureRefused):
        return exc
    if isinstance(exc, (Image.DecompressionBombWarning, Image.DecompressionBombError)):
        return PictureRefused(f"{name}: too many pixels (possible decompression bomb)")
    return PictureRefused(f"{name}: the picture could not be decoded ({type(exc).__name__})")


def _header(data: bytes, name: str, max_pixels: int) -> Image.Image:
    """The picture with only its header read (Image.open decodes nothing), its pixel count checked."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Exception as exc:  # Pillow raises many kinds for broken files
        raise _refusal(name, exc) from None
    width, height = image.size
    if width * height > max_pixels:
        raise PictureRefused(f"{name}: {width}×{height} pixels is more than the limit of {max_pixels:,} "
                             "(possible decompression bomb)")
    return image


def _decode(data: bytes, name: str, max_pixels: int) -> np.ndarray:
    image = _header(data, name, max_pixels)
    try:
        image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # JPEG: decode at a reduced scale, much faster
        # Made small first, in place (PNG, TIFF, WebP cannot be decoded at a reduced scale): turning it upright
        # copies it and RGB can triple it, at full size hundreds of MB for a 38-megapixel upload.
        if image.mode not in ("1", "L", "LA", "RGB", "RGBA"):
            image = image.convert("RGB")
        if max(image.size) > MAX_SIDE:
            image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        image = ImageOps.exif_transpose(image)
        image = image.convert("RGB")
    except Exception as exc:  # Pillow raises many kinds for broken files
        raise _refusal(name, exc) from None
    return np.asarray(image, dtype=np.uint8)


def original_rgb(sha256: str) -> np.ndarray:
    """An archive original, decoded upright; its bytes must still hash to its name."""
    return read_original(originals(), sha256, settings.MAX_DECODE_BYTES, settings.MAX_IMAGE_PIXELS)


def read_original(store, sha256: str, max_bytes: int, max_pixels: int) -> np.ndarray:
    """`original_rgb` without settings, for worker processes."""
    with store.open(sha256) as stream:
        data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PictureRefused(f"original {sha256[:12]}: larger than DALIL_MAX_DECODE_BYTES")
    if hashlib.sha256(data).hexdigest() != sha256:
        raise PictureRefused(f"original {sha256[:12]}: its bytes no longer match its hash; run `dalil verify`")
    return _decode(data, f"original {sha256[:12]}", max_pixels)


def check_upload(data: bytes, name: str) -> None:
    """PictureRefused unless an uploaded photo's size, type (sniffed from its bytes) and pixel count (from its
    header) are acceptable: all of it without decoding a pixel, so that a refusal never waits for a slot."""
    limit = settings.FACES_MAX_UPLOAD_BYTES
    if len(data) > limit:
        raise PictureRefused(f"{name}: {len(data):,} bytes is more than the limit of {limit:,}")
    kind = filetype.guess(data[:8192])
    if kind is None or kind.mime not in UPLOAD_TYPES:
        raise PictureRefused(f"{name}: not a photo (JPEG, PNG, WebP, BMP, TIFF or GIF)")
    _header(data, name, settings.FACES_MAX_UPLOAD_PIXELS)


def upload_rgb(data: bytes, name: str) -> np.ndarray:
    """An uploaded photo: type sniffed from its bytes, size and pixel limits, then decoded upright."""
    check_upload(data, name)
    return _decode(data, name, settings.FACES_MAX_UPLOAD_PIXELS)


CROP_MARGIN, CROP_BELOW = 0.12, 0.04  # of the face box's side: above and beside it, below the chin


def crop_jpeg(rgb: np.ndarray, box: tuple[int, int, int, int], size: int = 160) -> bytes:
    """The face, tight, as a small JPEG made from pixels only (no EXIF, ICC or XMP).

    Families see these crops as the step before the photographs: a small margin above and beside the detector's
    box (forehead, ears) and almost none below the chin, so no collar, neck wound or chest comes with the face.
    """
    top, right, bottom, left = box
    side = max(bottom - top, right - left)
    margin, below = int(CROP_MARGIN * side), int(CROP_BELOW * side)
    h, w = rgb.shape[:2]
    area = rgb[max(0, top - margin):min(h, bottom + below), max(0, left - margin):min(w, right + margin)]
    image = Image.fromarray(np.ascontiguousarray(area), "RGB")
    image.thumbnail((size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()
