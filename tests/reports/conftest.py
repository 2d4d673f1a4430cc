"""A small archive made by the real ingest pipeline, described and coded, with reports and identifications.

«الأرشيف الصغير» (collection "reports-test"):
- branch 215: exam 1001 (2 photos + an exact copy, custody, 2012-05), exam 1002 (1 photo, custody,
  2012-06), exam 1003 (1 photo, custody, 2012-06);
- branch 227: exam 2001 (1 photo, soldier, 2013-01);
- one photo cut short (quarantined), under branch 227.
Injury codes: 1001 emaciation + ligature, 1002 emaciation. Reports: «محمد» (claimed, corroborated and
confirmed on 1001), «هدى» (claimed on 2001), «سامر» (no identification).
"""

import datetime
import io
import random

import pytest
from django.contrib.auth.models import User
from PIL import Image, ImageDraw, ImageFilter

from dalil.archive.models import BodyCase, InjuryCode, Photo
from dalil.evidence import seals
from dalil.identification.models import Identification, IdentificationStep
from dalil.ingest.pipeline import Options, ingest
from dalil.lib.roles import Role, grant
from tests.identification.personas import make_report

PATTERN = r"branch-(?P<branch>\d+)/(?P<month>\d{4}-\d{2})/exam-(?P<exam>\d+)/\d+_(?P<seq>\d+)\.jpg"
COLLECTION = "reports-test"
PASSWORD = "a long enough password 1"
UTC = datetime.timezone.utc


def scene(seed: int) -> bytes:
    rng = random.Random(seed)
    image = Image.new("RGB", (480, 360), (rng.randrange(80, 200), rng.randrange(80, 200), rng.randrange(80, 200)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(-40, 440), rng.randrange(-40, 320)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.ellipse((x, y, x + rng.randrange(40, 200), y + rng.randrange(40, 160)), fill=colour)
    out = io.BytesIO()
    image.filter(ImageFilter.GaussianBlur(1.2)).save(out, "JPEG", quality=88)
    return out.getvalue()


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def unsealed_archive(db, instance, tmp_path, settings):
    """The archive as ingested, described and matched, never sealed."""
    settings.STORE_FSYNC = False
    src = tmp_path / "src"
    files = {
        "branch-215/2012-05/exam-1001/1001_01.jpg": scene(1),
        "branch-215/2012-05/exam-1001/1001_02.jpg": scene(2),
        "copies/branch-215/2012-05/exam-1001/1001_01.jpg": scene(1),
        "branch-215/2012-06/exam-1002/1002_01.jpg": scene(3),
        "branch-215/2012-06/exam-1003/1003_01.jpg": scene(4),
        "branch-227/2013-01/exam-2001/2001_01.jpg": scene(5),
        "branch-227/2013-01/exam-2001/2001_02.jpg": scene(6)[:2500],
    }
    for rel, data in files.items():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_bytes(data)
    ingest(src, Options(collection=COLLECTION, received_from="tests", medium="tmp", pattern=PATTERN, workers=1,
                        actor="pytest"))
    analyst = User.objects.create_user("basel", password=PASSWORD)  # باسل
    grant(analyst, Role.ANALYST)
    cases = {}
    for exam, category, day in (("1001", "custody", (2012, 5, 3)), ("1002", "custody", (2012, 6, 1)),
                                ("1003", "custody", (2012, 6, 20)), ("2001", "soldier", (2013, 1, 9))):
        case = Photo.objects.filter(exam_no=exam).first().case
        BodyCase.objects.filter(pk=case.pk).update(category=category, date=datetime.date(*day))
        cases[exam] = case
    for exam, code in (("1001", "emaciation"), ("1001", "ligature"), ("1002", "emaciation")):
        InjuryCode.objects.create(case=cases[exam], code=code, coded_by=analyst)
    reviewer = User.objects.create_user("khaled")
    mohammad, huda = make_report(), make_report(first_name_ar="هدى", sex="female")
    make_report(first_name_ar="سامر")
    confirmed = Identification.objects.create(report=mohammad, case=cases["1001"], state="confirmed")
    claimed = Identification.objects.create(report=huda, case=cases["2001"])
    for ident, to_state, when in ((confirmed, "claimed", (2024, 1, 5)), (confirmed, "corroborated", (2024, 2, 1)),
                                  (confirmed, "confirmed", (2024, 3, 2)), (claimed, "claimed", (2024, 3, 9))):
        step = IdentificationStep.objects.create(identification=ident, to_state=to_state, actor=reviewer)
        IdentificationStep.objects.filter(pk=step.pk).update(at=datetime.datetime(*when, 12, tzinfo=UTC))
    for ident, when in ((confirmed, (2024, 1, 5)), (claimed, (2024, 3, 9))):
        Identification.objects.filter(pk=ident.pk).update(created_at=datetime.datetime(*when, 12, tzinfo=UTC))
    from dalil.identification.models import MissingPersonReport

    MissingPersonReport.objects.update(created_at=datetime.datetime(2024, 1, 2, 9, tzinfo=UTC))
    return {"collection": COLLECTION, "cases": cases, "analyst": analyst}


@pytest.fixture
def archive(unsealed_archive):
    """The archive, sealed."""
    seals.seal(COLLECTION, actor="pytest")
    return unsealed_archive


@pytest.fixture
def staff_client(client, archive):
    user = User.objects.create_user("rana", password=PASSWORD)  # رنا
    grant(user, Role.ARCHIVIST)
    client.force_login(user)
    return client
