"""The checks on real camera files from the corpus, untouched and manipulated here."""

import pytest

from dalil.authenticity import checks
from tests.authenticity.helpers import (UNTOUCHED, camera_file, copy_moved, cropped_keeping_thumbnail, resave,
                                        with_capture_time)

pytestmark = pytest.mark.corpus


def findings(data: bytes) -> dict:
    return {f.check: f for f in checks.examine(data)}


def flagged(data: bytes) -> dict:
    return {name: f.reasons for name, f in findings(data).items() if f.result == checks.FLAG}


@pytest.mark.parametrize("name", UNTOUCHED)
def test_it_leaves_untouched_camera_photos_clean(name):
    assert flagged(camera_file(name)) == {}


def test_it_records_the_evidence_a_person_reads():
    found = findings(camera_file("gps/DSCN0010.jpg"))
    assert found["metadata"].evidence["model"] == "COOLPIX P6000"
    assert found["metadata"].evidence["captured"] == "2008-10-22 16:28:39"
    assert found["jpeg_structure"].evidence["quality"] == {"quality": 84, "exact_libjpeg": True,
                                                           "mean_difference": 0.0}
    assert found["jpeg_structure"].evidence["markers"][:2] == ["SOI", "APP1:Exif"]
    assert found["thumbnail"].evidence["correlation"] > 0.95
    assert all(f.version >= 1 for f in found.values())


def test_it_flags_a_pillow_resave_that_drops_the_camera_metadata():
    found = flagged(resave(camera_file("gps/DSCN0012.jpg"), 90))
    assert "no_camera_metadata" in found["metadata"]


def test_it_flags_a_resave_that_keeps_the_exif_by_its_marker_order():
    found = findings(resave(camera_file("gps/DSCN0012.jpg"), 85, keep_exif=True))
    assert found["jpeg_structure"].reasons == ["jfif_before_exif"]
    assert found["jpeg_structure"].evidence["markers"][1] == "APP0:JFIF"


def test_it_flags_double_compression_in_the_dct_statistics():
    # A camera photo at quality 84 saved again at 90: the periodic gaps are in the coefficients, not the metadata.
    found = findings(resave(camera_file("gps/DSCN0010.jpg"), 90))
    assert found["double_jpeg"].result == checks.FLAG
    assert found["double_jpeg"].evidence["periodic_frequencies"] >= 3
    assert findings(camera_file("gps/DSCN0010.jpg"))["double_jpeg"].result == checks.CLEAN


def test_it_flags_a_capture_time_edited_apart_from_the_digitised_time():
    found = findings(with_capture_time(camera_file("gps/DSCN0021.jpg"), b"2008:10:20 09:00:00"))
    assert found["metadata"].reasons == ["capture_times_differ"]
    assert found["metadata"].evidence["captured"] == "2008-10-20 09:00:00"
    later = findings(with_capture_time(camera_file("gps/DSCN0021.jpg"), b"2011:03:15 09:00:00"))
    assert later["metadata"].reasons == ["capture_times_differ", "modified_before_capture"]
    assert found["jpeg_structure"].result == checks.CLEAN  # nothing else changed


def test_it_flags_a_thumbnail_left_from_the_original():
    found = findings(cropped_keeping_thumbnail(camera_file("gps/DSCN0010.jpg")))
    assert found["thumbnail"].reasons == ["thumbnail_shape_differs"]
    assert found["thumbnail"].evidence["aspect_difference"] > 0.4


def test_it_flags_a_region_copied_within_the_photo():
    found = findings(copy_moved(camera_file("exif-org/sony-cybershot.jpg")))
    assert found["copy_move"].reasons == ["copied_region"]
    assert found["copy_move"].evidence["matched_blocks"] >= 60
    assert findings(camera_file("exif-org/sony-cybershot.jpg"))["copy_move"].result == checks.CLEAN


def test_it_says_not_applicable_rather_than_guessing_on_a_png():
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 20, 30)).save(out, "PNG")
    found = findings(out.getvalue())
    assert found["jpeg_structure"].result == checks.NOT_APPLICABLE
    assert found["double_jpeg"].result == checks.NOT_APPLICABLE
    assert found["thumbnail"].result == checks.NOT_APPLICABLE


def test_it_survives_a_broken_file_from_the_corpus():
    found = findings(camera_file("corrupted.jpg"))
    assert found["jpeg_structure"].reasons == ["malformed"]


def test_it_gives_the_same_findings_twice():
    data = camera_file("hdr/iphone_hdr_NO.jpg")
    assert [f.as_dict() for f in checks.examine(data)] == [f.as_dict() for f in checks.examine(data)]
