"""One decode per photo: every ingest stage (derivatives, PDQ, faces) reads the same decoded pixels."""

import hashlib
import io
from collections import Counter

import numpy as np
import pytest
from PIL import Image, ImageFile

from dalil.archive import imaging
from dalil.archive.models import Photo
from dalil.faces import backend as backends
from dalil.faces import scan
from dalil.faces.images import _decode as faces_decode_before
from dalil.faces.models import Face, FaceScan
from dalil.faces.stage import index_faces
from tests.ingest.helpers import jpeg_bytes, run, write

pytestmark = pytest.mark.django_db


def _scene(seed: int, size: tuple[int, int], kind: str = "JPEG") -> bytes:
    """Large soft patches of colour at any size: contrasted enough for the fake backend to call it a face."""
    rng = np.random.default_rng(seed)
    patches = Image.fromarray(rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)).resize(size, Image.Resampling.BICUBIC)
    out = io.BytesIO()
    patches.save(out, kind, **({"quality": 90} if kind == "JPEG" else {}))
    return out.getvalue()


def _rotated(data: bytes) -> bytes:
    """The same JPEG pixels, tagged 'turn 90° clockwise to view' (EXIF orientation 6)."""
    image = Image.open(io.BytesIO(data))
    exif = image.getexif()
    exif[0x0112] = 6
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


# Sizes that take each decode scale: full size, 1/2 (faces) where 1/8 would do for the thumbnail, and small.
PHOTOS = {
    "big.jpg": lambda: _scene(1, (4200, 3000)),
    "wide.jpg": lambda: _scene(2, (4096, 1100)),
    "mid.jpg": lambda: _scene(3, (2400, 1800)),
    "turned.jpg": lambda: _rotated(_scene(4, (2200, 1500))),
    "small.jpg": lambda: jpeg_bytes(5, (320, 240)),  # with camera EXIF
    "scan.png": lambda: _scene(6, (1400, 900), "PNG"),
}


@pytest.fixture
def source(tmp_path):
    for name, make in PHOTOS.items():
        write(tmp_path / "src" / name, make())
    return tmp_path / "src"


@pytest.fixture
def decodes(monkeypatch):
    """Every pixel decode during the test, by the SHA-256 of the bytes decoded (ours, or Pillow's own)."""
    seen = Counter()
    decode, load = imaging.decode, ImageFile.ImageFile.load

    def counting_decode(data, *args, **kwargs):
        seen[hashlib.sha256(data).hexdigest()] += 1
        return decode(data, *args, **kwargs)

    def counting_load(image):
        if image.im is None:  # a decode of a file's pixels, not a second look at pixels already loaded
            seen[f"pillow:{getattr(image, 'filename', '') or id(image)}"] += 1
        return load(image)

    monkeypatch.setattr(imaging, "decode", counting_decode)
    monkeypatch.setattr(ImageFile.ImageFile, "load", counting_load)
    return seen


@pytest.fixture
def fake_faces(monkeypatch, settings):
    """Face search on, with the deterministic fake backend (its 'face' is the whole picture's grey pattern)."""
    settings.FACES_ENABLED = True
    settings.STORE_FSYNC = False
    monkeypatch.setattr(backends, "available", lambda: True)
    monkeypatch.setattr(scan, "_backend", backends.FakeBackend())


def test_it_decodes_each_photo_once_with_faces_on(instance, source, decodes, fake_faces):
    summary = run(source)
    photos = Photo.objects.select_related("item")
    assert summary.ingested == len(PHOTOS) == photos.count(), summary.problems
    assert FaceScan.objects.count() == len(PHOTOS) and summary.faces == Face.objects.count() == len(PHOTOS)
    assert all(p.thumbnail_sha256 and p.preview_sha256 and p.pdq for p in photos)
    assert {p.item.sha256 for p in photos} == set(decodes)  # no other decode, Pillow's included
    assert set(decodes.values()) == {1}, decodes
    assert summary.decodes == {"per_item": len(PHOTOS), "faces_stage": 0}


def test_it_finds_the_same_faces_during_ingest_as_from_the_stored_original(instance, source, fake_faces, settings):
    run(source)
    during = {f.photo.item.sha256: (f.top, f.right, f.bottom, f.left, bytes(f.embedding))
              for f in Face.objects.select_related("photo__item")}
    Face.objects.all().delete()
    FaceScan.objects.all().delete()
    later = index_faces(backend=backends.FakeBackend())
    assert later.scanned == len(PHOTOS) and later.decodes == len(PHOTOS)  # the fallback decodes once, itself
    after = {f.photo.item.sha256: (f.top, f.right, f.bottom, f.left, bytes(f.embedding))
             for f in Face.objects.select_related("photo__item")}
    assert during == after and len(during) == len(PHOTOS)


def test_it_scans_photos_ingested_with_face_search_off_afterwards(instance, source, settings, monkeypatch):
    settings.FACES_ENABLED = False
    summary = run(source)
    assert summary.faces == 0 and summary.decodes == {"per_item": len(PHOTOS), "faces_stage": 0}
    assert not FaceScan.objects.exists()
    later = index_faces(backend=backends.FakeBackend())
    assert later.scanned == later.faces == len(PHOTOS) and later.decodes == len(PHOTOS)


@pytest.mark.parametrize("name", sorted(PHOTOS))
def test_it_gives_the_faces_stage_the_pixels_its_own_decode_gave(name):
    """Face detection sees exactly the picture it saw when the faces stage decoded originals with Pillow."""
    data = PHOTOS[name]()
    header = Image.open(io.BytesIO(data))
    decoded = imaging.decode(data, *header.size, header.format == "JPEG", faces=True)
    before = faces_decode_before(data, name, 10**9)
    assert decoded.face_rgb().shape == before.shape
    assert np.array_equal(decoded.face_rgb(), before)
    assert max(decoded.thumbnail().width, decoded.thumbnail().height) == min(imaging.THUMBNAIL_PX, max(header.size))
