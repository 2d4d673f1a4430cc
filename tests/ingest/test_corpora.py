"""Real material nobody here wrote: camera photos and the BagIt conformance suite."""

import logging
import time

import exifread
import pytest

from dalil.archive.models import Photo
from dalil.evidence.models import Acquisition, CustodyEvent, Item, Sighting
from dalil.ingest.pipeline import IngestError
from tests.conftest import corpus
from tests.ingest.helpers import run

pytestmark = [pytest.mark.django_db, pytest.mark.corpus]


def exifread_camera(path) -> tuple[str, str]:
    logging.getLogger("exifread").setLevel(logging.CRITICAL)
    with open(path, "rb") as f:
        tags = exifread.process_file(f, details=False)
    return str(tags.get("Image Make", "")).strip(), str(tags.get("Image Model", "")).strip()


@pytest.fixture
def samples(instance):
    source = corpus("exif-samples")
    started = time.monotonic()
    summary = run(source, workers=2)
    return source, summary, time.monotonic() - started


def test_it_ingests_every_readable_sample_with_the_camera_exifread_finds(samples):
    source, summary, _ = samples
    checked = 0
    for sighting in Sighting.objects.filter(outcome="ingested").select_related("item__photo"):
        make, model = exifread_camera(source / sighting.path)
        photo = sighting.item.photo
        if "CIFF" in photo.exif:  # an early Canon: no EXIF for exifread, the camera is in its CIFF heap
            make, model = photo.exif["CIFF"]["make"], photo.exif["CIFF"]["model"]
        assert (photo.camera_make, photo.camera_model) == (make, model), sighting.path
        checked += 1
    assert checked == summary.ingested >= 80
    assert Photo.objects.filter(camera_make="NIKON CORPORATION", camera_model="NIKON D70").exists()


def test_it_quarantines_the_corrupt_sample_with_its_decoder_reason(samples):
    s = Sighting.objects.get(path="jpg/corrupted.jpg")
    assert s.outcome == "quarantined" and s.problem_code == "corrupt_image"
    assert "Corrupt JPEG data" in s.problem
    assert s.item.size == (samples[0] / "jpg/corrupted.jpg").stat().st_size


def test_it_reads_the_invalid_samples_promptly_and_flags_their_metadata(samples):
    # Upstream calls these "invalid" because they sent EXIF parsers into endless loops;
    # their pixels decode cleanly, and their XMP names a size the image does not have.
    _, _, seconds = samples
    assert seconds < 120
    invalid = Sighting.objects.filter(path__startswith="jpg/invalid/", path__endswith=".jpg")
    assert invalid.count() == 7
    flagged = [s for s in invalid if any("XMP metadata says" in w for w in s.warnings)]
    assert len(flagged) >= 4


def test_it_preserves_and_types_heic_files(samples):
    heic = Sighting.objects.filter(path__startswith="heic/")
    assert heic.count() == 5
    for s in heic:
        assert s.item.media_type == "image/heic" and s.outcome in ("preserved", "ingested")
        assert s.item.size == (samples[0] / s.path).stat().st_size


def test_it_never_copies_exif_into_derivatives(samples):
    from io import BytesIO

    from PIL import Image

    from dalil.evidence.store import derivatives

    photo = Photo.objects.exclude(camera_make="").exclude(thumbnail_sha256="").first()
    for sha in (photo.thumbnail_sha256, photo.preview_sha256):
        with derivatives().open(sha) as f:
            image = Image.open(BytesIO(f.read()))
        assert not image.getexif() and not ({"exif", "icc_profile", "xmp", "comment"} & set(image.info))


def bags(kind: str):
    root = corpus("bagit-conformance")
    return sorted(p for p in root.glob(f"*/{kind}/*") if p.is_dir())


def test_it_ingests_every_valid_conformance_bag(instance):
    found = bags("valid")
    assert len(found) >= 20
    for bag in found:
        summary = run(bag, collection=f"bag-{bag.parent.parent.name}-{bag.name}")
        assert summary.kind == "bagit", bag
        acquisition = Acquisition.objects.get(source=str(bag.resolve()))
        payload = [p for p in (bag / "data").rglob("*") if p.is_file() or p.is_symlink()]
        assert acquisition.sightings.count() == len(payload), bag
        assert "bag_info" in acquisition.details


def test_it_refuses_every_invalid_conformance_bag_and_records_nothing(instance):
    found = bags("invalid")
    assert len(found) >= 10
    for bag in found:
        with pytest.raises(IngestError, match="not a valid BagIt bag") as refused:
            run(bag, collection="refused")
        assert str(bag.name) in str(refused.value) or str(bag) in str(refused.value)
    assert not Item.objects.exists() and not Sighting.objects.exists() and not Acquisition.objects.exists()
    assert not CustodyEvent.objects.exists()
