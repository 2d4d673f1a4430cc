"""Cutting identifying metadata out of a photo without touching its image data."""

import datetime
import io
import struct
import zlib

import pytest
from PIL import Image, PngImagePlugin

from dalil.exports import redact
from dalil.ingest import synth


def jpeg_with_everything() -> bytes:
    image = Image.new("RGB", (64, 48), (120, 40, 200))
    out = io.BytesIO()
    exif = synth.exif_bytes(synth.CAMERAS[1], datetime.datetime(2013, 1, 2, 3, 4, 5))
    image.save(out, "JPEG", quality=90, exif=exif, comment=b"taken by Abu Omar",
               xmp=b'<x:xmpmeta><tiff:Artist>Abu Omar</tiff:Artist></x:xmpmeta>', progressive=True)
    return out.getvalue() + b"SAMSUNG-TRAILER serial 0820417364"


def test_it_cuts_exif_xmp_comments_and_trailers_but_keeps_the_picture():
    data = jpeg_with_everything()
    cut = redact.jpeg(data)
    for secret in (b"0820417364", b"Abu Omar", b"Canon", b"Firmware"):
        assert secret in data and secret not in cut.data, secret
    assert Image.open(io.BytesIO(cut.data)).tobytes() == Image.open(io.BytesIO(data)).tobytes()
    kinds = [r["what"] for r in cut.removed]
    assert "APP1 (Exif)" in kinds and "APP1 (XMP)" in kinds and "COM (comment)" in kinds
    assert kinds[-1] == "data after the end of the image"
    assert len(data) - len(cut.data) == sum(r["length"] for r in cut.removed)


def test_it_refuses_a_truncated_jpeg_rather_than_guess():
    with pytest.raises(redact.CannotRedact, match="truncated"):
        redact.jpeg(jpeg_with_everything()[:700])


def test_it_cuts_text_chunks_from_a_png():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Abu Omar")
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(out, "PNG", pnginfo=info)
    data = out.getvalue()
    cut = redact.png(data)
    assert b"Abu Omar" in data and b"Abu Omar" not in cut.data
    assert Image.open(io.BytesIO(cut.data)).tobytes() == Image.open(io.BytesIO(data)).tobytes()
    chunk = b"IEND"
    assert cut.data.endswith(struct.pack(">I", zlib.crc32(chunk)))


def test_it_will_not_pretend_to_redact_a_format_it_cannot():
    with pytest.raises(redact.CannotRedact, match="image/tiff"):
        redact.redact(b"II*\x00", "image/tiff")


def test_partner_exif_keeps_how_a_photo_was_taken_never_who_or_where():
    tags = {"Make": "Canon", "Model": "EOS", "Software": "Firmware 2", "Artist": "x", "GPS": {"GPSLatitude": [33, 30, 0]},
            "Exif": {"DateTimeOriginal": "2013:01:02 03:04:05", "BodySerialNumber": "0820417364",
                     "CameraOwnerName": "Abu Omar"}}
    assert redact.exif(tags) == {"Make": "Canon", "Model": "EOS", "Exif": {"DateTimeOriginal": "2013:01:02 03:04:05"}}
