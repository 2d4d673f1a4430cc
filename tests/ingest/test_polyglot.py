"""A picture with a zip appended is both: described as a picture and recorded as an archive (issue 10, defect 11).

Given as the source, the file is a photo of its own and every entry of its archive is recorded too.
Found inside a folder, it is described as a photo and the archive inside is named in a warning, not
extracted, as with any zip inside a folder: ingesting the file on its own records the entries.
"""

import io
import zipfile

import pytest

from dalil.archive.models import Photo
from dalil.evidence.models import Acquisition, Sighting
from tests.ingest.helpers import jpeg_bytes, run, write

pytestmark = pytest.mark.django_db


def polyglot() -> tuple[bytes, bytes]:
    picture = jpeg_bytes(11, size=(160, 120))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("hidden/inner.jpg", jpeg_bytes(12, size=(64, 48)))
        zf.writestr("hidden/note.txt", b"appended after the picture\n")
    return picture, picture + archive.getvalue()


def test_it_describes_the_picture_and_records_the_archive_when_the_polyglot_is_the_source(instance, tmp_path):
    picture, both = polyglot()
    source = write(tmp_path / "holiday.jpg", both)
    summary = run(source)
    assert summary.kind == "zip" and summary.files == 3
    whole = Sighting.objects.get(path="holiday.jpg")
    assert whole.outcome == "ingested" and whole.member_index is None
    assert whole.item.size == len(both) and whole.item == Acquisition.objects.get().container
    assert any("also a zip archive of 2 entries" in w for w in whole.warnings)
    assert (whole.item.photo.width, whole.item.photo.height) == (160, 120)
    assert whole.item.photo.camera_model == "NIKON D90"
    inner = Sighting.objects.get(path="hidden/inner.jpg")
    assert inner.outcome == "ingested" and inner.member_index == 0
    assert Sighting.objects.get(path="hidden/note.txt").problem_code == "not_an_image"
    assert Photo.objects.count() == 2
    assert run(source).already_recorded == 3


def test_it_notes_the_archive_inside_a_polyglot_found_in_a_folder(instance, tmp_path):
    _, both = polyglot()
    write(tmp_path / "src" / "holiday.jpg", both)
    write(tmp_path / "src" / "plain.jpg", jpeg_bytes(13, size=(64, 48)))
    summary = run(tmp_path / "src")
    assert summary.ingested == 2
    s = Sighting.objects.get(path="holiday.jpg")
    assert s.item.photo.width == 160
    [note] = [w for w in s.warnings if "zip archive" in w]
    assert "2 entries" in note and "'hidden/inner.jpg'" in note and "not extracted" in note
    assert not any("zip archive" in w for w in Sighting.objects.get(path="plain.jpg").warnings)
