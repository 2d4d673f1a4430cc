"""A family's uploaded photo of their missing relative: checked, then re-encoded without metadata.

The type is read from the bytes (never from the name or the browser's word),
size and pixel count are bounded before any pixel is decoded (Image.open reads
the header only), and what is kept is a fresh JPEG made from pixels alone: no
EXIF (GPS, camera serial), XMP or ICC. Decoding holds one of the server's
DALIL_HEAVY_JOBS slots (dalil.lib.limits), so that a few small files declaring
tens of megapixels cannot take all its memory and CPU at once.
"""

import io
import warnings

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from dalil.lib.limits import heavy_work

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
KEEP_SIDE = 2000  # longest side kept: enough to recognise a face, small to store
FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF"}

TOO_BIG = _("This file is larger than 10 MB. Please choose a smaller photo.")
NOT_IMAGE = _("This file is not a photo we can read (JPEG, PNG or WebP). Please choose another file.")
TOO_MANY_PIXELS = _("This picture is too large (more than 40 megapixels). Please choose a smaller photo.")


def read_upload(upload, limit: int = MAX_BYTES) -> bytes:
    if upload.size is not None and upload.size > limit:
        raise ValidationError(TOO_BIG, code="too_big")
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(TOO_BIG, code="too_big")
    return data


def clean_photo(data: bytes) -> bytes:
    """JPEG bytes, metadata-free, of the photo in `data`; ValidationError with a plain message otherwise.

    dalil.lib.limits.Busy when the server is decoding DALIL_HEAVY_JOBS pictures already and none finished in time.
    """
    if len(data) > MAX_BYTES:
        raise ValidationError(TOO_BIG, code="too_big")
    image = _open(data)  # the header is checked at once: a refused file never waits for a slot
    with heavy_work():
        return _clean(image)


def _open(data: bytes) -> Image.Image:
    """The picture with only its header read: its type and pixel count checked."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))  # reads the header only
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ValidationError(TOO_MANY_PIXELS, code="bomb") from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
            raise ValidationError(NOT_IMAGE, code="not_image") from None
    if image.format not in FORMATS:
        raise ValidationError(NOT_IMAGE, code="not_image")
    if image.width * image.height > MAX_PIXELS:  # from the header: nothing decoded yet
        raise ValidationError(TOO_MANY_PIXELS, code="bomb")
    return image


def _clean(image: Image.Image) -> bytes:
    try:
        image.draft("RGB", (KEEP_SIDE, KEEP_SIDE))  # JPEG: decoded at the scale kept, a fraction of the memory
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise ValidationError(NOT_IMAGE, code="not_image") from None
    try:
        # Made small first, in place: turning it upright copies it and RGB can triple it (a 38-megapixel
        # black-and-white PNG would take 150 MB more at full size).
        if image.mode not in ("1", "L", "LA", "RGB", "RGBA"):
            image = image.convert("RGB")
        image.thumbnail((KEEP_SIDE, KEEP_SIDE))
        image = ImageOps.exif_transpose(image)  # keep it upright, then forget the EXIF
        if image.mode != "RGB":
            image = image.convert("RGB")
    except (OSError, ValueError):
        raise ValidationError(NOT_IMAGE, code="not_image") from None
    pixels_only = Image.new("RGB", image.size)
    pixels_only.paste(image)
    out = io.BytesIO()
    pixels_only.save(out, "JPEG", quality=85, optimize=True)  # no exif=, icc_profile= : nothing carried over
    return out.getvalue()
