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


def _decode(data: bytes, name: str, max_pixels: int) -> np.ndarray:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > max_pixels:
                raise PictureRefused(f"{name}: {width}×{height} pixels is more than the limit of {max_pixels:,} "
                                     "(possible decompression bomb)")
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # JPEG: decode at a reduced scale, much faster
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGB")
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise PictureRefused(f"{name}: too many pixels (possible decompression bomb)") from None
    except PictureRefused:
        raise
    except Exception as exc:  # Pillow raises many kinds for broken files
        raise PictureRefused(f"{name}: the picture could not be decoded ({type(exc).__name__})") from None
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
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


def upload_rgb(data: bytes, name: str) -> np.ndarray:
    """An uploaded photo: type sniffed from its bytes, size and pixel limits, then decoded upright."""
    limit = settings.FACES_MAX_UPLOAD_BYTES
    if len(data) > limit:
        raise PictureRefused(f"{name}: {len(data):,} bytes is more than the limit of {limit:,}")
    kind = filetype.guess(data[:8192])
    if kind is None or kind.mime not in UPLOAD_TYPES:
        raise PictureRefused(f"{name}: not a photo (JPEG, PNG, WebP, BMP, TIFF or GIF)")
    return _decode(data, name, settings.FACES_MAX_UPLOAD_PIXELS)


def crop_jpeg(rgb: np.ndarray, box: tuple[int, int, int, int], size: int = 160) -> bytes:
    """A face with a margin around it, as a small JPEG made from pixels only (no EXIF, ICC or XMP)."""
    top, right, bottom, left = box
    margin = int(0.3 * max(bottom - top, right - left))
    h, w = rgb.shape[:2]
    area = rgb[max(0, top - margin):min(h, bottom + margin), max(0, left - margin):min(w, right + margin)]
    image = Image.fromarray(np.ascontiguousarray(area), "RGB")
    image.thumbnail((size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()
