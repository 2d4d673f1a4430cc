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

from dalil.archive import ciff

THUMBNAIL_PX = 512
PREVIEW_PX = 320
# Decodable by the bytes' type but not by Pillow without plug-ins: kept and typed only.
UNDECODABLE = {"image/heic", "image/heif", "image/avif", "image/x-canon-cr2", "image/x-canon-cr3", "image/x-nikon-nef"}
_SUB_IFDS = {0x8769: "Exif", 0x8825: "GPS", 0xA005: "Interop"}


class TooManyPixels(Exception):
    pass


class CorruptImage(Exception):
    pass


def describe(image: Image.Image, max_pixels: int, data: bytes = b"") -> dict:
    """Format, size, camera and capture time, and every EXIF tag, from an opened image (its `data`, for a PNG).

    No pixel is decoded here: the photo's one decode is `decode`.
    """
    width, height = image.size
    if width * height > max_pixels:
        raise TooManyPixels(
            f"{width}x{height} = {width * height:,} pixels is more than the limit of {max_pixels:,} "
            "(possible decompression bomb); preserved and hashed, not decoded"
        )
    xmp = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp") or b""
    xmp_text = xmp.decode("utf-8", "replace") if isinstance(xmp, bytes) else str(xmp)
    facts = _exif_facts(_exif(image, data), image.format or "", width, height, xmp_text)
    if not facts["camera_make"] and image.format == "JPEG":
        _add_ciff(facts, getattr(image, "applist", []))
    return facts


def _exif(image: Image.Image, data: bytes) -> Image.Exif:
    if image.format != "PNG":
        return image.getexif()
    # Pillow's PNG getexif() decodes every pixel to reach an eXIf chunk written after them: found by walking
    # the chunks instead. Image.getexif reads what came before the pixels (eXIf, ImageMagick's text chunk).
    exif = Image.Image.getexif(image)
    if not len(exif) and (blob := _png_exif(data)):
        try:
            exif.load(blob)
        except Exception:  # damaged EXIF: the rest of the facts are still worth keeping
            pass
    return exif


def _png_exif(data: bytes) -> bytes:
    """The eXIf chunk of a PNG, wherever it is, or b''."""
    pos = 8
    while pos + 8 <= len(data):
        length, kind = int.from_bytes(data[pos:pos + 4], "big"), data[pos + 4:pos + 8]
        if kind == b"eXIf":
            return data[pos + 8:pos + 8 + length]
        if kind == b"IEND":
            break
        pos += 12 + length
    return b""


def describe_header(data: bytes, max_pixels: int) -> dict | None:
    """Size, camera and EXIF of a picture Pillow cannot decode (HEIC/HEIF), from its header alone, or None.

    libvips (through libheif) reads the container and its 'Exif' item without decoding any pixel,
    which this build could not do for HEVC anyway.
    """
    try:
        image = pyvips.Image.new_from_buffer(data, "")
        width, height = image.width, image.height
        blob = image.get("exif-data") if image.get_typeof("exif-data") else b""
        xmp = image.get("xmp-data") if image.get_typeof("xmp-data") else b""
        loader = image.get("vips-loader") if image.get_typeof("vips-loader") else ""
    except pyvips.Error:
        return None
    if width * height > max_pixels:
        raise TooManyPixels(f"{width}x{height} = {width * height:,} pixels is more than the limit of {max_pixels:,} "
                            "(possible decompression bomb); preserved and hashed, not decoded")
    exif = Image.Exif()
    if blob:
        try:
            exif.load(bytes(blob))
        except Exception:  # damaged EXIF: the size is still worth keeping
            exif = Image.Exif()
    xmp_text = bytes(xmp).decode("utf-8", "replace").replace("\x00", "") if xmp else ""  # libheif keeps a C NUL
    return _exif_facts(exif, loader.removesuffix("load_buffer").removesuffix("load").upper() or "", width, height,
                       xmp_text)


def _exif_facts(exif: Image.Exif, image_format: str, width: int, height: int, xmp_text: str) -> dict:
    tags = exif_to_json(exif)
    sub = tags.get("Exif", {})
    return {
        "warnings": _xmp_size_disagreement(xmp_text, width, height),
        "format": image_format,
        "width": width,
        "height": height,
        "camera_make": _text(exif.get(0x010F)),
        "camera_model": _text(exif.get(0x0110)),
        "camera_serial": _text(sub.get("BodySerialNumber") or sub.get("CameraSerialNumber")),
        "captured_at": _capture_time(sub.get("DateTimeOriginal") or tags.get("DateTime"), sub.get("SubsecTimeOriginal")),
        "exif": tags,
        "xmp": xmp_text,
    }


def _add_ciff(facts: dict, applist: list) -> None:
    """Early Canon cameras wrote no EXIF but a CIFF heap in an APP0 segment: take the camera from it."""
    for marker, payload in applist:
        found = ciff.read(payload) if marker == "APP0" else {}
        if found:
            facts["camera_make"], facts["camera_model"] = found.get("make", ""), found.get("model", "")
            facts["captured_at"] = facts["captured_at"] or found.get("captured_at")
            facts["exif"]["CIFF"] = found
            return


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


# The faces stage looks at a photo no larger than this (dalil.faces.images.MAX_SIDE): one decode serves it too.
FACE_PX = 1024
# EXIF orientation -> the Pillow transpose that turns the picture upright (as ImageOps.exif_transpose does).
_UPRIGHT = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
            5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
            8: Image.Transpose.ROTATE_90}
_decodes = 0  # pixel decodes made by this process: ingest reports them, tests and bench/ingest.py count them


def decodes() -> int:
    """How many times this process has decoded a photo's pixels (`decode` calls)."""
    return _decodes


class Decoded:
    """One photo's pixels, decoded once, and what each stage reads from them (each made once, on first use).

    The decode is as small as every stage asked for still allows: a JPEG is decoded at 1/2..1/8 scale
    (DCT scaling). `thumbnail()` is what derivatives and PDQ read; `face_rgb()` is the faces stage's picture.
    """

    def __init__(self, raw, faces: bool, streamed_thumbnail=None):
        self._raw = raw  # in memory, as stored (not turned upright); None when only a thumbnail was asked for
        self.faces = faces
        self._thumbnail = streamed_thumbnail
        self._face_rgb = None

    def thumbnail(self):
        """The upright sRGB 8-bit picture, longest side THUMBNAIL_PX at most (pyvips, in memory)."""
        if self._thumbnail is None:
            try:
                image = self._raw.autorot()
                scale = THUMBNAIL_PX / max(image.width, image.height)
                if scale < 1:
                    image = image.resize(scale, kernel="linear")
                self._thumbnail = _to_srgb8(image).copy_memory()
            except pyvips.Error as exc:
                raise CorruptImage(_vips_reason(exc)) from None
        return self._thumbnail

    def face_rgb(self) -> np.ndarray:
        """The upright RGB picture, longest side FACE_PX at most, for face detection.

        Made exactly as the faces stage made it from a Pillow draft decode (a Lanczos thumbnail, then turned
        upright), so the faces found are the same pixel for pixel; libvips and Pillow's JPEG DCT scaling agree.
        """
        if self._face_rgb is None:
            if not self.faces:
                raise ValueError("decoded without the faces stage's picture: pass faces=True to decode()")
            try:
                pixels = _to_srgb8(self._raw).numpy()
            except pyvips.Error as exc:
                raise CorruptImage(_vips_reason(exc)) from None
            picture = Image.fromarray(pixels)
            if max(picture.size) > FACE_PX:
                picture.thumbnail((FACE_PX, FACE_PX), Image.Resampling.LANCZOS)
            orientation = self._raw.get("orientation") if self._raw.get_typeof("orientation") else 1
            if orientation in _UPRIGHT:
                picture = picture.transpose(_UPRIGHT[orientation])
            self._face_rgb = np.asarray(picture.convert("RGB"), dtype=np.uint8)
        return self._face_rgb


