"""Reading a photo's facts and making its public-safe derivatives.

Derivatives are re-encoded from pixels alone: no EXIF, XMP, ICC profile or
comment is ever copied into them, because a camera serial number or GPS
position in a thumbnail could identify the photographer.
"""

import base64
import datetime
import io
import re

import numpy as np
import pdqhash
import pyvips
from PIL import ExifTags, Image, ImageFilter, TiffImagePlugin

THUMBNAIL_PX = 512
PREVIEW_PX = 320
# Decodable by the bytes' type but not by Pillow without plug-ins: kept and typed only.
UNDECODABLE = {"image/heic", "image/heif", "image/avif", "image/x-canon-cr2", "image/x-canon-cr3", "image/x-nikon-nef"}
_SUB_IFDS = {0x8769: "Exif", 0x8825: "GPS", 0xA005: "Interop"}


class TooManyPixels(Exception):
    pass


class CorruptImage(Exception):
    pass


def describe(image: Image.Image, max_pixels: int) -> dict:
    """Format, size, camera and capture time, and every EXIF tag, from an opened image."""
    width, height = image.size
    if width * height > max_pixels:
        raise TooManyPixels(
            f"{width}x{height} = {width * height:,} pixels is more than the limit of {max_pixels:,} "
            "(possible decompression bomb); preserved and hashed, not decoded"
        )
    exif = image.getexif()
    tags = exif_to_json(exif)
    sub = tags.get("Exif", {})
    xmp = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp") or b""
    xmp_text = xmp.decode("utf-8", "replace") if isinstance(xmp, bytes) else str(xmp)
    return {
        "warnings": _xmp_size_disagreement(xmp_text, width, height),
        "format": image.format or "",
        "width": width,
        "height": height,
        "camera_make": _text(exif.get(0x010F)),
        "camera_model": _text(exif.get(0x0110)),
        "camera_serial": _text(sub.get("BodySerialNumber") or sub.get("CameraSerialNumber")),
        "captured_at": _capture_time(sub.get("DateTimeOriginal") or tags.get("DateTime"), sub.get("SubsecTimeOriginal")),
        "exif": tags,
        "xmp": xmp_text,
    }


def _xmp_size_disagreement(xmp: str, width: int, height: int) -> list[str]:
    """A photo whose metadata names another size was cropped or resized after it was written."""
    found = [re.search(rf"exif:Pixel{axis}Dimension(?:>|=[\"'])(\d+)", xmp) for axis in "XY"]
    if not all(found):
        return []
    claimed = tuple(int(m.group(1)) for m in found)
    if claimed in ((width, height), (height, width)):
        return []
    return [f"its XMP metadata says {claimed[0]}x{claimed[1]} pixels but the image is {width}x{height}: "
            "it was probably cropped or resized after the metadata was written"]


def derive(data: bytes, width: int, height: int, is_jpeg: bool) -> tuple[bytes, bytes, str, int]:
    """Thumbnail JPEG, blurred preview JPEG, and the PDQ hash (hex) with its quality.

    libvips decodes a JPEG at 1/2..1/8 scale (DCT scaling, as much as still
    leaves 512 px) and, unlike Pillow, refuses corrupt entropy-coded data
    instead of filling it with grey.
    """
    try:
        if is_jpeg:
            shrink = max([s for s in (1, 2, 4, 8) if max(width, height) / s >= THUMBNAIL_PX] or [1])
            # Sequential access decodes straight through, once; rotate only after it is in memory.
            image = pyvips.Image.jpegload_buffer(data, shrink=shrink, fail_on="warning", access="sequential")
            image = image.copy_memory().autorot()
            scale = THUMBNAIL_PX / max(image.width, image.height)
            if scale < 1:
                image = image.resize(scale, kernel="linear")
        else:
            image = pyvips.Image.thumbnail_buffer(data, THUMBNAIL_PX, option_string="fail-on=warning")
        image = _to_srgb8(image).copy_memory()
    except pyvips.Error as exc:
        raise CorruptImage(_vips_reason(exc)) from None
    pixels = image.numpy()
    # PDQ on the 512 px image, as its authors recommend; a 256 px copy was faster but changed 10-24 bits.
    hash_bits, quality = pdqhash.compute(np.ascontiguousarray(pixels))
    pdq = np.packbits(hash_bits.astype(np.uint8)).tobytes().hex()
    thumbnail = image.jpegsave_buffer(Q=82, keep="none")  # pixels only: no EXIF, XMP, ICC or comment
    return thumbnail, _jpeg(blurred(Image.fromarray(pixels)), 70), pdq, int(quality)


def _to_srgb8(image):
    if image.hasalpha():
        image = image.flatten(background=[255] * (image.bands - 1))
    if image.interpretation not in ("srgb", "b-w") or image.format != "uchar":
        image = image.colourspace("srgb")
    if image.bands == 1:
        image = image.bandjoin([image, image])
    if image.format != "uchar":
        image = image.cast("uchar")
    return image


def _vips_reason(exc) -> str:
    detail = " ".join(line.strip() for line in str(getattr(exc, "detail", "") or exc).splitlines() if line.strip())
    return detail.replace("VipsJpeg: ", "").replace("unable to write to memory", "").strip() or str(exc)


def blurred(image: Image.Image) -> Image.Image:
    """So blurred that shapes and colours show but no face, wound or number can be read."""
    small = image.copy()
    small.thumbnail((24, 24), Image.Resampling.BOX)
    # Blur at a quarter of the size, then scale up: the same look for a fraction of the work.
    size = (PREVIEW_PX, max(1, round(PREVIEW_PX * image.height / image.width)))
    quarter = (max(1, size[0] // 4), max(1, size[1] // 4))
    return small.resize(quarter, Image.Resampling.BILINEAR).filter(ImageFilter.GaussianBlur(1.5)).resize(
        size, Image.Resampling.BILINEAR)


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)  # no exif=, icc_profile=, comment=: nothing leaks
    return out.getvalue()


def exif_to_json(exif: Image.Exif) -> dict:
    out = {_name(tag): _jsonable(value) for tag, value in exif.items() if tag not in _SUB_IFDS}
    for ifd_tag, name in _SUB_IFDS.items():
        try:
            ifd = exif.get_ifd(ifd_tag)
        except Exception:  # a damaged sub-IFD must not lose the rest
            continue
        if ifd:
            table = ExifTags.GPSTAGS if name == "GPS" else ExifTags.TAGS
            out[name] = {table.get(tag, f"0x{tag:04X}"): _jsonable(value) for tag, value in ifd.items()}
    return out


def _name(tag: int) -> str:
    return ExifTags.TAGS.get(tag, f"0x{tag:04X}")


def _jsonable(value):
    if isinstance(value, bytes):
        text = value.rstrip(b"\x00")
        if text.isascii() and all(32 <= c < 127 for c in text):
            return text.decode("ascii")
        return {"base64": base64.b64encode(value[:65536]).decode(), "length": len(value)}
    if isinstance(value, str):
        return value.replace("\x00", "").strip()
    if isinstance(value, TiffImagePlugin.IFDRational):
        return None if value.denominator == 0 else float(value)
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (int, float)) or value is None:
        return value
    return str(value)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).split("\x00", 1)[0].strip()  # EXIF ASCII ends at the first NUL


def _capture_time(value, subsec) -> str | None:
    """EXIF local camera time as ISO 8601 (the camera's clock, no zone known)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.datetime.strptime(value.strip()[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    if isinstance(subsec, str) and subsec.strip().isdigit():
        moment = moment.replace(microsecond=int(subsec.strip()[:6].ljust(6, "0")))
    return moment.isoformat()
