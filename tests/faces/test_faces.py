import io
import json
import random
import shutil
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from PIL import Image

from dalil.archive.models import Photo
from dalil.faces.backend import FakeBackend
from dalil.faces.images import PictureRefused, upload_rgb
from dalil.faces.index import MatrixIndex, search_cases
from dalil.faces.models import Face, FaceScan
from dalil.faces.stage import index_faces
from dalil.identification.matching import face_similarity
from dalil.identification.models import MissingPersonReport
from tests.conftest import corpus
from tests.faces.conftest import require_face_recognition
from tests.ingest.helpers import jpeg_bytes, run, write

pytestmark = pytest.mark.django_db

# Three gallery photos of each person, one more kept aside as the family's probe.
PEOPLE = {"Colin_Powell": "1001", "Tony_Blair": "1002", "Vladimir_Putin": "1003", "Jennifer_Aniston": "1004"}
PATTERN = r"branch-(?P<branch>\d+)/exam-(?P<exam>\d+)/\d+_(?P<seq>\d+)\.jpg"


def _photo(name: str, number: int):
    return corpus("faces") / "lfw-devtrain" / name / f"{name}_{number:04d}.jpg"


def _abstract_png(size=(300, 200)) -> bytes:
    rng = random.Random(7)
    image = Image.new("RGB", size)
    image.putdata([(rng.randrange(256), rng.randrange(256), 90) for _ in range(size[0] * size[1])])
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def gallery(tmp_path, settings, instance):
    """Three photos of each person ingested through the real pipeline (which runs the faces stage)."""
    require_face_recognition()
    settings.STORE_FSYNC = False
    settings.FACES_ENABLED = True
    src = tmp_path / "src"
    for name, exam in PEOPLE.items():
        for seq in (2, 3, 4):
            target = src / f"branch-215/exam-{exam}/{exam}_{seq:02d}.jpg"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(_photo(name, seq), target)
    write(src / "branch-227/exam-2001/2001_01.jpg", jpeg_bytes(3))  # abstract shapes: no face
    summary = run(src, collection="faces", pattern=PATTERN)
    assert summary.ingested == 13 and summary.faces >= 12
    return {exam: Photo.objects.filter(exam_no=exam).first().case_id for exam in PEOPLE.values()}


def test_it_finds_the_case_of_the_person_in_a_photo_that_is_not_in_the_archive(gallery):
    out = StringIO()
    for name, exam in PEOPLE.items():
        call_command("faces", "search", str(_photo(name, 1)), "--top", "3", "--json", stdout=out)
        found = json.loads(out.getvalue().splitlines()[-1])["cases"]
        assert gallery[exam] in [row["case"] for row in found], name
    both = [_photo("Tony_Blair", 1), _photo("Tony_Blair", 5)]
    call_command("faces", "search", *map(str, both), "--json", stdout=out)
    best = json.loads(out.getvalue().splitlines()[-1])["cases"][0]
    assert best["case"] == gallery["1002"] and best["distance"] < 0.55 and best["words"]


def test_it_records_a_photo_with_no_face_and_scans_nothing_again(gallery):
    scan = FaceScan.objects.get(photo__exam_no="2001")
    assert scan.faces == 0 and not Face.objects.filter(photo__exam_no="2001").exists()
    assert FaceScan.objects.count() == 13
    again = index_faces()
    assert again.scanned == 0 and again.already_scanned == 13


def test_it_serves_a_face_crop_without_metadata_to_caseworkers_only(gallery, staff, client):
    face = Face.objects.filter(photo__exam_no="1001").first()
    url = reverse("faces:crop", args=[face.pk])
    response = staff("caseworker").get(url)
    assert response.status_code == 200 and response["Cache-Control"].startswith("private")
    image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert not image.getexif() and not {"exif", "icc_profile", "xmp", "XML:com.adobe.xmp"} & set(image.info)
    assert staff("archivist").get(url).status_code == 403
    assert client.get(url).status_code == 302


def test_it_shows_the_matching_case_to_a_caseworker_who_uploads_a_photo(gallery, staff):
    client = staff("reviewer")
    with open(_photo("Vladimir_Putin", 1), "rb") as probe:
        response = client.post(reverse("faces:search"), {"photos": [probe]})
    assert response.status_code == 200
    assert gallery["1003"] in [case.pk for _, case in response.context["matches"][:3]]
    assert reverse("casework:case_reports", args=[gallery["1003"]]) in response.content.decode()


def test_it_adds_a_face_reason_to_a_report_with_a_photo(gallery):
    from dalil.archive.models import BodyCase

    report = MissingPersonReport(followup_digest="x" * 64, first_name_ar="سامر", photo_consent=True)
    report.set_private(name="أم سامر", photo=_photo("Jennifer_Aniston", 1).read_bytes())
    report.save()
    assert face_similarity(report, BodyCase.objects.get(pk=gallery["1004"])) > 0.3


def test_it_refuses_a_photo_with_no_face(gallery, tmp_path):
    path = write(tmp_path / "abstract.png", _abstract_png())
    with pytest.raises(CommandError, match="no face found in"):
        call_command("faces", "search", str(path))


def test_it_refuses_a_decompression_bomb_and_a_file_that_is_not_a_photo(settings):
    settings.FACES_MAX_UPLOAD_PIXELS = 1_000_000
    out = io.BytesIO()
    Image.new("L", (2000, 2000)).save(out, "PNG")
    with pytest.raises(PictureRefused, match="decompression bomb"):
        upload_rgb(out.getvalue(), "bomb.png")
    with pytest.raises(PictureRefused, match="not a photo"):
        upload_rgb(b"%PDF-1.4\n" + bytes(2000), "letter.pdf")
    settings.FACES_MAX_UPLOAD_BYTES = 100
    with pytest.raises(PictureRefused, match="more than the limit"):
        upload_rgb(_abstract_png(), "big.png")


def test_it_refuses_uploads_to_outsiders(staff, client):
    assert client.get(reverse("faces:search")).status_code == 302
    assert staff("archivist").get(reverse("faces:search")).status_code == 403
    assert staff("caseworker").get(reverse("faces:search")).status_code == 200


def test_it_searches_the_matrix_exactly_and_fuses_probes(tmp_path, settings, instance):
    settings.STORE_FSYNC = False
    settings.FACES_ENABLED = False  # the fake backend below, not dlib
    for exam, seed in (("3001", 1), ("3002", 2)):
        write(tmp_path / f"src/branch-215/exam-{exam}/{exam}_01.jpg", jpeg_bytes(seed))
    run(tmp_path / "src", pattern=PATTERN)
    assert index_faces(backend=FakeBackend()).faces == 2
    index = MatrixIndex()
    faces = list(Face.objects.order_by("pk"))
    index.add([f.pk for f in faces], np.stack([f.vector for f in faces]))
    assert index.search([faces[1].vector], k=1)[0][0] == (faces[1].pk, pytest.approx(0, abs=1e-3))
    matches = search_cases([faces[0].vector, faces[0].vector], index=index, shown_only=False)
    assert matches[0].case_id == faces[0].photo.case_id and matches[0].probes_matched == 2
