"""A small sealed archive to export: two bodies, camera serial numbers in the EXIF, a report or two.

Body A (branch 215, exam 1001, two photos) has a confirmed identification whose family consented to
share with prosecutors and to be contacted; body B (branch 227, exam 2002, one photo) has a claim whose
family did not consent to anything. A stray text file sits in the source too.
"""

import datetime
import io
import random
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from PIL import Image, ImageDraw

from dalil.archive.models import BodyCase, Photo
from dalil.evidence.seals import seal
from dalil.identification.models import Identification, MissingPersonReport
from dalil.ingest import synth
from dalil.ingest.pipeline import Options, ingest
from dalil.lib.roles import Role, grant

PATTERN = r"branch-(?P<branch>\d+)/(?P<month>\d{4}-\d{2})/exam-(?P<exam>\d+)/\d+_(?P<seq>\d+)\.jpg"
SERIALS = [c.serial for c in synth.CAMERAS]
CONTACT = {"name": "أم سامر الحموي", "phone": "+963 944 765 432", "email": "um.samer@example.org"}
OTHER_CONTACT = {"name": "أبو خالد", "phone": "+963 933 111 222", "email": "abu.khaled@example.org"}


def photo_jpeg(seed: int, camera: synth.Camera) -> bytes:
    rng = random.Random(seed)
    image = Image.new("RGB", (320, 240), (rng.randrange(80, 200), 120, 140))
    draw = ImageDraw.Draw(image)
    for _ in range(8):
        x, y = rng.randrange(0, 300), rng.randrange(0, 220)
        draw.ellipse((x, y, x + rng.randrange(20, 120), y + rng.randrange(20, 100)), fill=(rng.randrange(256), 60, 90))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88, exif=synth.exif_bytes(camera, datetime.datetime(2013, 5, 1, 10, seed)))
    return out.getvalue()


def make_report(contact: dict, **fields) -> MissingPersonReport:
    _, digest = MissingPersonReport.issue_followup_token()
    report = MissingPersonReport(followup_digest=digest, **fields)
    report.set_private(**contact)
    report.save()
    return report


@dataclass
class Archive:
    collection: str
    case_a: BodyCase
    case_b: BodyCase
    report_a: MissingPersonReport
    report_b: MissingPersonReport


def person(username: str, *roles: str) -> User:
    user = User.objects.create_user(username)
    if roles:
        grant(user, *roles)
    return User.objects.get(pk=user.pk)


def build(tmp_path, sealed: bool = True) -> Archive:
    src = tmp_path / "src"
    files = {"branch-215/2013-05/exam-1001/1001_01.jpg": (1, 0), "branch-215/2013-05/exam-1001/1001_02.jpg": (2, 1),
             "branch-227/2013-06/exam-2002/2002_01.jpg": (3, 2)}
    for rel, (seed, camera) in files.items():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_bytes(photo_jpeg(seed, synth.CAMERAS[camera]))
    (src / "notes.txt").write_text("handed over with the USB stick\n")
    ingest(src, Options(collection="caesar", received_from="Association X", medium="USB stick #3", pattern=PATTERN,
                        workers=1, actor="huda"))
    for exam in ("1001", "2002"):  # grouped by ingest; made here if grouping is not there
        photos = Photo.objects.filter(exam_no=exam)
        if photos.filter(case=None).exists():
            photos.update(case=BodyCase.objects.create(branch=photos[0].branch, exam_no=exam))
    case_a = Photo.objects.filter(exam_no="1001").first().case
    case_b = Photo.objects.filter(exam_no="2002").first().case
    BodyCase.objects.filter(pk=case_a.pk).update(category="custody", date=datetime.date(2013, 5, 1), marks="وشم")
    BodyCase.objects.filter(pk=case_b.pk).update(category="custody", date=datetime.date(2013, 6, 2))
    report_a = make_report(CONTACT, first_name_ar="سامر", family_name_ar="الحموي", first_name_latin="Samer",
                           family_name_latin="al-Hamwi", arresting_branch="215", consent_contact=True,
                           consent_prosecutors=True, consent_other_bodies=True, reporter_relationship="الأم")
    report_b = make_report(OTHER_CONTACT, first_name_ar="خالد", arresting_branch="227", consent_contact=True)
    Identification.objects.create(report=report_a, case=case_a, state="confirmed")
    Identification.objects.create(report=report_b, case=case_b, state="claimed")
    if sealed:
        seal("caesar", "huda")
    return Archive("caesar", BodyCase.objects.get(pk=case_a.pk), BodyCase.objects.get(pk=case_b.pk), report_a,
                   report_b)


@pytest.fixture
def archive(db, instance, settings, tmp_path):
    settings.STORE_FSYNC = False
    return build(tmp_path)


@pytest.fixture
def unsealed_archive(db, instance, settings, tmp_path):
    settings.STORE_FSYNC = False
    return build(tmp_path, sealed=False)


@pytest.fixture
def archivist(db):
    return person("huda", Role.ARCHIVIST)


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield
