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
from dalil.audit.models import AuditEvent
from dalil.identification.faces import refresh_report
from dalil.identification.matching import candidates_for_report, face_similarity
from dalil.identification.models import FaceCandidate, MissingPersonReport, ReportFaceSearch
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
    refresh_report(report)
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


# --- reports' face candidates, and the family's photo search through their report -------------------------

def _family_report(client, photo: bytes | None, consent: bool = True) -> MissingPersonReport:
    """A report filed on the portal as a family files it (with a photo of their relative, if given)."""
    data = {"first_name_ar": "سامر", "reporter_name": "أم سامر", "photo_consent": "on" if consent else ""}
    if photo is not None:
        data["photo"] = io.BytesIO(photo)
        data["photo"].name = "samer.jpg"
    client.cookies["django_language"] = "en"
    response = client.post(reverse("portal:report"), data)
    assert response.status_code == 200, response.content.decode()[:2000]
    return MissingPersonReport.objects.order_by("-pk").first()


def _with_exif(path) -> bytes:
    image = Image.open(path)
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"
    exif[0xA431] = "SERIAL-12345"  # BodySerialNumber
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), comment=b"taken at home")
    return out.getvalue()


def test_it_computes_a_reports_face_candidates_when_it_is_filed(gallery, client):
    report = _family_report(client, _photo("Jennifer_Aniston", 1).read_bytes())
    rows = list(FaceCandidate.objects.filter(report=report).order_by("rank"))
    assert rows and gallery["1004"] in [r.case_id for r in rows[:10]]
    assert ReportFaceSearch.objects.get(report=report).status == "done"
    found = candidates_for_report(report)
    reason = next(r for c in found if c.case.pk == gallery["1004"] for r in c.reasons if r.code == "face")
    assert "similar to the family's photo" in reason.text


def test_it_refreshes_candidates_when_new_photos_are_ingested(gallery, client, tmp_path):
    report = _family_report(client, _photo("Hugo_Chavez", 1).read_bytes())
    assert not FaceCandidate.objects.filter(report=report, distance__lt=0.5).exists()
    src = tmp_path / "more"
    for seq in (2, 3):
        target = src / f"branch-215/exam-1005/1005_{seq:02d}.jpg"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_photo("Hugo_Chavez", seq), target)
    assert run(src, collection="faces", pattern=PATTERN).faces == 2
    case = Photo.objects.filter(exam_no="1005").first().case_id
    assert FaceCandidate.objects.get(report=report, rank=1).case_id == case


def test_a_family_searches_with_the_photo_of_their_report_and_sees_words_then_the_face_only(gallery, client):
    report = _family_report(client, _photo("Vladimir_Putin", 1).read_bytes())
    page = client.get(reverse("portal:faces")).content.decode()
    assert "Show the cases with a similar face" in page and "<img" not in page
    response = client.post(reverse("portal:faces"), {"action": "search"}, follow=True)
    results = response.context["results"]
    assert gallery["1003"] in [row["case"].pk for row in results[:10]]
    assert AuditEvent.objects.filter(action="face_search", actor=f"family:{report.reference}").exists()
    assert "<img" not in response.content.decode()  # words only
    case = gallery["1003"]
    face = Face.objects.filter(photo__case_id=case).first()
    crop_url = reverse("portal:face", args=[case, face.pk])
    assert client.get(crop_url).status_code == 302  # not before the family chose the face step
    client.post(reverse("portal:reveal", args=[case]), {"level": "face"})  # skipping the preview step: refused
    assert crop_url not in client.get(reverse("portal:case", args=[case])).content.decode()
    client.post(reverse("portal:reveal", args=[case]), {"level": "preview"})
    client.post(reverse("portal:reveal", args=[case]), {"level": "face"})
    assert crop_url in client.get(reverse("portal:case", args=[case])).content.decode()
    served = client.get(crop_url)
    assert served.status_code == 200 and served["Cache-Control"] == "private, no-store"
    data = b"".join(served.streaming_content)
    image = Image.open(io.BytesIO(data))
    assert not image.getexif() and not {"exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "comment"} & set(image.info)
    assert b"Exif" not in data and b"http://ns.adobe.com/xap" not in data and b"ICC_PROFILE" not in data
    assert AuditEvent.objects.filter(action="revealed_face", target=f"case:{case}").exists()


def test_a_family_without_a_kept_photo_searches_once_and_nothing_is_kept(gallery, client):
    report = _family_report(client, None)
    response = client.post(reverse("portal:faces"), {"photo": io.BytesIO(_with_exif(_photo("Tony_Blair", 1)))})
    assert gallery["1002"] in [row["case"].pk for row in response.context["results"][:10]]
    report.refresh_from_db()
    assert not report.photo_encrypted and not FaceCandidate.objects.filter(report=report).exists()


def test_a_family_may_keep_the_photo_and_it_is_kept_without_metadata(gallery, client):
    report = _family_report(client, None)
    upload = io.BytesIO(_with_exif(_photo("Colin_Powell", 1)))
    response = client.post(reverse("portal:faces"), {"photo": upload, "keep": "on"}, follow=True)
    assert gallery["1001"] in [row["case"].pk for row in response.context["results"][:10]]
    report.refresh_from_db()
    kept = report.photo
    assert report.photo_consent and b"SERIAL-12345" not in kept and b"taken at home" not in kept
    assert not Image.open(io.BytesIO(kept)).getexif()


@pytest.mark.parametrize("upload, message", [
    ("abstract", "could not find a face"),
    ("bomb", "too large (more than 40 megapixels)"),
    ("pdf", "not a photo we can read"),
])
def test_the_family_search_refuses_a_photo_with_no_face_a_bomb_and_a_non_image(gallery, client, upload, message):
    _family_report(client, None)
    data = {"abstract": _abstract_png(), "bomb": _bomb_png(), "pdf": b"%PDF-1.4\n" + bytes(2000)}[upload]
    response = client.post(reverse("portal:faces"), {"photo": io.BytesIO(data)})
    assert response.status_code == 200 and response.context["results"] is None
    assert message in response.content.decode()


@pytest.mark.parametrize("upload, message", [
    ("bomb", "decompression bomb"),
    ("pdf", "not a photo"),
])
def test_the_cli_and_staff_search_refuse_a_bomb_and_a_non_image(gallery, staff, tmp_path, upload, message):
    data = {"bomb": _bomb_png(), "pdf": b"%PDF-1.4\n" + bytes(2000)}[upload]
    path = write(tmp_path / f"{upload}.png", data)
    with pytest.raises(CommandError, match=message):
        call_command("faces", "search", str(path))
    with open(path, "rb") as probe:
        response = staff("caseworker").post(reverse("faces:search"), {"photos": [probe]})
    assert response.context["matches"] is None and message in " ".join(response.context["errors"])


def _bomb_png() -> bytes:
    """A small file that declares 50,000 x 50,000 pixels: refused before a pixel is decoded."""
    out = io.BytesIO()
    Image.new("1", (50_000, 50_000)).save(out, "PNG", optimize=True)
    return out.getvalue()