def decode(data: bytes, width: int, height: int, is_jpeg: bool, thumbnail: bool = True,
           faces: bool = False) -> Decoded:
    """Decode a photo once, at the smallest scale that still gives every stage asked for enough pixels.

    libvips decodes a JPEG at 1/2..1/8 scale and, unlike Pillow, refuses corrupt entropy-coded data instead
    of filling it with grey. The thumbnail needs THUMBNAIL_PX on the longest side; the faces stage needs what
    Pillow's draft mode gave it for FACE_PX (both sides at least FACE_PX, or full size).
    """
    global _decodes
    _decodes += 1
    try:
        if is_jpeg:
            shrinks = []
            if thumbnail:
                shrinks.append(max([s for s in (1, 2, 4, 8) if max(width, height) / s >= THUMBNAIL_PX] or [1]))
            if faces:
                fits = min(width // FACE_PX, height // FACE_PX)  # Pillow's draft: the shorter side decides
                shrinks.append(max([s for s in (1, 2, 4, 8) if s <= fits] or [1]))
            # Sequential access decodes straight through, once; turning upright comes after, in memory.
            raw = pyvips.Image.jpegload_buffer(data, shrink=min(shrinks or [1]), fail_on="warning",
                                               access="sequential")
            return Decoded(raw.copy_memory(), faces)
        if not faces:  # streamed: a large PNG or TIFF is never held in memory at full size
            image = pyvips.Image.thumbnail_buffer(data, THUMBNAIL_PX, option_string="fail-on=warning")
            return Decoded(None, False, _to_srgb8(image).copy_memory())
        raw = pyvips.Image.new_from_buffer(data, "", fail_on="warning", access="sequential").copy_memory()
        decoded = Decoded(raw, True)
        if thumbnail:  # as thumbnail_buffer makes it (the same pixels for a PNG, which cannot shrink on load)
            decoded._thumbnail = _to_srgb8(raw.thumbnail_image(THUMBNAIL_PX)).copy_memory()
        return decoded
    except pyvips.Error as exc:
        raise CorruptImage(_vips_reason(exc)) from None


def derive(decoded: Decoded) -> tuple[bytes, bytes, str, int]:
    """Thumbnail JPEG, blurred preview JPEG, and the PDQ hash (hex) with its quality, from the decoded photo."""
    image = decoded.thumbnail()
    pixels = image.numpy()
    # PDQ on the 512 px image, as its authors recommend; a 256 px copy was faster but changed 10-24 bits.
    hash_bits, quality = pdqhash.compute(np.ascontiguousarray(pixels))
    pdq = np.packbits(hash_bits.astype(np.uint8)).tobytes().hex()
    try:
        thumbnail = image.jpegsave_buffer(Q=82, keep="none")  # pixels only: no EXIF, XMP, ICC or comment
    except pyvips.Error as exc:
        raise CorruptImage(_vips_reason(exc)) from None
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


BLUR_CELLS = 10  # the longest side is first averaged down to this many cells
BLUR_RADIUS = 4.0  # then blurred at a quarter of the preview's size


def blurred(image: Image.Image) -> Image.Image:
    """So blurred that shapes and colours show but no face, wound or number can be read.

    At 24 cells a side, a face detector still found a face in most LFW portraits and the face engine matched
    some to the person (hair, head shape and collar were left); 10 cells and a wider blur leave colour patches
    only (tests/faces/test_blurred_previews.py checks it on the face corpus).
    """
    small = image.copy()
    small.thumbnail((BLUR_CELLS, BLUR_CELLS), Image.Resampling.BOX)
    # Blur at a quarter of the size, then scale up: the same look for a fraction of the work.
    size = (PREVIEW_PX, max(1, round(PREVIEW_PX * image.height / image.width)))
    quarter = (max(1, size[0] // 4), max(1, size[1] // 4))
    return small.resize(quarter, Image.Resampling.BILINEAR).filter(ImageFilter.GaussianBlur(BLUR_RADIUS)).resize(
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
