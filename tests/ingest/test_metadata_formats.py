"""Camera facts from the formats without plain EXIF: a Canon CIFF JPEG and HEIC/HEIF (issue 10, defect 14)."""

import logging
import struct

import exifread
import pytest

from dalil.archive import ciff
from dalil.evidence.models import Sighting
from tests.conftest import corpus
from tests.ingest.helpers import run

pytestmark = pytest.mark.django_db


def exifread_camera(path) -> tuple[str, str]:
    logging.getLogger("exifread").setLevel(logging.CRITICAL)
    with open(path, "rb") as f:
        tags = exifread.process_file(f, details=False)
    return str(tags.get("Image Make", "")).strip(), str(tags.get("Image Model", "")).strip()


def test_it_reads_the_camera_from_a_canon_ciff_jpeg_without_exif(instance):
    path = corpus("exif-samples") / "jpg" / "exif-org" / "sony-powershota5.jpg"  # a Canon, whatever its name
    assert exifread_camera(path) == ("", "")
    run(path)
    photo = Sighting.objects.get().item.photo
    assert (photo.camera_make, photo.camera_model) == ("Canon", "Canon PowerShot A5")  # as exiftool reads it
    assert photo.exif["CIFF"]["model"] == "Canon PowerShot A5"
    assert photo.captured_at is not None and photo.captured_at.year == 2000


def ciff_segment(records: list[tuple[int, bytes]]) -> bytes:
    """A little-endian CIFF APP0 payload with one heap holding the given records."""
    header = b"II" + struct.pack("<I", 26) + b"HEAPJPGM" + struct.pack("<I", 0x10000) + bytes(8)
    values, table = b"", b""
    for tag, value in records:
        table += struct.pack("<HII", tag, len(value), len(values))
        values += value
    heap = values + struct.pack("<H", len(records)) + table
    return header + heap + struct.pack("<I", len(values))


def test_it_reads_make_and_model_from_a_ciff_heap_and_nothing_from_a_damaged_one():
    segment = ciff_segment([(0x080A, b"Canon\0Canon PowerShot A50\0")])
    assert ciff.read(segment) == {"make": "Canon", "model": "Canon PowerShot A50"}
    assert ciff.read(segment[:-4] + struct.pack("<I", 10**6)) == {}  # table offset out of the heap
    assert ciff.read(segment[:30]) == {}
    assert ciff.read(b"JFIF\0\1\2" + bytes(40)) == {}


@pytest.mark.parametrize("name, model", [("IMG_5195.HEIC", "iPhone 11 Pro Max"),
                                         ("mobile/iphone_13_pro_max.HEIC", "iPhone 13 Pro Max")])
def test_it_reads_the_camera_and_size_of_a_heic_it_cannot_decode(instance, name, model):
    path = corpus("exif-samples") / "heic" / name
    assert exifread_camera(path) == ("Apple", model)
    run(path)
    s = Sighting.objects.get()
    assert s.outcome == "preserved" and s.item.media_type == "image/heic"
    assert any("size and metadata read" in w for w in s.warnings)
    photo = s.item.photo
    assert (photo.camera_make, photo.camera_model) == ("Apple", model)
    assert photo.width > 2000 and photo.height > 3000 and photo.captured_at is not None
    assert photo.thumbnail_sha256 == "" and photo.pdq == ""
