"""Manipulations made in the tests, from real camera files: each leaves the marks the checks look for."""

import io
import struct

from PIL import Image

from tests.conftest import corpus

# Camera files whose own metadata shows no processing after the camera (see bench/README.md, authenticity).
UNTOUCHED = ["gps/DSCN0010.jpg", "gps/DSCN0012.jpg", "gps/DSCN0021.jpg", "hdr/iphone_hdr_NO.jpg",
             "mobile/HMD_Nokia_8.3_5G.jpg", "mobile/jolla.jpg", "exif-org/sony-cybershot.jpg",
             "exif-org/canon-ixus.jpg", "exif-org/fujifilm-mx1700.jpg", "exif-org/sanyo-vpcg250.jpg"]


def camera_file(name: str) -> bytes:
    return (corpus("exif-samples") / "jpg" / name).read_bytes()


def resave(data: bytes, quality: int, keep_exif: bool = False) -> bytes:
    image = Image.open(io.BytesIO(data))
    out = io.BytesIO()
    options = {"exif": image.info["exif"]} if keep_exif else {}
    image.convert("RGB").save(out, "JPEG", quality=quality, **options)
    return out.getvalue()


def save_like_original(original: bytes, edited: Image.Image) -> bytes:
    """Saved with the original's own quantisation tables and Exif (and so its thumbnail)."""
    image = Image.open(io.BytesIO(original))
    out = io.BytesIO()
    edited.save(out, "JPEG", qtables=image.quantization, exif=image.info["exif"])
    return out.getvalue()


def cropped_keeping_thumbnail(data: bytes) -> bytes:
    image = Image.open(io.BytesIO(data)).convert("RGB")
    w, h = image.size
    return save_like_original(data, image.crop((0, 0, w // 2, h)))


def copy_moved(data: bytes) -> bytes:
    image = Image.open(io.BytesIO(data)).convert("RGB")
    w, h = image.size
    side = min(w, h) // 4
    image.paste(image.crop((w // 8, h // 8, w // 8 + side, h // 8 + side)), (w - w // 8 - side, h - h // 8 - side))
    return save_like_original(data, image)


def with_capture_time(data: bytes, when: bytes) -> bytes:
    """DateTimeOriginal (only) rewritten in place, byte for byte: pixels and every other tag untouched."""
    start = data.index(b"Exif\0\0") + 6
    tiff = data[start:]
    order = "<" if tiff[:2] == b"II" else ">"

    def entries(offset):
        count = struct.unpack(order + "H", tiff[offset:offset + 2])[0]
        for n in range(count):
            at = offset + 2 + 12 * n
            tag, kind, number, value = struct.unpack(order + "HHII", tiff[at:at + 12])
            yield tag, value

    ifd0 = struct.unpack(order + "I", tiff[4:8])[0]
    exif_ifd = dict(entries(ifd0))[0x8769]
    where = start + dict(entries(exif_ifd))[0x9003]
    assert len(when) == 19
    return data[:where] + when + data[where + 19:]
